"""The table from ``Ledger`` methods to commands covers every public method, with the methods' own names."""

from __future__ import annotations

import inspect

import click

from ledger import Ledger
from ledger.cli import CORE_COMMANDS, cli
from ledger.cli.build import ALIAS, parameters
from ledger.cli.docs import DOC, render
from ledger.cli.mapping import COMMANDS, EXCLUDED, EXTRA, NOT_OFFERED


def public_members() -> set[str]:
    """What an app can call on a Ledger: methods, class methods and properties not starting with _."""
    found = set()
    for name in dir(Ledger):
        attr = inspect.getattr_static(Ledger, name)
        if not name.startswith("_") and isinstance(attr, (property, classmethod, staticmethod, type(lambda: 0))):
            found.add(name)
    return found


def command_of(name: str) -> click.Command:
    words = name.split()
    found = cli.commands[words[0]]
    return found.commands[words[1]] if len(words) == 2 else found  # type: ignore[attr-defined]


def test_every_public_method_has_a_command_or_is_excluded_with_a_reason():
    mapped = [spec.method for spec in COMMANDS]
    assert len(mapped) == len(set(mapped)), "a method is mapped twice"
    members = public_members()
    assert {"batch", "facts", "holds", "transfers", "root", "init", "public_key"} <= members
    missing = members - set(mapped) - set(EXCLUDED)
    assert not missing, f"public Ledger methods with no command and no exclusion: {sorted(missing)}"
    assert not (set(mapped) & set(EXCLUDED)), "a method is both mapped and excluded"
    assert not (set(mapped) | set(EXCLUDED)) - members, "the table names a method Ledger does not have"
    assert all(why.strip() for why in EXCLUDED.values())


def test_a_new_public_method_is_caught(monkeypatch):
    monkeypatch.setattr(Ledger, "brand_new_query", lambda self: 1, raising=False)
    assert "brand_new_query" in public_members() - {s.method for s in COMMANDS} - set(EXCLUDED)


def test_every_option_is_named_as_a_parameter_of_its_method():
    for spec in COMMANDS:
        command = command_of(spec.name)
        names = {p.name for p in parameters(spec)}
        offered = set()
        for param in command.params:
            if param.name in ("db", "as_json") or param.name in spec.extra:
                continue
            if param.name.startswith(ALIAS):
                assert param.hidden and param.name[len(ALIAS) :] in names, (spec.name, param.name)
                continue
            name = param.name.removeprefix("no_") if param.name in ("no_floor", "no_ceiling") else param.name
            assert name in names, (spec.name, param.name)
            offered.add(name)
            if isinstance(param, click.Option) and param.name == name:
                assert f"--{name.replace('_', '-')}" in param.opts, (spec.name, param.opts)
        assert offered == names, (spec.name, names - offered)
        for name in spec.extra:
            assert name in EXTRA


def test_only_the_listed_parameters_are_not_offered():
    for spec in COMMANDS:
        attr = inspect.getattr_static(Ledger, spec.method)
        if isinstance(attr, property):
            continue
        signature = inspect.signature(getattr(Ledger, spec.method))
        offered = {p.name for p in parameters(spec)}
        for p in signature.parameters.values():
            if p.name in ("self", "db") or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            assert p.name in offered or p.name in NOT_OFFERED, (spec.method, p.name)


def test_commands_kept_from_earlier_releases_still_exist():
    for name in ("scheme register", "scheme list", "account open", "account show", "account list", "account close",
                 "account limits", "transfer", "hold", "post", "void", "reverse", "expire-holds", "balance",
                 "history", "totals", "verify", "checkpoint", "export", "receipt", "consistency", "rotate-key",
                 "init", "migrate", "demo", "plugins"):  # fmt: skip
        assert command_of(name) is not None


def test_docs_cli_md_is_generated_from_the_commands():
    assert DOC.read_text(encoding="utf-8") == render(), "docs/cli.md is stale: run python -m ledger.cli.docs"


def test_docs_lists_every_core_command_and_no_hidden_alias():
    text = render()
    for spec in COMMANDS:
        assert f"### `ledger {spec.name}`" in text
    for name in CORE_COMMANDS:
        assert f"`ledger {name}" in text
    assert "| `--id " not in text and "| `--hold " not in text and "| `--format " not in text


def test_docs_change_when_a_command_changes(monkeypatch):
    before = render()
    command = command_of("transfer")
    monkeypatch.setattr(command, "help", "Something else entirely.")
    assert render() != before
