"""Appending leaves: the part of the chain every store shares.

``ChainWriter.append`` is called inside the write transaction, after the events are
inserted and with the writer already serialised (SQLite's write lock taken by
``BEGIN IMMEDIATE``; PostgreSQL's table lock), so the head it reads cannot move
under it and two writers can never fork the chain.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Callable, NamedTuple, Optional, Sequence
from uuid import UUID

from ledger_audit import FORMAT_VERSION, GENESIS_PREV, GENESIS_TYPE, body_hash, leaf_hash, make_leaf, parse_canonical
from ledger_audit.canonical import MAX_SAFE_INTEGER
from ledger_audit.chain import TS_FORMAT
from ledger_audit.rfc6962 import hash_children, root_from_leaf_hashes

from ..errors import LedgerError, LedgerExists
from ..merkle import BLOCK, LEAVES_SQL, NODE_SQL, STORED_LEVEL
from .es_adapter import StoredEvent


class ChainedRow(NamedTuple):
    """What one stored event became in the chain (a tuple: one is made per event written)."""

    seq: int
    ts: str
    originator_id: UUID
    originator_version: int
    topic: str
    leaf: bytes
    hash: bytes


class GenesisMissing(LedgerError):
    def __init__(self, topic: str) -> None:
        super().__init__(f"the first event of a ledger must be {GENESIS_TYPE}, not {topic}")


def utc_now_ts() -> str:
    return datetime.now(UTC).strftime(TS_FORMAT)


def _plain(text: Any) -> bool:
    """Whether a JSON string of ``text`` is just ``text`` in quotes (no escape, valid UTF-8)."""
    return type(text) is str and text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def leaf_bytes(
    ledger: str, seq: int, prev: str, ts: str, type: str, stream: str, version: int, body_hash: str
) -> bytes:
    """``ledger_audit.make_leaf``'s bytes, from a template when every value is plain.

    A leaf has fixed member names, so its canonical form is a fixed template around the
    values whenever no string needs an escape; anything else is left to ``make_leaf``,
    which gives the same bytes or the same error (tests/test_fast_paths.py).
    """
    if (
        _plain(ledger)
        and _plain(prev)
        and _plain(ts)
        and _plain(type)
        and _plain(stream)
        and _plain(body_hash)
        and int is seq.__class__ is version.__class__
        and 0 <= seq <= MAX_SAFE_INTEGER
        and 1 <= version <= MAX_SAFE_INTEGER
    ):
        return (
            f'{{"body_hash":"{body_hash}","ledger":"{ledger}","prev":"{prev}","seq":{seq},"stream":"{stream}",'
            f'"ts":"{ts}","type":"{type}","v":{FORMAT_VERSION},"version":{version}}}'
        ).encode("ascii")
    return make_leaf(
        ledger=ledger, seq=seq, prev=prev, ts=ts, type=type, stream=stream, version=version, body_hash=body_hash
    )


class ChainWriter:
    """Computes leaves for a run of stored events given the chain head.

    ``execute(sql, params)`` and ``fetchone()`` come from the store's cursor; SQL
    uses ``?`` placeholders and the store adapts them.
    """

    select_head = "SELECT seq, hash, ts FROM ledger_chain ORDER BY seq DESC LIMIT 1"
    select_ledger = "SELECT leaf FROM ledger_chain WHERE seq = 0"
    insert_leaf = "INSERT INTO ledger_chain (seq, notification_id, ts, leaf, hash) VALUES (?, ?, ?, ?, ?)"
    insert_node = "INSERT INTO ledger_tree (level, idx, hash) VALUES (?, ?, ?)"

    def __init__(self, clock: Callable[[], str] = utc_now_ts) -> None:
        self.clock = clock
        self.ledger_id: Optional[str] = None

    def append(self, cursor: Any, events: Sequence[StoredEvent], notification_ids: Sequence[int]) -> list[ChainedRow]:
        cursor.execute(self.select_head)
        head = cursor.fetchone()
        if head is None:
            seq, prev, last_ts = -1, GENESIS_PREV, ""
            # Not cached: this transaction may yet roll back (another creator won the race).
            ledger_id = self._genesis_ledger_id(events[0])
        else:
            seq, prev, last_ts = head[0], bytes(head[1]).hex(), head[2]
            if any(e.topic == GENESIS_TYPE for e in events):
                # Two creators raced on an empty database and this one lost: a second genesis
                # would break an append-only chain for good, so it is refused inside the lock.
                raise LedgerExists("the database (a genesis is already recorded)")
            if self.ledger_id is None:
                cursor.execute(self.select_ledger)
                self.ledger_id = parse_canonical(bytes(cursor.fetchone()[0]))["ledger"]
            ledger_id = self.ledger_id
        # Timestamps never go backwards, so "as of a time" is well defined even if
        # the wall clock steps back between two writers.
        ts = max(self.clock(), last_ts)
        rows = []
        params = []
        first = seq + 1
        digests = []
        for event, nid in zip(events, notification_ids):
            seq += 1
            leaf = leaf_bytes(
                ledger_id,
                seq,
                prev,
                ts,
                event.topic,
                str(event.originator_id),
                event.originator_version,
                body_hash(event.state),
            )
            digest = leaf_hash(leaf)
            digests.append(digest)
            prev = digest.hex()
            rows.append(ChainedRow(seq, ts, event.originator_id, event.originator_version, event.topic, leaf, digest))
            params.append((seq, nid, ts, leaf, digest))
        cursor.executemany(self.insert_leaf, params)
        self._grow_tree(cursor, first, digests)
        return rows

    def _grow_tree(self, cursor: Any, first: int, digests: list[bytes]) -> None:
        """Store the root of every complete aligned subtree of ``BLOCK`` leaves or more that
        the leaves ``first, first + 1, ...`` (hashes ``digests``) complete.

        A node at level L, index i is MTH of leaves [i * 2^L, (i + 1) * 2^L); level 0 is the
        leaf hashes in ``ledger_chain``. Nodes below ``STORED_LEVEL`` are not stored: a reader
        folds them from at most ``BLOCK`` leaf hashes (``ledger.merkle.NodeReader``), and a
        transfer commits no Merkle page on 31 of every 32 leaves. Any root or proof still
        needs O(log n) reads.
        """
        end = first + len(digests)
        nodes: dict[tuple[int, int], bytes] = {}
        for block in range(first // BLOCK, end // BLOCK):
            start = block * BLOCK
            hashes = digests[max(start - first, 0) : start + BLOCK - first]
            if start < first:  # the block began in an earlier transaction
                cursor.execute(LEAVES_SQL, (start, first))
                hashes = [bytes(r[0]) for r in cursor.fetchall()] + hashes
            level, idx, node = STORED_LEVEL, block, root_from_leaf_hashes(hashes)
            nodes[(level, idx)] = node
            while idx % 2 == 1:
                left = nodes.get((level, idx - 1))
                if left is None:
                    cursor.execute(NODE_SQL, (level, idx - 1))
                    left = bytes(cursor.fetchone()[0])
                node = hash_children(left, node)
                level, idx = level + 1, idx // 2
                nodes[(level, idx)] = node
        if nodes:
            cursor.executemany(self.insert_node, [(level, idx, h) for (level, idx), h in nodes.items()])

    @staticmethod
    def _genesis_ledger_id(event: StoredEvent) -> str:
        if event.topic != GENESIS_TYPE:
            raise GenesisMissing(event.topic)
        return parse_canonical(event.state)["ledger_id"]
