"""``Ledger.verify``: the chain, and every number derived from it, checked in one walk.

One read snapshot, one pass in sequence order over the event table and the chain:

1. **the chain** — every leaf hash recomputed from the stored rows (``ledger_audit.ChainVerifier``);
   a deleted, inserted, reordered or altered row, or a cell of the wrong type, is a named
   failure at the first position it touches, never a traceback;
2. **the Merkle nodes** kept for proofs (``ledger_tree``) — recomputed from the leaf hashes;
3. **what was signed** — each stored checkpoint's root against the root of the chain at its
   size, and the signer's memory outside the database: a chain shorter than something its
   signer signed fails;
4. **the read models** — every table the ledger answers from (schemes, accounts and their
   rules, balances, postings, transfers, holds, facts, the request log) rebuilt from the
   bodies alone (``ledger_audit.readmodels``) and compared cell by cell. Append-only tables
   are compared as streams in sequence order; postings by a per-account digest (a second,
   targeted pass lists the differing rows); settled holds, which never change again, by a sum
   of row digests; memory stays O(accounts + open holds).

``ledger_personal`` is not derivable from bodies in this format (docs/chain-spec.md); it is
the one side table the walk does not rebuild.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator, Optional
from uuid import UUID

from ledger_audit import (
    GENESIS_TYPE,
    ChainError,
    ChainVerifier,
    Checkpoint,
    KeyHistory,
    VerificationError,
    verify_checkpoint,
)
from ledger_audit.readmodels import (
    COLUMNS,
    DIGEST_MODULUS,
    KEY_ROTATED,
    ReadModelReplay,
    ReplayError,
    legacy_request,
    row_digest,
)
from ledger_audit.rfc6962 import EMPTY_ROOT

from .merkle import STORED_LEVEL
from .requests import RequestLog

MAX_LISTED = 100  # differences listed in a report; the count is exact
SECOND_PASS_ACCOUNTS = 10  # accounts whose posting rows a second pass lists (a cursor each)
STREAMED = ("ledger_transfers", "ledger_facts")
IN_PLACE = ("ledger_schemes", "ledger_accounts", "ledger_balances", "ledger_holds")
#: Column of each table's key (postings are keyed by account and seq together).
KEY_COLUMN = {
    "ledger_schemes": 0,
    "ledger_accounts": 0,
    "ledger_balances": 0,
    "ledger_holds": 0,
    "ledger_transfers": 9,
    "ledger_facts": 0,
    "ledger_requests": 4,
}


@dataclass(frozen=True)
class Difference:
    """One stored cell (or row) that is not what the chain says: ``column`` ``"(row)"`` for a
    missing (``found`` ``None``) or extra (``expected`` ``None``) row."""

    table: str
    key: Any
    column: str
    expected: Any
    found: Any

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "key": _plain(self.key), "column": self.column,
                "expected": _plain(self.expected), "found": _plain(self.found)}

    def __str__(self) -> str:
        if self.column == "(row)":
            what = "missing" if self.found is None else f"not derived from any event: {_plain(self.found)!r}"
            return f"{self.table} row {_plain(self.key)!r} is {what}"
        return (f"{self.table} row {_plain(self.key)!r} column {self.column!r}: "
                f"the chain says {_plain(self.expected)!r}, the table holds {_plain(self.found)!r}")


def _plain(value: Any) -> Any:
    """A JSON-friendly rendering of a stored value (bytes as hex, tuples as lists)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    """Equal and of one type: ``'5'`` is not ``5``, and ``1.0`` in an integer column is drift."""
    return type(a) is type(b) and a == b


def _select(table: str) -> str:
    return f"SELECT {', '.join(COLUMNS[table])} FROM {table}"


def _blob(value: Any, seq: int, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ChainError(seq, f"{what} is stored as {type(value).__name__}, not as bytes (the row was edited)")


class Differences:
    def __init__(self) -> None:
        self.listed: list[Difference] = []
        self.count = 0

    def add(self, table: str, key: Any, column: str, expected: Any, found: Any) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(Difference(table, key, column, expected, found))

    def rows(self, table: str, key: Any, expected: Optional[tuple], found: Optional[tuple]) -> None:
        if expected is None or found is None:
            self.add(table, key, "(row)", expected, found)
            return
        columns = COLUMNS[table]
        if len(found) != len(columns):
            self.add(table, key, "(row)", expected, found)
            return
        for name, e, f in zip(columns, expected, found):
            if not same(e, f):
                self.add(table, key, name, e, f)


class StreamCompare:
    """Expected rows of one append-only table, arriving in key order, against the stored ones."""

    def __init__(
        self, table: str, stored: Iterator[tuple], diffs: Differences, key: Optional[int] = None,
        label: Optional[Any] = None,
    ) -> None:
        self.table, self._stored, self._diffs = table, stored, diffs
        self._key = KEY_COLUMN[table] if key is None else key
        #: How a difference names its row (default: the key column's value).
        self._label = label or (lambda row: row[self._key])
        self._next: Optional[tuple] = None
        self._advance()

    def _advance(self) -> None:
        while True:
            row = next(self._stored, None)
            if row is None or type(row[self._key]) is int:
                self._next = None if row is None else tuple(row)
                return
            self._diffs.add(self.table, self._label(row), COLUMNS[self.table][self._key], "an integer", row[self._key])

    def expect(self, row: tuple) -> None:
        key = row[self._key]
        while self._next is not None and self._next[self._key] < key:
            self._diffs.rows(self.table, self._label(self._next), None, self._next)
            self._advance()
        if self._next is not None and self._next[self._key] == key:
            self._diffs.rows(self.table, self._label(row), row, self._next)
            self._advance()
        else:
            self._diffs.rows(self.table, self._label(row), row, None)

    def stored_at(self, key: int) -> list[tuple]:
        """Take the stored rows whose key is below or at ``key``: those below are extra rows."""
        while self._next is not None and self._next[self._key] < key:
            self._diffs.rows(self.table, self._label(self._next), None, self._next)
            self._advance()
        taken = []
        while self._next is not None and self._next[self._key] == key:
            taken.append(self._next)
            self._advance()
        return taken

    def finish(self) -> None:
        while self._next is not None:
            self._diffs.rows(self.table, self._label(self._next), None, self._next)
            self._advance()


def _row_digest(digests: dict[str, Any], account: Any, row: tuple) -> None:
    digest = digests.get(account)
    if digest is None:
        digest = digests[account] = hashlib.sha256()
    # repr tells '5' from 5, True from 1 and 1.0 from 1: the digest is as type-strict as same().
    digest.update(repr(row).encode("utf-8", "backslashreplace"))


class TreeCheck:
    """Recomputes the stored Merkle nodes (levels >= ``lowest``) and the root at the current size.

    Files of the first layout also keep nodes below ``STORED_LEVEL``; for them ``lowest`` is 1.
    """

    def __init__(self, lowest: int = STORED_LEVEL) -> None:
        self.lowest = lowest
        self._stack: list[tuple[int, bytes]] = []
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.low_digest, self.low_count = 0, 0
        self.size = 0

    def append(self, leaf_hash: bytes) -> None:
        node, level = leaf_hash, 0
        self.size += 1
        while self._stack and self._stack[-1][0] == level:
            node = hashlib.sha256(b"\x01" + self._stack.pop()[1] + node).digest()
            level += 1
            if level >= STORED_LEVEL:
                self.nodes[(level, (self.size >> level) - 1)] = node
            elif level >= self.lowest:  # first-layout files: summed, not kept (there are n/2 of them)
                row = (level, (self.size >> level) - 1, node)
                self.low_digest = (self.low_digest + row_digest(row)) % DIGEST_MODULUS
                self.low_count += 1
        self._stack.append((level, node))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        root = self._stack[-1][1]
        for _, h in reversed(self._stack[:-1]):
            root = hashlib.sha256(b"\x01" + h + root).digest()
        return root


@dataclass(frozen=True)
class SignedState:
    """A size and root something signed: a stored checkpoint, or the signer's memory."""

    source: str
    size: int
    root: Any
    note: Any = None  # a stored checkpoint's signed note (None: the signer's memory)


class Walk:
    """One verification pass over a snapshot (see the module docstring)."""

    def __init__(
        self, snap: Any, event_id: str, dialect: str, signed: list[SignedState], origin: Optional[str] = None
    ) -> None:
        self.snap, self.event_id, self.origin = snap, event_id, origin
        self.keys: Optional[KeyHistory] = None
        self.verifier = ChainVerifier()
        low = snap.one(f"SELECT 1 FROM ledger_tree WHERE level < {STORED_LEVEL} LIMIT 1")
        self.tree = TreeCheck(1 if low else STORED_LEVEL)
        self.diffs = Differences()
        self.signed = sorted(signed, key=lambda s: s.size if type(s.size) is int else -1)
        self.signed_problem: Optional[tuple[int, str]] = None
        requests = RequestLog(lambda sql, params: list(snap.rows(sql, params)), event_id, dialect)
        self.replay = ReadModelReplay(fetch=requests.event, keep_settled=False)
        self.replay_problem: Optional[tuple[int, str]] = None
        self.posting_digests: dict[str, Any] = {}
        self.wrong_posting_accounts: list[Any] = []
        self.holds_differ = False
        self.streams = {
            t: StreamCompare(t, snap.rows(f"{_select(t)} ORDER BY {COLUMNS[t][KEY_COLUMN[t]]}"), self.diffs)
            for t in STREAMED
        }
        # The request log is met event by event: a row at a request event must be that event's;
        # a row at any other event may be one recorded before requests were chained.
        self.requests = StreamCompare(
            "ledger_requests", snap.rows(f"{_select('ledger_requests')} ORDER BY seq"), self.diffs
        )
        self.legacy_requests = 0
        self.chain_error: Optional[ChainError] = None
        #: The only problem is that the signer's last checkpoint (whose root is this chain's) is not stored.
        self.memory_unstored = False

    # -- the walk -----------------------------------------------------------------------------

    def run(self) -> None:
        event_id = self.event_id
        events = self.snap.rows(
            f"SELECT {event_id}, originator_id, originator_version, topic, state FROM stored_events ORDER BY {event_id}"
        )
        chain = self.snap.rows("SELECT seq, notification_id, leaf, hash, ts FROM ledger_chain ORDER BY seq")
        self._check_signed_at(0)
        while True:
            e, link = next(events, None), next(chain, None)
            if e is None and link is None:
                break
            position = self.verifier.size
            self._check_link(position, e, link)
            try:
                leaf_bytes = _blob(link[2], position, "the leaf")
                body = _blob(e[4], position, "the event body")
                stored_hash = _blob(link[3], position, "the leaf hash")
                leaf = self.verifier.feed(leaf_bytes, body, stored_hash)
                # SQLite keeps stream ids as 32 hex digits, PostgreSQL as uuid values.
                stream = e[1].hex if isinstance(e[1], UUID) else e[1]
            except (TypeError, ValueError) as exc:
                raise ChainError(position, f"a stored row cannot be read ({exc})") from None
            if (leaf.stream.replace("-", ""), leaf.version, leaf.type) != (stream, e[2], e[3]):
                raise ChainError(leaf.seq, "leaf names a different stream, version or type than its event")
            if link[4] != leaf.ts:  # seq_at() searches this column: it must be the leaf's own time
                raise ChainError(leaf.seq, "the chain row's ts column differs from the leaf's ts")
            self.tree.append(stored_hash)
            if leaf.type in (GENESIS_TYPE, KEY_ROTATED):
                self._key_event(leaf.seq, leaf.type, body)
            self._replay(leaf.seq, leaf.type, leaf.stream, leaf.version, body)
            self._check_signed_at(self.verifier.size)

    def _replay(self, seq: int, topic: str, stream: str, version: int, body: bytes) -> None:
        if self.replay_problem is not None:
            return  # the read models cannot be rebuilt past a body they cannot be derived from
        try:
            emitted = self.replay.feed(seq, topic, stream, version, json.loads(body))
        except ReplayError as exc:
            self.replay_problem = (exc.seq, exc.reason)
            return
        except ValueError as exc:
            self.replay_problem = (seq, f"the body is not JSON ({exc})")
            return
        expected_request = None
        for table, row in emitted:
            if table == "ledger_postings":
                _row_digest(self.posting_digests, row[0], row)
            elif table == "ledger_requests":
                expected_request = row
            else:
                self.streams[table].expect(row)
        self._requests_at(seq, topic, body, expected_request)

    def _requests_at(self, seq: int, topic: str, body: bytes, expected: Optional[tuple]) -> None:
        stored = self.requests.stored_at(seq)
        if expected is not None:
            self.diffs.rows("ledger_requests", seq, expected, stored[0] if stored else None)
            stored = stored[1:]
        parsed = json.loads(body) if stored else None
        first = self.replay.first_request_seq
        for row in stored:
            if expected is None and legacy_request(row[0], row[1], seq, first, topic, parsed):
                self.legacy_requests += 1  # recorded before requests were chained (docs/read-models.md)
            else:
                self.diffs.rows("ledger_requests", seq, None, row)

    def _key_event(self, seq: int, topic: str, body: bytes) -> None:
        """Follow the checkpoint keys (genesis, rotations), to check each stored note's signature."""
        try:
            data = json.loads(body)
            if topic == GENESIS_TYPE:
                self.keys = KeyHistory(data["public_key"])
            elif self.keys is not None:
                self.keys.apply(data, self.origin or "", seq)
        except (VerificationError, ValueError, KeyError, TypeError) as exc:
            if self.signed_problem is None:
                self.signed_problem = (seq, f"the checkpoint key cannot be followed past this event ({exc})")
            self.keys = None

    @staticmethod
    def _check_link(position: int, event: Any, link: Any) -> None:
        if link is None:
            raise ChainError(position, "a stored event has no leaf (a row was inserted or a leaf deleted)")
        if link[0] != position or type(link[0]) is not int:
            raise ChainError(position, f"sequence number {position} is missing from the chain")
        if event is None:
            raise ChainError(position, "a leaf has no stored event (an event row was deleted)")
        if link[1] != event[0]:
            raise ChainError(position, "the leaf points at another stored event (rows inserted, deleted or moved)")

    def _check_signed_at(self, size: int) -> None:
        for state in self.signed:
            if state.size == size and self.signed_problem is None:
                root = self.tree.root()
                if not isinstance(state.root, (bytes, memoryview)) or bytes(state.root) != root:
                    self.signed_problem = (
                        size,
                        f"this ledger's tree at size {size} differs from the one {state.source} signed "
                        f"({state.source} of size {size} signed another root than the chain's): "
                        "the history was rewritten or this is another ledger's copy",
                    )

    # -- after the walk ---------------------------------------------------------------------------

    def finish(self) -> None:
        size = self.verifier.size
        for state in self.signed:
            if self.signed_problem is None and (type(state.size) is not int or not 0 <= state.size <= size):
                self.signed_problem = (
                    size,
                    f"the chain holds {size} events but {state.source} of size {state.size!r} was signed: "
                    "events were deleted, or this is an older copy (a restored backup or a copy must not "
                    "fork the log)",
                )
        memory = [s for s in self.signed if s.note is None]
        stored = {(s.size, bytes(s.root) if isinstance(s.root, (bytes, memoryview)) else s.root)
                  for s in self.signed if s.note is not None}
        for state in memory:  # what the signer last signed must still be kept beside the chain
            if self.signed_problem is None and (state.size, state.root) not in stored and state.size > 0:
                self.memory_unstored = True
                self.signed_problem = (
                    size,
                    f"the signer's memory of size {state.size} names a checkpoint the database does not keep "
                    "(deleted, or a crash came between signing and storing it: 'ledger checkpoint' stores it "
                    "again if it is this chain's)",
                )
        for state in self.signed:
            if state.note is not None and self.signed_problem is None and not self._note_signed(state):
                self.signed_problem = (
                    size if type(state.size) is not int else state.size,
                    f"{state.source} of size {state.size!r} keeps a note that is not that checkpoint signed "
                    "by the key in force at that size",
                )
        if self.replay_problem is not None:
            return
        for stream in (*self.streams.values(), self.requests):
            stream.finish()
        for table, expected in self.replay.tables().items():
            if table == "ledger_holds":
                self.holds_differ = not self._holds_match(list(expected))
                continue
            self._compare_all(table, expected, self.snap.rows(f"{_select(table)} ORDER BY {COLUMNS[table][0]}"))
        self._compare_tree()
        self._compare_postings()

    def unstored_memory_only(self) -> bool:
        """Whether the one problem found is a checkpoint the signer holds and the database lost."""
        return (self.memory_unstored and self.chain_error is None and self.replay_problem is None
                and self.diffs.count == 0)

    def _note_signed(self, state: SignedState) -> bool:
        if self.keys is None or type(state.size) is not int or type(state.note) is not str:
            return False
        try:
            checkpoint = verify_checkpoint(state.note, self.keys.key_at(state.size), self.origin or "")
        except VerificationError:
            return False
        root = bytes(state.root) if isinstance(state.root, (bytes, memoryview)) else state.root
        return (checkpoint.size, checkpoint.root) == (state.size, root)

    def _compare_all(self, table: str, expected: Iterator[tuple], stored: Iterator[tuple]) -> None:
        want = {row[0]: row for row in expected}
        for row in stored:
            key = row[0]
            self.diffs.rows(table, key, want.pop(key, None), tuple(row))
        for key, row in sorted(want.items()):
            self.diffs.rows(table, key, row, None)

    def _compare_tree(self) -> None:
        want = self.tree.nodes
        low_digest, low_count = 0, 0
        for level, idx, node in self.snap.rows("SELECT level, idx, hash FROM ledger_tree"):
            found = bytes(node) if isinstance(node, (bytes, memoryview)) else node
            if type(level) is int and level < STORED_LEVEL:
                low_digest = (low_digest + row_digest((level, idx, found))) % DIGEST_MODULUS
                low_count += 1
                continue
            expected = want.pop((level, idx), None)
            if expected is None:
                self.diffs.add("ledger_tree", (level, idx), "(row)", None, found)
            elif not same(expected, found):
                self.diffs.add("ledger_tree", (level, idx), "hash", expected, found)
        for key, node in sorted(want.items()):
            self.diffs.add("ledger_tree", key, "(row)", node, None)
        if (low_digest, low_count) != (self.tree.low_digest, self.tree.low_count):
            self.diffs.add("ledger_tree", f"levels 1-{STORED_LEVEL - 1}", "(rows)",
                           f"{self.tree.low_count} nodes", f"{low_count} nodes, or other hashes")

    def _compare_postings(self) -> None:
        found: dict[Any, Any] = {}
        for row in self.snap.rows(f"{_select('ledger_postings')} ORDER BY account, seq"):
            _row_digest(found, row[0], tuple(row))
        wrong = [a for a in set(found) | set(self.posting_digests)
                 if a not in found or a not in self.posting_digests
                 or found[a].digest() != self.posting_digests[a].digest()]
        self.wrong_posting_accounts = sorted(wrong, key=repr)

    def _holds_match(self, open_rows: list[tuple]) -> bool:
        """Settled holds were summed as they settled; the stored rows are summed the same way."""
        want = (self.replay.settled_digest + sum(row_digest(r) for r in open_rows)) % DIGEST_MODULUS
        count = self.replay.settled_count + len(open_rows)
        found, n = 0, 0
        for row in self.snap.rows(f"{_select('ledger_holds')} ORDER BY hold_id"):
            found, n = (found + row_digest(tuple(row))) % DIGEST_MODULUS, n + 1
        return (found, n) == (want, count)

    def second_pass(self, accounts: list[Any], holds: bool) -> None:
        """Replay again, keeping what the first pass only digested: list the differing posting
        rows of ``accounts`` (each compared as a stream, so memory stays flat) and, if
        ``holds``, the differing hold rows."""
        replay = ReadModelReplay(fetch=self.replay._fetch)
        select = f"{_select('ledger_postings')} WHERE account = ? ORDER BY seq"
        streams = {
            account: StreamCompare("ledger_postings", self.snap.rows(select, (account,)), self.diffs, key=1,
                                   label=lambda row: (row[0], row[1]))
            for account in accounts
        }
        rows = self.snap.rows(
            "SELECT c.seq, c.leaf, e.state FROM ledger_chain c "
            f"JOIN stored_events e ON e.{self.event_id} = c.notification_id ORDER BY c.seq"
        )
        for seq, leaf, state in rows:
            head = json.loads(bytes(leaf))
            for table, row in replay.feed(seq, head["type"], head["stream"], head["version"], json.loads(bytes(state))):
                if table == "ledger_postings" and row[0] in streams:
                    streams[row[0]].expect(row)
        for stream in streams.values():
            stream.finish()
        if holds:
            expected = replay.tables()["ledger_holds"]
            self._compare_all("ledger_holds", expected, self.snap.rows(f"{_select('ledger_holds')} ORDER BY hold_id"))


def signed_states(snap: Any, signer_memory: Optional[Checkpoint]) -> list[SignedState]:
    states = [SignedState("a stored checkpoint", size, root, note)
              for size, root, note in snap.rows("SELECT size, root, note FROM ledger_checkpoints ORDER BY size")]
    if signer_memory is not None:
        states.append(SignedState("the signer's memory", signer_memory.size, signer_memory.root))
    return states


def run_walk(
    snap: Any, event_id: str, dialect: str, signer_memory: Optional[Checkpoint], origin: Optional[str] = None
) -> Walk:
    """Walk a snapshot; a break of the chain itself stops the walk (``walk.chain_error``)."""
    walk = Walk(snap, event_id, dialect, signed_states(snap, signer_memory), origin)
    try:
        walk.run()
    except ChainError as exc:
        walk.chain_error = exc
        return walk
    walk.finish()
    if walk.replay_problem is None and (walk.wrong_posting_accounts or walk.holds_differ):
        walk.second_pass(walk.wrong_posting_accounts[:SECOND_PASS_ACCOUNTS], walk.holds_differ)
    return walk


__all__ = ["Difference", "Walk", "run_walk", "VerificationError"]
