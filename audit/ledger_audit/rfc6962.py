"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (SHA-256).

Hashing (RFC 9162 §2.1.1): the empty tree's root is ``SHA-256("")``, a leaf hash is
``SHA-256(0x00 || data)`` and an inner node is ``SHA-256(0x01 || left || right)``.

Producers (:func:`inclusion_proof`, :func:`consistency_proof`) work from the list of
leaf hashes, following the recursive definitions of RFC 9162 §2.1.3.1 and §2.1.4.1
(walked top-down, iteratively). Verifiers are line-by-line ports of RFC 9162
§2.1.3.2 and §2.1.4.2 and raise :class:`ProofError` (or its subclass
:class:`RootMismatch`) instead of returning a boolean. The ``root_from_*`` functions
return the root a proof leads to, as transparency-dev/merkle's ``proof`` package does.

Edge cases follow transparency-dev/merkle (whose test vectors tests/vectors holds),
with one deliberate difference: every hash handed to a verifier must be exactly 32
bytes, including the two roots of a ``size1 == size2`` consistency check, where
transparency-dev/merkle compares roots of any length.

- An inclusion proof needs ``0 <= index < size``; so no inclusion proof exists for
  the empty tree.
- A consistency proof needs ``0 < size1 <= size2``: a proof *from* the empty tree
  proves nothing and is refused, even when ``size2`` is 0 too (compare the roots
  directly instead: the empty root is :data:`EMPTY_ROOT`).
- ``size1 == size2`` needs an empty proof and ``root1 == root2``.

:class:`CompactRange` is the log side's incremental state: the roots of the perfect
subtrees covering ``[0, size)`` (a "Merkle frontier"), so appending is O(log n)
amortised O(1), and the root is available at any size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .errors import ProofError, RootMismatch

HASH_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1  # RFC 9162 sizes and indices are uint64
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def hash_leaf(data: bytes) -> bytes:
    """RFC 9162 §2.1.1 leaf hash: ``SHA-256(0x00 || data)``."""
    return _sha256(b"\x00" + bytes(data)).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1 inner node hash: ``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + bytes(left) + bytes(right)).digest()


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, want {HASH_SIZE}")
    return bytes(value)


def _check_size(value: object, what: str) -> int:
    if type(value) is not int:
        raise ProofError(f"{what} must be an int, got {type(value).__name__}")
    if not 0 <= value <= MAX_TREE_SIZE:
        raise ProofError(f"{what} {value} is outside 0..2**64-1")
    return value


def _check_proof(proof: object) -> list[bytes]:
    if not isinstance(proof, (list, tuple)):
        raise ProofError(f"proof must be a list of hashes, got {type(proof).__name__}")
    return [_check_hash(p, f"proof[{i}]") for i, p in enumerate(proof)]


def _check_leaf_hashes(leaf_hashes: object) -> Sequence[bytes]:
    if not isinstance(leaf_hashes, (list, tuple)):
        raise ProofError(f"leaf hashes must be a list, got {type(leaf_hashes).__name__}")
    return leaf_hashes


# --- the tree head -------------------------------------------------------------------


class CompactRange:
    """The perfect-subtree roots covering leaves ``[0, size)``: a Merkle frontier.

    ``size`` in binary says which subtrees there are: one of ``2**level`` leaves for
    every set bit, largest (leftmost) first. Appending a leaf merges equal-sized
    subtrees like a binary counter carries, and :meth:`root` folds them from the
    right, which is exactly RFC 9162's MTH (the left child is always the largest
    perfect subtree, §2.1.1).

    ``CompactRange(size, hashes)`` restores a saved frontier (``hashes`` leftmost
    first, as :attr:`hashes` returns them); a wrong count or hash length raises
    :class:`ProofError`.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        size = _check_size(size, "size")
        if not isinstance(hashes, (list, tuple)):
            raise ProofError(f"hashes must be a list, got {type(hashes).__name__}")
        if len(hashes) != size.bit_count():
            raise ProofError(
                f"a range of size {size} has {size.bit_count()} subtree roots, got {len(hashes)}"
            )
        self._size = size
        self._hashes = [_check_hash(h, f"hashes[{i}]") for i, h in enumerate(hashes)]

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect-subtree roots, leftmost (largest) first."""
        return tuple(self._hashes)

    def frontier(self) -> list[tuple[int, bytes]]:
        """``(level, hash)`` for each perfect subtree, leftmost first; level 0 is one leaf."""
        levels = [bit for bit in range(self._size.bit_length() - 1, -1, -1) if self._size >> bit & 1]
        return list(zip(levels, self._hashes))

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash (32 bytes; see :func:`hash_leaf`)."""
        node = _check_hash(leaf_hash, "leaf hash")
        if self._size == MAX_TREE_SIZE:
            raise ProofError("tree is full")
        size, hashes = self._size, self._hashes
        while size & 1:  # each trailing one bit is a subtree of the same height: merge
            node = _sha256(b"\x01" + hashes.pop() + node).digest()
            size >>= 1
        hashes.append(node)
        self._size += 1

    def extend(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append leaf hashes in order (the same result as :meth:`append` one by one).

        The hashes are split into the largest perfect subtrees the current size allows
        and each subtree's root is computed level by level with list comprehensions, so
        a long run costs about one C-level SHA-256 call per leaf and no Python call per
        leaf; then each root joins the frontier as :meth:`append` joins one leaf.
        """
        leaf_hashes = _check_leaf_hashes(leaf_hashes)
        if not all(type(h) is bytes and len(h) == HASH_SIZE for h in leaf_hashes):
            for leaf_hash in leaf_hashes:  # the per-leaf path names the bad hash
                self.append(leaf_hash)
            return
        self._extend_checked(leaf_hashes)

    def _extend_checked(self, leaf_hashes: Sequence[bytes]) -> None:
        """:meth:`extend` for hashes known to be 32-byte ``bytes`` (the verifier's own SHA-256 digests)."""
        if len(leaf_hashes) > MAX_TREE_SIZE - self._size:
            raise ProofError("tree is full")
        sha256, start, count = _sha256, 0, len(leaf_hashes)
        while start < count:
            size = self._size
            # A subtree of 2**height leaves may start here only if size is a multiple of it.
            height = (count - start).bit_length() - 1
            if size:
                height = min(height, (size & -size).bit_length() - 1)
            level = list(leaf_hashes[start : start + (1 << height)])
            while len(level) > 1:
                level = [sha256(b"\x01" + left + right).digest() for left, right in zip(level[::2], level[1::2])]
            self._push(level[0], height)
            start += 1 << height

    def _push(self, node: bytes, height: int) -> None:
        """Add the root of a perfect subtree of ``2**height`` leaves; ``size`` must be a multiple of that."""
        hashes, carry = self._hashes, self._size >> height
        while carry & 1:  # merge with equal subtrees, like a binary counter carries
            node = _sha256(b"\x01" + hashes.pop() + node).digest()
            carry >>= 1
        hashes.append(node)
        self._size += 1 << height

    def root(self) -> bytes:
        """The RFC 9162 §2.1.1 MTH of the leaves appended so far (:data:`EMPTY_ROOT` if none)."""
        if not self._hashes:
            return EMPTY_ROOT
        node = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            node = _sha256(b"\x01" + left + node).digest()
        return node

    def copy(self) -> CompactRange:
        return CompactRange(self._size, self._hashes)

    @staticmethod
    def root_at(leaf_hashes: Sequence[bytes], size: int) -> bytes:
        """The root of the tree made of the first ``size`` of ``leaf_hashes``."""
        leaf_hashes = _check_leaf_hashes(leaf_hashes)
        size = _check_size(size, "size")
        if size > len(leaf_hashes):
            raise ProofError(f"size {size} is more than the {len(leaf_hashes)} leaf hashes given")
        return _mth(leaf_hashes, 0, size)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def _mth(leaf_hashes: Sequence[bytes], begin: int, end: int) -> bytes:
    """MTH(D[begin:end]) without copying the list."""
    frontier = CompactRange()
    frontier.extend(leaf_hashes[begin:end])
    return frontier.root()


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash of a list of leaf hashes, in O(n) time and O(log n) space."""
    leaf_hashes = _check_leaf_hashes(leaf_hashes)
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- producers ----------------------------------------------------------------------


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 ``PATH(index, D[size])`` over the first ``size`` leaf hashes.

    Requires ``0 <= index < size <= len(leaf_hashes)``; the proof is ordered from the
    leaf's sibling up to the child of the root.
    """
    leaf_hashes = _check_leaf_hashes(leaf_hashes)
    index, size = _check_size(index, "index"), _check_size(size, "size")
    if size > len(leaf_hashes):
        raise ProofError(f"size {size} is more than the {len(leaf_hashes)} leaf hashes given")
    if index >= size:
        raise ProofError(f"index {index} is not below size {size}")
    top_down = []
    begin, end, m = 0, size, index
    while end - begin > 1:
        k = _largest_power_of_two_below(end - begin)
        if m < k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            top_down.append(_mth(leaf_hashes, begin + k, end))
            end = begin + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            top_down.append(_mth(leaf_hashes, begin, begin + k))
            begin, m = begin + k, m - k
    top_down.reverse()
    return top_down


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 ``PROOF(size1, D[size2])`` over the first ``size2`` leaf hashes.

    Requires ``0 < size1 <= size2 <= len(leaf_hashes)``; equal sizes give ``[]``.
    """
    leaf_hashes = _check_leaf_hashes(leaf_hashes)
    size1, size2 = _check_size(size1, "size1"), _check_size(size2, "size2")
    if size2 > len(leaf_hashes):
        raise ProofError(f"size2 {size2} is more than the {len(leaf_hashes)} leaf hashes given")
    if size1 > size2:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    # SUBPROOF(m, D[n], b), walked top-down; each step appends after the recursive part.
    top_down = []
    begin, end, m, whole = 0, size2, size1, True
    while m != end - begin:
        k = _largest_power_of_two_below(end - begin)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            top_down.append(_mth(leaf_hashes, begin + k, end))
            end = begin + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            top_down.append(_mth(leaf_hashes, begin, begin + k))
            begin, m, whole = begin + k, m - k, False
    if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        top_down.append(_mth(leaf_hashes, begin, end))
    top_down.reverse()
    return top_down


# --- verifiers ----------------------------------------------------------------------


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` at ``index`` in a tree of ``size``.

    RFC 9162 §2.1.3.2 steps 1-4 and the ``sn == 0`` check of step 5; raises
    :class:`ProofError` if ``index >= size``, a hash is not 32 bytes, or the proof has
    the wrong length for (index, size).
    """
    leaf_hash = _check_hash(leaf_hash, "leaf hash")
    index, size = _check_size(index, "index"), _check_size(size, "size")
    path = _check_proof(proof)
    if index >= size:  # step 1
        raise ProofError(f"index {index} is not below size {size}")
    fn, sn = index, size - 1  # step 2
    r = leaf_hash  # step 3
    for p in path:  # step 4
        if sn == 0:
            raise ProofError(f"proof has more than the hashes needed for index {index} in size {size}")
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            while fn and not fn & 1:  # only if LSB(fn) was not set
                fn >>= 1
                sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 5, first half
        raise ProofError(f"proof has fewer than the hashes needed for index {index} in size {size}")
    return r


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise unless ``proof`` shows ``leaf_hash`` at ``index`` under ``root``.

    Raises :class:`RootMismatch` if the proof is well-formed but leads elsewhere, and
    :class:`ProofError` for any other defect.
    """
    root = _check_hash(root, "root")
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if calculated != root:
        raise RootMismatch(root, calculated)


def root_from_consistency_proof(size1: int, size2: int, proof: Sequence[bytes], root1: bytes) -> bytes:
    """The root of size ``size2`` that ``proof`` leads to from ``root1`` of size ``size1``.

    RFC 9162 §2.1.4.2, including its check that the proof reproduces ``root1``
    (:class:`RootMismatch` if not). Requires ``0 < size1 <= size2``; for equal sizes
    the proof must be empty and ``root1`` is returned.
    """
    root1 = _check_hash(root1, "root1")
    size1, size2 = _check_size(size1, "size1"), _check_size(size2, "size2")
    path = _check_proof(proof)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if path:
            raise ProofError("size1 equals size2 but the proof is not empty")
        return root1
    if not path:  # step 1
        raise ProofError("empty consistency proof for different sizes")
    if size1 & (size1 - 1) == 0:  # step 2: size1 is a power of two
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ProofError(f"proof has more than the hashes needed for sizes {size1} to {size2}")
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + c + fr).digest()
            sr = _sha256(b"\x01" + c + sr).digest()
            while fn and not fn & 1:  # only if LSB(fn) was not set
                fn >>= 1
                sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 7
        raise ProofError(f"proof has fewer than the hashes needed for sizes {size1} to {size2}")
    if fr != root1:
        raise RootMismatch(root1, fr)
    return sr


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """RFC 9162 §2.1.4.2: raise unless ``proof`` shows the tree ``root1`` (``size1``) is a
    prefix of the tree ``root2`` (``size2``).

    Raises :class:`RootMismatch` if a well-formed proof does not lead to ``root1`` and
    ``root2``, and :class:`ProofError` for any other defect (see the module docstring
    for the size-0 and equal-size rules).
    """
    root2 = _check_hash(root2, "root2")
    calculated = root_from_consistency_proof(size1, size2, proof, root1)
    if calculated != root2:
        raise RootMismatch(root2, calculated)
