"""``ledger-audit``: verify exports, receipts and consistency files from the command line.

::

    ledger-audit verify DIR --key PUBKEY [--previous CHECKPOINT_FILE] [--conservation] [--legacy] [--json] [--progress]
                        [--reference]
    ledger-audit receipt FILE --key PUBKEY [--json]
    ledger-audit consistency OLD_CHECKPOINT NEW_CHECKPOINT PROOF --key PUBKEY [--old-key PUBKEY] [--json]

``PUBKEY`` is a verifier key string (``name+keyid+base64``) or the path of a file
holding one. Exit status: 0 verified, 1 verification failed (``FAIL <kind> at seq N:
reason``, or the JSON ``{"ok": false, "kind", "seq", "reason"}``), 2 usage error.
Stdlib only: ``python -m ledger_audit`` works wherever ``cryptography`` is installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from .checkpoint import parse_key
from .errors import ExportError, KeyFormatError
from .export import ExportReport, verify_export
from .receipts import verify_consistency_file, verify_receipt

PROGRESS_QUIET_EVERY = 50_000  # without --progress, long runs still say where they are
MAX_INPUT_BYTES = 16 * 1024 * 1024


class UsageError(Exception):
    """A mistake on the command line (exit status 2)."""


def _key(value: str) -> str:
    """A verifier key string, given as itself or as a file holding it."""
    text = value.strip()
    try:
        parse_key(text, private=False)
        return text
    except KeyFormatError as exc:
        path = Path(value)
        if not path.is_file():
            raise UsageError(f"--key: not a verifier key ({exc.reason}) nor a readable file") from None
    try:
        text = path.read_text(encoding="utf-8").strip()
        parse_key(text, private=False)
    except (OSError, UnicodeDecodeError):
        raise UsageError(f"--key: cannot read {value}") from None
    except KeyFormatError as exc:
        raise UsageError(f"--key: {value} does not hold a verifier key ({exc.reason})") from None
    return text


def _read(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise UsageError(f"{what} {path} is larger than {MAX_INPUT_BYTES} bytes")
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledger-audit", description="Verify commons-ledger exports, receipts and consistency files offline."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--key", required=True, metavar="PUBKEY", help="trusted verifier key, or a file holding it")
        p.add_argument("--json", action="store_true", help="print a JSON report")

    verify = sub.add_parser("verify", help="verify an export directory (chain-spec §8)")
    verify.add_argument("dir", metavar="DIR")
    common(verify)
    verify.add_argument("--previous", metavar="CHECKPOINT_FILE", help="a signed checkpoint you kept from before")
    verify.add_argument("--conservation", action="store_true", help="replay double entry from the public bodies")
    verify.add_argument("--progress", action="store_true", help="report progress on stderr every 10,000 events")
    verify.add_argument(
        "--legacy",
        action="store_true",
        help="accept an export without a signed manifest (written before they were signed): chain files only",
    )
    verify.add_argument(
        "--reference",
        action="store_true",
        help="check with the reference kernel alone: the plain reading of the spec, one event at a time (slower)",
    )

    receipt = sub.add_parser("receipt", help="verify a receipt (chain-spec §9)")
    receipt.add_argument("file", metavar="FILE")
    common(receipt)

    consistency = sub.add_parser("consistency", help="verify that a newer checkpoint extends an older one")
    consistency.add_argument("old", metavar="OLD_CHECKPOINT")
    consistency.add_argument("new", metavar="NEW_CHECKPOINT")
    consistency.add_argument("proof", metavar="PROOF")
    common(consistency)
    consistency.add_argument(
        "--old-key", metavar="PUBKEY", help="key of the old checkpoint, if a rotation lies between"
    )
    return parser


def _progress(always: bool) -> Any:
    def report(done: int, total: int) -> None:
        if always or done % PROGRESS_QUIET_EVERY == 0 or (done == total and done >= PROGRESS_QUIET_EVERY):
            print(f"ledger-audit: {done}/{total} events", file=sys.stderr, flush=True)

    return report


def _verify_lines(report: ExportReport) -> list[str]:
    lines = [
        f"OK {report.ledger}: {report.size} events, root {report.root.hex()}, "
        f"{report.withheld} bodies withheld, signed by {report.checkpoint_key}"
    ]
    genesis = report.keys[0]
    if report.trusted_key != genesis.key:
        took_over = next(k for k in report.keys if k.key == report.trusted_key)
        lines.append(
            f"  the key you trust took over at size {took_over.from_size} (rotation at seq {took_over.rotation_seq}); "
            f"the genesis key is {genesis.key}"
        )
    if report.previous_size is not None:
        lines.append(f"  extends your checkpoint of size {report.previous_size}")
    if report.derived:
        lines.append(f"  recomputed from the leaves and bodies and equal: {', '.join(report.derived)}")
    if report.bound:
        lines.append(f"  bound by the signed manifest's SHA-256 (not recomputed): {', '.join(report.bound)}")
    if not report.manifest_signed:
        lines.append("  LEGACY export: no signed manifest; only leaves, bodies and the checkpoint are verified")
        if report.unverified:
            lines.append(f"  NOT verified: {', '.join(report.unverified)}")
    if report.conservation is not None:
        cons = report.conservation
        for unit in cons.units:
            state = "complete" if unit.complete else "INCOMPLETE (withheld bodies)"
            lines.append(
                f"  {unit.unit}: balances sum {unit.balance_sum}, {unit.transfers} transfers of {unit.transferred}, "
                f"{unit.posted_from_holds} posted from holds, {unit.pending} still held; {state}"
            )
        if cons.unattributed:
            lines.append(
                f"  {cons.unattributed} withheld value-moving bodies of unknown unit: no unit can be shown complete"
            )
        if cons.unknown_accounts:
            names = ", ".join(cons.unknown_account_names[:5]) + (", ..." if cons.unknown_accounts > 5 else "")
            lines.append(
                f"  {cons.unknown_accounts} accounts moved value with their opening withheld ({names}): "
                "their units are unknown, so no unit can be shown complete"
            )
    return lines


def _run(args: argparse.Namespace) -> tuple[dict, list[str]]:
    key = _key(args.key)
    if args.command == "verify":
        if not Path(args.dir).is_dir():
            raise UsageError(f"{args.dir} is not a directory")
        previous = _read(args.previous, "checkpoint file") if args.previous else None
        report = verify_export(
            args.dir,
            key,
            previous_checkpoint=previous,
            conservation=args.conservation,
            progress=_progress(args.progress),
            legacy=args.legacy,
            reference=args.reference,
        )
        return report.to_dict(), _verify_lines(report)
    if args.command == "receipt":
        receipt = verify_receipt(_read(args.file, "receipt"), key)
        data = {
            "ok": True,
            "seq": receipt.seq,
            "type": receipt.leaf.type,
            "ledger": receipt.leaf.ledger,
            "size": receipt.checkpoint.size,
            "root": receipt.checkpoint.root.hex(),
            "body": receipt.body is not None,
        }
        text = f"OK {receipt.leaf.ledger}: event {receipt.seq} ({receipt.leaf.type}) is in the signed tree of "
        text += f"size {receipt.checkpoint.size}, root {receipt.checkpoint.root.hex()}"
        return data, [text]
    old_key = _key(args.old_key) if args.old_key else None
    result = verify_consistency_file(
        _read(args.old, "checkpoint"), _read(args.new, "checkpoint"), _read(args.proof, "proof"), key, old_key=old_key
    )
    data = {
        "ok": True,
        "ledger": result.new.origin,
        "size1": result.old.size,
        "size2": result.new.size,
        "root1": result.old.root.hex(),
        "root2": result.new.root.hex(),
    }
    text = f"OK {result.new.origin}: size {result.new.size} (root {result.new.root.hex()}) extends size "
    text += f"{result.old.size} (root {result.old.root.hex()})"
    return data, [text]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # exits 2 on a usage error
    try:
        data, lines = _run(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"ledger-audit: error: {exc}", file=sys.stderr)
        return 2
    except ExportError as exc:
        if args.json:
            print(json.dumps(exc.to_dict(), ensure_ascii=False))
        else:
            where = "" if exc.seq is None else f" at seq {exc.seq}"
            print(f"FAIL {exc.kind}{where}: {exc.reason}")
        return 1
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
