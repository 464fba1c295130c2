"""The leaf rules of docs/chain-spec.md §2 as the export walk enforces them, on both of its paths.

Each rule: a stream id in lowercase 8-4-4-4-12 form, a type of the grammar, a ``ts`` that is
a real time, and each stream's versions 1, 2, 3 ... in chain order. A leaf that breaks one is
``edited`` at its seq, whether the walk checks it alone (``BLOCK = 1``) or in a block.
"""

from __future__ import annotations

from pathlib import Path

import ledger_audit.export as export
import pytest
from exportkit import ExportKit, stream_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_audit import ExportError, verify_export

FACT = "ledger.fact.recorded.v1"
BLOCKS = (1, 2, 3, 512)


def outcome(directory: Path, key: str, block: int) -> object:
    saved = export.BLOCK
    export.BLOCK = block
    try:
        return verify_export(directory, key).size
    except ExportError as exc:
        return (exc.kind, exc.seq)
    finally:
        export.BLOCK = saved


def kit_with(*events: dict) -> ExportKit:
    """A ledger of genesis, three plain facts, then ``events`` (keyword arguments of ``append``), then two facts."""
    kit = ExportKit()
    for i in range(3):
        kit.append(FACT, stream_id("fact", f"before{i}"), {"data": {"i": i}})
    for event in events:
        kit.append(**{"etype": FACT, "content": {"data": {}}, **event})
    for i in range(2):
        kit.append(FACT, stream_id("fact", f"after{i}"), {"data": {"i": i}})
    return kit


def first_failure(kit: ExportKit, tmp_path: Path) -> set[object]:
    directory = kit.write(tmp_path / "e")
    return {outcome(directory, kit.genesis_key, block) for block in BLOCKS}


S = stream_id("fact", "s")


@pytest.mark.parametrize(
    ("events", "bad"),
    [
        ([{"stream": S, "version": 7}], 4),  # a stream that starts at version 7
        ([{"stream": S}, {"stream": S, "version": 3}], 5),  # a version skipped
        ([{"stream": S}, {"stream": S}, {"stream": S, "version": 2}], 6),  # a version repeated
        ([{"stream": S}, {"stream": S, "version": 1}], 5),  # a stream started twice
        ([{"stream": stream_id("fact", "before1"), "version": 1}], 4),  # an earlier stream started again
        ([{"stream": S.upper()}], 4),
        ([{"stream": S.replace("-", "")}], 4),
        ([{"stream": "account:alice"}], 4),
        ([{"stream": S, "etype": "ledger.fact.recorded"}], 4),  # no version in the type
        ([{"stream": S, "etype": "Ledger.fact.recorded.v1"}], 4),
        ([{"stream": S, "etype": "fact.v1"}], 4),  # one name only
        ([{"stream": S, "etype": "ledger.fact recorded.v1"}], 4),
        ([{"stream": S, "ts": "2026-13-01T09:00:00.000000Z"}], 4),  # month 13
        ([{"stream": S, "ts": "2026-04-31T09:00:00.000000Z"}], 4),  # 31 April
        ([{"stream": S, "ts": "2027-02-29T09:00:00.000000Z"}], 4),  # 29 February of a common year
        ([{"stream": S, "ts": "2026-03-01T24:00:00.000000Z"}], 4),
        ([{"stream": S, "ts": "2026-03-01T09:00:60.000000Z"}], 4),  # no leap seconds
    ],
    ids=[
        "starts at 7",
        "skips a version",
        "repeats a version",
        "starts twice",
        "restarts an earlier stream",
        "uppercase stream",
        "stream without dashes",
        "stream that is a name",
        "type without version",
        "type with a capital",
        "type of one name",
        "type with a space",
        "month 13",
        "31 April",
        "29 February 2027",
        "hour 24",
        "second 60",
    ],
)
def test_a_leaf_that_breaks_a_rule_of_section_2_is_edited_on_both_paths(tmp_path, events, bad):
    kit = kit_with(*events)
    assert first_failure(kit, tmp_path) == {("edited", bad)}


def test_the_rules_accept_what_the_project_writes(tmp_path):
    # Streams continue across other streams' leaves, rotations share the genesis stream,
    # and a leap day is a day.
    kit = ExportKit()
    t = stream_id("fact", "t")
    for stream, etype in ((S, FACT), (t, FACT), (S, "ledger.fact.revised.v1"), (S, "ledger.fact.revised.v1")):
        kit.append(etype, stream, {"data": {}})
    kit.rotate_key()
    kit.append("ledger.fact.revised.v1", t, {"data": {}}, ts="2028-02-29T23:59:59.999999Z")
    kit.append("ledger.fact.revised.v1", S, {"data": {}}, ts="2028-03-01T00:00:00.000000Z")
    directory = kit.write(tmp_path / "e")
    assert {outcome(directory, kit.genesis_key, block) for block in BLOCKS} == {kit.size}
    assert kit.leaves[-1].endswith(b'"version":4}') and kit.leaves[5].endswith(b'"version":2}')


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(st.tuples(st.integers(0, 3), st.sampled_from([1, 1, 1, 1, 0, 2, -1])), min_size=1, max_size=30),
)
def test_versions_are_checked_in_chain_order_on_every_path(tmp_path_factory, plan):
    """Random version sequences over four streams: the first leaf out of turn is the one reported."""
    kit = ExportKit()
    last: dict[int, int] = {}
    expected: object = None
    for which, step in plan:
        version = max(1, last.get(which, 0) + step)
        if expected is None and version != last.get(which, 0) + 1:
            expected = ("edited", kit.size)
        last[which] = version
        kit.append(FACT, stream_id("fact", f"s{which}"), {"data": {"v": version}}, version=version)
    directory = kit.write(tmp_path_factory.mktemp("versions") / "e")
    if expected is None:
        expected = kit.size
    assert {outcome(directory, kit.genesis_key, block) for block in BLOCKS} == {expected}


RULES = {
    # rule: (append keyword arguments breaking it, the kind it is reported as)
    "stream-upper": ({"stream": S.upper()}, "edited"),
    "stream-name": ({"stream": "fact:s"}, "edited"),
    "type-grammar": ({"etype": "ledger.fact"}, "edited"),
    "day-31": ({"ts": "2026-06-31T00:00:00.000000Z"}, "edited"),
    "version-7": ({"version": 7}, "edited"),
    "body-array": ({"content": b'["data"]'}, "malformed"),
    "body-number": ({"content": b"7"}, "malformed"),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rule=st.sampled_from(sorted(RULES)),
    before=st.integers(0, 40),
    block=st.sampled_from([2, 3, 7, 512]),
    withheld=st.sets(st.integers(1, 40), max_size=5),
)
def test_a_rule_broken_anywhere_is_reported_there_on_every_path(tmp_path_factory, rule, before, block, withheld):
    """A writer that broke one rule at a random place, among withheld bodies: the block walk
    and the one-event walk report it at that seq, with the kind of §10.1."""
    kit = ExportKit()
    for i in range(before):
        kit.append(FACT, stream_id("fact", f"f{i}"), {"data": {"i": i}}, withheld=kit.size in withheld)
    change, kind = RULES[rule]
    stamp = {"ts": "2026-06-30T23:59:59.999999Z"} if rule != "day-31" else {}
    bad = kit.append(**{"etype": FACT, "stream": S, "content": {"data": {}}, **stamp, **change})
    for i in range(3):
        kit.append(FACT, stream_id("fact", f"g{i}"), {"data": {"i": i}}, ts="2026-07-01T00:00:00.000000Z")
    directory = kit.write(tmp_path_factory.mktemp("rule") / "e")
    assert outcome(directory, kit.genesis_key, block) == outcome(directory, kit.genesis_key, 1) == (kind, bad)


def test_every_topic_the_project_writes_has_the_type_grammar():
    """§2's type grammar admits every ``TOPIC`` of ledger/ and plugins/, and §3.1 lists every event type."""
    import re

    from ledger_audit.chain import _TYPE
    from ledger_audit.events import CORE_TYPES

    root = Path(__file__).resolve().parents[2]
    topics = set()
    for path in [*root.glob("ledger/**/*.py"), *root.glob("plugins/**/*.py"), *root.glob("examples/**/*.py")]:
        topics |= set(re.findall(r'TOPIC = "([^"]+)"', path.read_text(encoding="utf-8")))
    assert CORE_TYPES <= topics and len(topics) > len(CORE_TYPES)  # the event topics, and the aggregates'
    assert [topic for topic in sorted(topics) if not _TYPE.match(topic)] == []
