"""Roots and proofs over the ledger's stored Merkle nodes (RFC 6962 / RFC 9162 §2.1).

The chained recorder stores the root of every complete aligned subtree of ``BLOCK``
leaves or more as leaves are appended (``ledger_tree``); level 0 is ``ledger_chain.hash``,
and a node between them is folded from at most ``BLOCK`` leaf hashes read in one query.
Any range the RFC's recursion visits is either such a subtree or splits into O(log n) of
them, so a root or a proof at any size costs O(log n) reads and no replay.

Files written before nodes below ``STORED_LEVEL`` were left out hold them too; they are
simply not read.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ledger_audit.rfc6962 import EMPTY_ROOT, hash_children, root_from_leaf_hashes

from .errors import ValidationError

Reader = Callable[[int, int], bytes]

#: The lowest level kept in ``ledger_tree``: subtrees of ``BLOCK`` = 32 leaves and up.
STORED_LEVEL = 5
BLOCK = 1 << STORED_LEVEL


#: A stored node, and a run of leaf hashes: read by roots and proofs here and by the writer.
NODE_SQL = "SELECT hash FROM ledger_tree WHERE level = ? AND idx = ?"
LEAVES_SQL = "SELECT hash FROM ledger_chain WHERE seq >= ? AND seq < ? ORDER BY seq"


class NodeReader:
    """``node(level, idx)`` for ``MerkleView`` from SQL reads: leaves, stored nodes, folded blocks.

    ``rows(sql, params)`` runs one read. The leaf hashes of a block are read once per
    reader, so a proof folds its low levels from one query.
    """

    def __init__(self, rows: Callable[[str, Sequence[Any]], list[Any]]) -> None:
        self.rows = rows
        self._blocks: dict[int, list[bytes]] = {}

    def __call__(self, level: int, idx: int) -> bytes:
        if level >= STORED_LEVEL:
            found = self.rows(NODE_SQL, (level, idx))
            return bytes(found[0][0])
        first = idx << level
        block = first >> STORED_LEVEL
        leaves = self._blocks.get(block)
        if leaves is None or len(leaves) < (first - (block << STORED_LEVEL)) + (1 << level):
            start = block << STORED_LEVEL
            leaves = [bytes(r[0]) for r in self.rows(LEAVES_SQL, (start, start + BLOCK))]
            self._blocks[block] = leaves
        offset = first - (block << STORED_LEVEL)
        return root_from_leaf_hashes(leaves[offset : offset + (1 << level)])


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleView:
    """Roots and proofs for a tree whose nodes ``node(level, index)`` returns."""

    def __init__(self, node: Reader, size: int) -> None:
        self.node = node
        self.size = size

    def _check(self, name: str, value: int, low: int, high: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError("merkle", {name: [f"must be an integer from {low} to {high}."]})

    def _root(self, start: int, end: int) -> bytes:
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self.node(n.bit_length() - 1, start // n)
        k = _split(n)
        return hash_children(self._root(start, start + k), self._root(start + k, end))

    def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves."""
        self._check("size", size, 0, self.size)
        return EMPTY_ROOT if size == 0 else self._root(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:size])."""
        self._check("size", size, 1, self.size)
        self._check("seq", index, 0, size - 1)
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self._root(start + k, end))
                end = start + k
            else:
                proof.append(self._root(start, start + k))
                start = start + k
        return proof[::-1]

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(old, D[0:new]); ``0 < old <= new``."""
        self._check("new_size", new, 1, self.size)
        self._check("old_size", old, 1, new)
        proof: list[bytes] = []
        start, end, m, complete = 0, new, old, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self._root(start + k, end))
                end = start + k
            else:
                proof.append(self._root(start, start + k))
                start, m, complete = start + k, m - k, False
        if not complete:
            proof.append(self._root(start, end))
        return proof[::-1]
