"""Verification events/s: ``Ledger.verify()`` over a file ledger, against bare chained SHA-256."""

from __future__ import annotations

import hashlib
import sqlite3

from ledger_audit import verify_chain, verify_export

from .common import Figure, median_rate, new_ledger, temp_dir, timed, timed_value, transfer_items

NAME = "verify"
N, QUICK_N = 30_000, 2_000
BATCH = 1_000
GOAL = 0.2

Record = tuple[bytes, bytes, bytes]


def bare_sha256(leaves: list[bytes]) -> bytes:
    h = b""
    for leaf in leaves:
        h = hashlib.sha256(b"\x00" + leaf).digest()
    return h


def read_records(db: str) -> list[Record]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT c.leaf, e.state, c.hash FROM ledger_chain c JOIN stored_events e ON e.rowid = c.notification_id "
            "ORDER BY c.seq"
        ).fetchall()
    return [(bytes(leaf), bytes(body), bytes(digest)) for leaf, body, digest in rows]


def run(n: int, repeats: int) -> list[Figure]:
    with temp_dir() as d:
        lg = new_ledger(d)
        try:
            items = transfer_items(BATCH)
            while lg.size() < n:
                lg.batch(items[: min(BATCH, n - lg.size())])
            records = read_records(lg.db)
            leaves = [r[0] for r in records]
            ours: list[float] = []
            bare: list[float] = []
            audit: list[float] = []
            exported: list[float] = []
            plain: list[float] = []
            out = d / "export"
            lg.export(str(out), formats=[])
            key = lg.public_key
            verified = 0
            for _ in range(repeats):
                seconds, report = timed_value(lg.verify)
                ours.append(seconds)
                verified = report.size
                bare.append(timed(lambda: bare_sha256(leaves)))
                audit.append(timed(lambda: verify_chain(records)))
                exported.append(timed(lambda: verify_export(out, key)))
                plain.append(timed(lambda: verify_export(out, key, reference=True)))
        finally:
            lg.close()
    sha = median_rate(len(leaves), bare)
    return [
        # Counted over the events verify() reports it walked, so an early stop could not look fast.
        # Information: issue 9's goal is for the standalone verifier (the export row below).
        Figure("Ledger.verify() events/s", median_rate(verified, ours), sha, "bare chained sha256 of leaves", None, n),
        Figure("ledger_audit.verify_chain events/s", median_rate(len(records), audit), sha, "same", None, n),
        # The auditor's whole job: read the export files, check every leaf and body, the Merkle
        # root and the checkpoint signature.
        Figure("ledger-audit verify (export) events/s", median_rate(len(records), exported), sha, "same", GOAL, n),
        # The same export read plainly by the reference kernel (--reference): no goal, a yardstick.
        Figure("ledger-audit verify --reference events/s", median_rate(len(records), plain), sha, "same", None, n),
    ]
