"""Verify an export directory (docs/chain-spec.md §8) from genesis to its signed checkpoint.

:func:`verify_export` reads ``leaves.jsonl`` and ``bodies.jsonl`` one line at a time
beside each other and keeps small state (the chain head, a Merkle frontier and each
stream's last version, one short entry per stream; ``conservation=True`` adds one balance
per account and one entry per pending hold; recomputing the derived files, one entry per
account). It raises an
:class:`~ledger_audit.errors.ExportError` naming the first failure's kind (§10) and
sequence number, or returns an :class:`ExportReport`.

The order of the checks decides which failure is "first"; it is the order of
docs/chain-spec.md §10.1, whose step numbers the comments here use:

1. ``checkpoint.txt`` parses (its signature waits: a rotation in the chain may have
   changed the key), the optional ``manifest.json`` and the previous checkpoint are
   well-formed, the files open (steps 1-4);
2. each event in order, from genesis (steps 5-8): the leaf checks of §5 (failures named
   by :mod:`ledger_audit.classify`, §10.2), then a present body is a canonical object and
   a withheld one may be withheld, then content: genesis's format and key, key rotations
   signed by the key before them, the conservation replay; the walk stops at the
   checkpoint's size;
3. fewer leaves than the checkpoint's size: ``truncated``; the trusted key is in the
   key history, else ``bad-signature``; the checkpoint is signed by the key valid at its
   size (``bad-signature``); its root is the root of the leaves (``rewritten``); an
   auditor's previous checkpoint is consistent (larger: ``truncated``; same size, other
   root, or other root at its size: ``fork``) (steps 9-13);
4. lines after the checkpoint's size: ``inserted`` at that size (nothing signs them);
   a last line without its newline: ``malformed`` (steps 14-15);
5. the signed manifest (:mod:`ledger_audit.manifest`; checked last, since it never
   outranks the chain files; step 16 and §8.5): ``manifest.json`` and ``manifest.sig`` are
   there (``unsigned`` otherwise, unless ``legacy``), the note is signed by the key valid at
   the checkpoint's size and names this checkpoint and this manifest, the manifest agrees
   with the chain files (``malformed``), the core derived files equal what the leaves and
   bodies give (:mod:`ledger_audit.derived_files`, ``derived``), every other listed file has
   its listed digest (``deleted``, ``edited``) and nothing unlisted is there (``inserted``);
   then conservation totals (step 17).

Step 2 runs on blocks of :data:`BLOCK` events (:meth:`_Walk._block`): the same checks
for every event, but as one regex call, list comprehensions of SHA-256 calls and
whole-block list and string comparisons instead of Python calls per event (parsing and
re-encoding every leaf and body with :mod:`json` was ~90% of the time). A block where
any leaf or link check fails is walked again event by event (:meth:`_Walk._step`), so
the failure reported, its kind and its sequence number are the ones the one-event walk
gives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import chain as chain_iter
from pathlib import Path
from typing import Any, Callable, Optional

from .canonical import parse_canonical
from .chain import _HEX64, GENESIS_TYPE, MAX_LEAF_BYTES, ChainVerifier, parse_leaf, real_date
from .checkpoint import parse_key, verify_checkpoint
from .classify import MAX_BODY_BYTES, NULL_BODY, Failure, classify
from .conservation import VALUE_TYPES, ConservationReport, Replay
from .derived_files import check_derived, derived_listed
from .errors import (
    CanonicalFormError,
    ChainError,
    CheckpointError,
    ExportError,
    KeyFormatError,
    ManifestMissing,
    NoteError,
    RotationError,
    SignatureError,
)
from .events import NEVER_WITHHELD, SCHEME_REGISTERED
from .export_files import (
    BODIES,
    CHECKPOINT,
    LEAVES,
    MANIFEST,
    MAX_NOTE_BYTES,
    UNSURE,
    LineReader,
    open_lines,
    parse_note_checkpoint,
    plainly_canonical,
    read_small,
)
from .manifest import (
    CHAIN_FILES,
    MANIFEST_SIG,
    Manifest,
    check_listed,
    check_unlisted,
    read_manifest,
    read_note,
    unlisted,
    verify_manifest_note,
)
from .rfc6962 import EMPTY_ROOT, CompactRange
from .rotation import ROTATION_TYPE, KeyHistory
from .shapes import BodyShapes, LeafBlock, streams_are_uuids

PROGRESS_EVERY = 10_000
BLOCK = 512  # events checked at once on the fast path; 1 turns it off (tests compare both)

Progress = Callable[[int, int], None]

# Bodies the walk reads whatever it is asked: the key path, and the bodies that may never be withheld.
ALWAYS_READ = (ROTATION_TYPE, SCHEME_REGISTERED)


def _real_days(stamps: list[str]) -> bool:
    """Whether every ``ts`` of a block (sorted, each matching the grammar) falls on a day of the calendar."""
    first, last = stamps[0][:10], stamps[-1][:10]
    if first == last:  # a block is mostly one day: one look-up
        return real_date(first)
    return all(map(real_date, {stamp[:10] for stamp in stamps}))


@dataclass(frozen=True)
class KeyUse:
    """A checkpoint key of the ledger: genesis's (``rotation_seq`` None) or a rotation's."""

    key: str
    from_size: int  # the smallest checkpoint size it signs
    rotation_seq: Optional[int]


@dataclass(frozen=True)
class ExportReport:
    """What a verified export proves: ``size`` events of ``ledger`` under the signed ``root``."""

    ledger: str
    size: int
    root: bytes
    head: str
    withheld: int
    keys: tuple[KeyUse, ...]
    trusted_key: str
    checkpoint_key: str
    previous_size: Optional[int]
    manifest: bool
    conservation: Optional[ConservationReport]
    #: Whether ``manifest.sig`` signs the manifest (False only for a ``legacy`` export).
    manifest_signed: bool = False
    #: Core derived files recomputed from the leaves and bodies and found equal (§8).
    derived: tuple[str, ...] = ()
    #: Other listed files, bound by their SHA-256 in the signed manifest (not recomputed).
    bound: tuple[str, ...] = ()
    #: Files of a ``legacy`` export that nothing vouches for.
    unverified: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The CLI's ``--json`` report."""
        return {
            "ok": True,
            "ledger": self.ledger,
            "size": self.size,
            "root": self.root.hex(),
            "head": self.head,
            "withheld": self.withheld,
            "keys": [{"key": k.key, "from_size": k.from_size, "rotation_seq": k.rotation_seq} for k in self.keys],
            "trusted_key": self.trusted_key,
            "checkpoint_key": self.checkpoint_key,
            "previous_size": self.previous_size,
            "manifest": self.manifest,
            "manifest_signed": self.manifest_signed,
            "derived": list(self.derived),
            "bound": list(self.bound),
            "unverified": list(self.unverified),
            "conservation": None if self.conservation is None else self.conservation.to_dict(),
        }


def _trusted(verifier_key: str) -> str:
    if isinstance(verifier_key, str):
        verifier_key = verifier_key.strip()
    parse_key(verifier_key, private=False)  # KeyFormatError: the caller's mistake, not the export's
    return verifier_key


class _Walk:
    """One pass over an export; :meth:`run` returns the report or raises."""

    def __init__(
        self,
        directory: Path,
        trusted: str,
        previous: Optional[Any],
        conservation: bool,
        progress: Optional[Progress],
        legacy: bool = False,
    ) -> None:
        self.dir = directory
        self.legacy = legacy
        self.manifest_signed = False
        self.derived: tuple[str, ...] = ()
        self.bound: tuple[str, ...] = ()
        self.unverified: tuple[str, ...] = ()
        self.trusted = trusted
        self.note, self.checkpoint = parse_note_checkpoint(
            read_small(directory / CHECKPOINT, MAX_NOTE_BYTES, CHECKPOINT), CHECKPOINT
        )
        self.manifest = read_manifest(directory)
        self.previous = None if previous is None else parse_note_checkpoint(previous, "the previous checkpoint")
        self.replay = Replay() if conservation else None
        self.progress = progress
        self.chain = ChainVerifier()
        self.frontier = CompactRange()
        self.keys: Optional[KeyHistory] = None
        self.withheld = 0
        self.root_at_previous: Optional[bytes] = None
        self.manifest_problem: Optional[ExportError] = None
        self.shapes = BodyShapes()
        self.leaf_block: Optional[LeafBlock] = None

    def run(self) -> ExportReport:
        # Only the manifest lists the files' digests; without one, nothing reads them.
        digest = self.manifest is not None
        leaves = open_lines(self.dir, LEAVES, MAX_LEAF_BYTES, digest)
        try:
            bodies = open_lines(self.dir, BODIES, MAX_BODY_BYTES, digest)
            try:
                size = self._walk(leaves, bodies)
                return self._finish(size, leaves, bodies)
            finally:
                bodies.close()
        finally:
            leaves.close()

    # -- the walk ------------------------------------------------------------------------

    def _walk(self, leaves: LineReader, bodies: LineReader) -> int:
        limit = self.checkpoint.size
        self.previous_size = self.previous[1].size if self.previous else -1
        self.withheld_list = iter(self.manifest.withheld) if self.manifest else iter(())
        self.next_withheld = next(self.withheld_list, None)
        self.head2: Optional[str] = None
        self.pending: Optional[bytes] = None
        progress, every = self.progress, PROGRESS_EVERY
        position = 0
        while position < limit:
            stop = position + 1
            if position > 0 and BLOCK > 1:
                # Blocks end at 1 + multiples of BLOCK, so the leaf hashes each adds to the
                # Merkle frontier (which lags one leaf) form aligned perfect subtrees, and
                # at multiples of PROGRESS_EVERY, so progress is reported where it was.
                end = min(limit, ((position - 1) // BLOCK + 1) * BLOCK + 1)
                if progress is not None:
                    end = min(end, (position // every + 1) * every)
                lines = leaves.take(end - position)
                raws = bodies.take(len(lines))
                if lines and self._block(position, lines, raws):
                    position += len(lines)
                    if progress is not None and position % every == 0:
                        progress(position, limit)
                    continue
                # Something in the block needs a closer look: the one-event walk finds
                # the first failure and names it exactly as it always has.
                leaves.unread(lines)
                bodies.unread(raws)
                stop = position + max(1, len(lines))
            ended = False
            while position < stop:
                if not self._step(position, leaves, bodies):
                    ended = True  # leaves.jsonl has fewer lines than the checkpoint's size
                    break
                position += 1
                if progress is not None and position % every == 0:
                    progress(position, limit)
            if ended:
                break
        if self.pending is not None:
            self._grow([self.pending])
        if self.next_withheld is not None and self.next_withheld < position and self.manifest_problem is None:
            self.manifest_problem = ExportError(
                "malformed", self.next_withheld, "manifest.json lists this body as withheld but it is present"
            )
        if progress is not None:
            progress(position, limit)
        return position

    def _grow(self, hashes: list[bytes]) -> None:
        """Append leaf hashes to the frontier, keeping the root at the auditor's previous size."""
        frontier, previous_size = self.frontier, self.previous_size
        split = previous_size - frontier.size
        # The hashes are this walk's own SHA-256 digests, so the frontier need not check them.
        if 0 < split <= len(hashes):
            frontier._extend_checked(hashes[:split])
            self.root_at_previous = frontier.root()
            hashes = hashes[split:]
        frontier._extend_checked(hashes)

    def _step(self, position: int, leaves: LineReader, bodies: LineReader) -> bool:
        """Check one event with the full checks; ``False`` if ``leaves.jsonl`` has ended."""
        chain = self.chain
        line = leaves.read()
        if line is None:
            return False
        raw = bodies.read()
        if raw is None:
            raise ExportError("deleted", position, f"bodies.jsonl ends at line {position}; leaves.jsonl goes on")
        body = None if raw == NULL_BODY else raw
        head = chain.head
        try:
            leaf = chain.feed(line, body)
        except ChainError as exc:
            raise classify(
                Failure(
                    position,
                    line,
                    body,
                    exc,
                    head,
                    self.head2,
                    self.frontier,
                    self.pending,
                    self.checkpoint,
                    leaves,
                    bodies,
                )
            ) from None
        if body is None:
            self.withheld += 1
            if position == self.next_withheld:
                self.next_withheld = next(self.withheld_list, None)
            elif self.manifest_problem is None:
                self.manifest_problem = ExportError(
                    "malformed", position, "body is withheld but manifest.json does not list it"
                )
        elif position == self.next_withheld and self.manifest_problem is None:
            self.manifest_problem = ExportError(
                "malformed", position, "manifest.json lists this body as withheld but it is present"
            )
        if position == 0 or leaf.type in ALWAYS_READ or (self.replay is not None and leaf.type in VALUE_TYPES):
            self._content(position, leaf, body)
        elif body is not None:
            self.shapes.learn(self._canonical_body(position, body))
        if self.pending is not None:
            self._grow([self.pending])
        self.pending = bytes.fromhex(chain.head)
        self.head2 = head
        return True

    def _block(self, position: int, lines: list[bytes], raws: list[bytes]) -> bool:
        """Check events ``position ..`` at once; ``False`` (nothing changed) if any chain check fails.

        Every check :meth:`_step` makes happens here for every event, over the whole
        block at a time (see :mod:`ledger_audit.shapes` for why a match is canonical).
        If any leaf or link check fails, nothing is changed and the caller walks the
        block event by event, which raises at the first bad one. Once every leaf and
        link passes, the only failures left are in bodies and their content, which are
        then checked in sequence order, so the first one raised is the one :meth:`_step`
        would have raised.
        """
        chain, count = self.chain, len(lines)
        if len(raws) != count or max(map(len, lines)) > MAX_LEAF_BYTES:
            return False
        if self.leaf_block is None:
            self.leaf_block = LeafBlock(chain.ledger)
        leaf_block = self.leaf_block
        text = b"\n".join(lines).decode("utf-8", "surrogateescape")
        rows = leaf_block.pattern.findall(text)
        if len(rows) != count:
            return False
        sha256 = hashlib.sha256
        hashes = [sha256(b"\x00" + line).digest() for line in lines]
        hexes = list(map(bytes.hex, hashes))
        body_hashes = [sha256(raw).hexdigest() for raw in raws]
        heads, streams, stamps, kinds, versions = map(list, zip(*rows))  # the columns, in one C call
        withheld = [j for j, raw in enumerate(raws) if raw == NULL_BODY] if NULL_BODY in raws else []
        for j in withheld:  # a withheld body's hash is the leaf's own, which need only be hex
            body_hashes[j] = heads[j][:64]
            if not _HEX64.match(body_hashes[j]):
                return False
        types = set(kinds)
        if (
            not leaf_block.heads_are(heads, body_hashes, chain.head, hexes, position)
            or stamps[0] < chain._last_ts
            or stamps != sorted(stamps)
            or not _real_days(stamps)
            or not streams_are_uuids(streams)
            or not leaf_block.types_are_topics(types)
            or GENESIS_TYPE in types
        ):
            return False
        if not self._versions_follow(streams, versions):
            return False
        # Every leaf and link is good: from here on the block is accepted or an error raised.
        self._note_withheld(position, count, withheld)
        special = (*ALWAYS_READ, *sorted(VALUE_TYPES - set(ALWAYS_READ))) if self.replay is not None else ALWAYS_READ
        # Content events are rare: the block's set of types skips the scan for most blocks.
        kinds = tuple(kind for kind in special if kind in types)
        contents = leaf_block.lines_of_type(lines, kinds) if kinds else []
        is_content = set(contents)
        unsure = self.shapes.unsure(b"\n".join([*raws, b""]).decode("utf-8", "surrogateescape"))
        # Content events and bodies no shape vouches for, merged in sequence order.
        for j in chain_iter(unsure, (count,)):
            while contents and contents[0] <= j:
                k = contents.pop(0)
                raw = raws[k]
                self._content(position + k, parse_leaf(lines[k], position + k), None if raw == NULL_BODY else raw)
            if j < count and j not in is_content and raws[j] != NULL_BODY:
                self.shapes.learn(self._canonical_body(position + j, raws[j]))
        self._grow([self.pending, *hashes[:-1]] if self.pending is not None else hashes[:-1])
        self.pending = hashes[-1]
        self.head2 = hexes[-2] if count > 1 else chain.head
        chain.head, chain._last_ts, chain.size = hexes[-1], stamps[-1], position + count
        return True

    def _versions_follow(self, streams: list[str], versions: list[str]) -> bool:
        """Whether each stream's versions go on 1, 2, 3 ... in the block (§2); if so, the chain learns them.

        Nothing changes when they do not. A block of new streams (transfers, mostly) takes set
        operations: one look-up pass, one insert pass, and a length to catch a stream twice.
        """
        chain, count = self.chain, len(streams)
        if versions.count("1") == count:
            known = chain.streams
            if not known.isdisjoint(streams):
                return False
            before = len(known)
            known.update(streams)
            if len(known) - before != count:  # a stream twice in the block: none of them was known
                known.difference_update(streams)
                return False
            return True
        after: dict[str, int] = {}
        for stream, version in zip(streams, versions):
            last = after.get(stream) or chain.last_version(stream)
            if int(version) != last + 1:
                return False
            after[stream] = last + 1
        chain.streams.update(after)  # every stream seen is in streams; those past version 1 in versions too
        chain.versions.update((stream, version) for stream, version in after.items() if version > 1)
        return True

    def _note_withheld(self, position: int, count: int, withheld: list[int]) -> None:
        """What :meth:`_step` notes about withheld bodies, for a block whose ``withheld`` lines are ``null``."""
        self.withheld += len(withheld)
        if self.manifest_problem is not None:
            return
        for j in withheld:
            listed = self.next_withheld
            if listed is not None and listed < position + j:
                break  # listed earlier, but that body is present
            if listed != position + j:
                self.manifest_problem = ExportError(
                    "malformed", position + j, "body is withheld but manifest.json does not list it"
                )
                return
            self.next_withheld = next(self.withheld_list, None)
        listed = self.next_withheld
        if listed is not None and listed < position + count:
            self.manifest_problem = ExportError(
                "malformed", listed, "manifest.json lists this body as withheld but it is present"
            )

    @staticmethod
    def _canonical_body(seq: int, body: bytes) -> dict:
        """The parsed body: the canonical JSON (§1; the fast check, else the full one) of an object (§3)."""
        value = plainly_canonical(body)
        if value is UNSURE:
            try:
                value = parse_canonical(body)
            except CanonicalFormError as exc:
                raise ExportError(
                    "edited", seq, f"the body hashes right but is not canonical JSON ({exc.rule})"
                ) from None
        if type(value) is not dict:
            raise ExportError("malformed", seq, f"the body is a JSON {_json_kind(value)}, not an object (§3)")
        return value

    def _content(self, seq: int, leaf: Any, body: Optional[bytes]) -> None:
        if body is None and leaf.type in NEVER_WITHHELD:
            raise ExportError("malformed", seq, f"the body of a {leaf.type} event is withheld; it never may be (§3)")
        value = None if body is None else self._canonical_body(seq, body)
        if seq == 0:
            self._genesis(value)
        elif leaf.type == ROTATION_TYPE:
            self._rotation(seq, value)
        if self.replay is not None and leaf.type in VALUE_TYPES:
            self.replay.feed(seq, leaf.type, leaf.stream, value, body is None)

    def _genesis(self, value: Any) -> None:
        key, ledger = self.chain.public_key, self.chain.ledger
        if value.get("format") != 1 or type(value.get("format")) is not int:
            raise ExportError("malformed", 0, "the genesis body's format must be 1")
        try:
            parsed = parse_key(key, private=False)
        except KeyFormatError as exc:
            raise ExportError("malformed", 0, f"the genesis public_key is not a verifier key ({exc.reason})") from None
        if parsed.name != ledger:
            raise ExportError("malformed", 0, f"the genesis key is named {parsed.name!r}, not the ledger id {ledger!r}")
        self.keys = KeyHistory(key)

    def _rotation(self, seq: int, value: Any) -> None:
        try:
            self.keys.apply(value, self.chain.ledger, seq)
        except SignatureError as exc:
            raise ExportError("bad-signature", seq, exc.reason) from None
        except (RotationError, KeyFormatError) as exc:
            raise ExportError("malformed", seq, exc.reason) from None

    # -- after the walk --------------------------------------------------------------------

    def _finish(self, size: int, leaves: LineReader, bodies: LineReader) -> ExportReport:
        checkpoint = self.checkpoint
        if size == 0:
            raise ExportError(
                "truncated" if checkpoint.size else "malformed",
                0 if checkpoint.size else None,
                "leaves.jsonl is empty: an export starts with the genesis leaf"
                if checkpoint.size
                else "the checkpoint signs 0 events: an export starts with the genesis leaf",
            )
        if size < checkpoint.size:
            raise ExportError(
                "truncated", size, f"leaves.jsonl has {size} leaves; the checkpoint signs {checkpoint.size}"
            )
        keys, ledger = self.keys, self.chain.ledger
        trusted_from = keys.introduced_at(self.trusted)
        if trusted_from is None:
            raise ExportError(
                "bad-signature",
                None,
                f"the key you trust, {self.trusted}, is not this ledger's: its genesis names {keys.genesis_key}"
                + (f" and it rotated to {', '.join(r.new_key for r in keys.rotations)}" if keys.rotations else "")
                + f" up to size {checkpoint.size}. This is another ledger, a history rebuilt under another key,"
                " or a key the ledger rotated to after this export's last event (trust an older key for it)",
            )
        checkpoint_key = keys.key_at(checkpoint.size)
        self._verify_note(self.note, checkpoint_key, ledger, "checkpoint.txt")
        root = self.frontier.root()
        if root != checkpoint.root:
            raise ExportError(
                "rewritten",
                None,
                f"the leaves' root at size {size} is {root.hex()}; the checkpoint signs {checkpoint.root.hex()}",
            )
        previous_size = self._check_previous(size, root)
        extra = leaves.peek(1)
        if extra:
            raise ExportError("inserted", size, f"leaves.jsonl goes on after the {size} leaves the checkpoint signs")
        if bodies.peek(1):
            raise ExportError("inserted", size, f"bodies.jsonl goes on after the {size} bodies the checkpoint covers")
        for reader, name in ((leaves, LEAVES), (bodies, BODIES)):
            if reader.unterminated:
                raise ExportError("malformed", size - 1, f"the last line of {name} has no newline")
        self._check_manifest(size, ledger, leaves, bodies)
        return ExportReport(
            ledger=ledger,
            size=size,
            root=root,
            head=self.chain.head,
            withheld=self.withheld,
            keys=tuple(
                KeyUse(k, s, None if i == 0 else keys.rotations[i - 1].seq) for i, (k, s) in enumerate(keys.keys())
            ),
            trusted_key=self.trusted,
            checkpoint_key=checkpoint_key,
            previous_size=previous_size,
            manifest=self.manifest is not None,
            conservation=None if self.replay is None else self.replay.finish(),
            manifest_signed=self.manifest_signed,
            derived=self.derived,
            bound=self.bound,
            unverified=self.unverified,
        )

    @staticmethod
    def _verify_note(note: str, key: str, ledger: str, what: str) -> None:
        try:
            verify_checkpoint(note, key, ledger)
        except SignatureError as exc:
            raise ExportError("bad-signature", None, f"{what}: {exc.reason} (the key valid at its size)") from None
        except (NoteError, CheckpointError, KeyFormatError) as exc:
            raise ExportError("malformed", None, f"{what}: {exc}") from None

    def _check_previous(self, size: int, root: bytes) -> Optional[int]:
        if self.previous is None:
            return None
        note, old = self.previous
        if old.origin != self.chain.ledger:
            raise ExportError(
                "malformed", None, f"the previous checkpoint is of {old.origin!r}, not of {self.chain.ledger!r}"
            )
        if old.size > size:
            # Its key may come from a rotation after this export's last event, which the export
            # cannot show (§7): the auditor's own checkpoint is larger, whoever signed it.
            raise ExportError(
                "truncated", size, f"the export signs {size} events but you hold a checkpoint of {old.size}"
            )
        self._verify_note(note, self.keys.key_at(old.size), self.chain.ledger, "the previous checkpoint")
        if old.size == 0:
            if old.root != EMPTY_ROOT:
                raise ExportError("fork", None, "the previous checkpoint of size 0 does not sign the empty root")
            return 0
        if old.size == size:
            if old.root != root:
                raise ExportError(
                    "fork",
                    None,
                    f"two signed checkpoints of size {size} with different roots: "
                    f"{old.root.hex()} (yours) and {root.hex()} (this export)",
                )
        elif self.root_at_previous != old.root:
            raise ExportError(
                "fork",
                None,
                f"at size {old.size} this export's root is {self.root_at_previous.hex()}, "
                f"but your signed checkpoint says {old.root.hex()}: the log forked or was rewritten",
            )
        return old.size

    def _check_manifest(self, size: int, ledger: str, leaves: LineReader, bodies: LineReader) -> None:
        """The manifest, its signature and every file it lists (§8); sets what the report says of them."""
        manifest, note = self.manifest, read_note(self.dir)
        if manifest is None or note is None:
            if not self.legacy:
                missing = MANIFEST if manifest is None else MANIFEST_SIG
                raise ManifestMissing(
                    f"the export has no {missing}: nothing binds its files to the checkpoint. "
                    "An export written before manifests were signed verifies only as a legacy one"
                )
            self.unverified = tuple(unlisted(self.dir, Manifest(ledger, size, [], dict.fromkeys(CHAIN_FILES, ""))))
            if manifest is None:
                return
        else:
            verify_manifest_note(note, self.keys.key_at(self.checkpoint.size), self.checkpoint, manifest)
            self.manifest_signed = True
        if manifest.ledger != ledger or manifest.size != size:
            raise ExportError(
                "malformed",
                None,
                f"manifest.json names {manifest.ledger!r} size {manifest.size}, "
                f"but the files hold {ledger!r} size {size}",
            )
        if self.manifest_problem is not None:
            raise self.manifest_problem
        if manifest.withheld and manifest.withheld[-1] >= size:
            raise ExportError("malformed", None, "manifest.json lists withheld bodies beyond the export's size")
        leaves.drain()
        bodies.drain()
        digests = {
            LEAVES: leaves.digest.hexdigest(),
            BODIES: bodies.digest.hexdigest(),
            CHECKPOINT: hashlib.sha256(self.note.encode("utf-8")).hexdigest(),
        }
        for name, digest in digests.items():
            listed = manifest.files.get(name)
            if listed is None:
                raise ExportError("malformed", None, f"manifest.json does not list {name}")
            if listed != digest:
                raise ExportError(
                    "malformed", None, f"manifest.json's sha256 of {name} is {listed}; the file's is {digest}"
                )
        if not self.manifest_signed:
            return
        # Recomputed first, so an edited cell is reported as that cell; then every digest; then extras.
        self.derived = tuple(check_derived(self.dir, derived_listed(manifest.files), size, digests))
        self.bound = tuple(name for name in check_listed(self.dir, manifest) if name not in self.derived)
        check_unlisted(self.dir, manifest)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "null" if value is None else "number"


def verify_export(
    directory: str | Path,
    verifier_key: str,
    *,
    previous_checkpoint: Optional[str | bytes] = None,
    conservation: bool = False,
    progress: Optional[Progress] = None,
    legacy: bool = False,
    reference: bool = False,
) -> ExportReport:
    """Verify the export in ``directory`` against the trusted ``verifier_key``.

    :param verifier_key: the verifier key string the auditor trusts: the ledger's genesis
        key, or a key the chain rotated to (then the rotation chain vouches for the rest).
    :param previous_checkpoint: a signed checkpoint note the auditor kept from before;
        the export must extend it (``truncated`` or ``fork`` otherwise).
    :param conservation: replay double entry from the published bodies
        (:mod:`ledger_audit.conservation`) and report per-unit totals.
    :param progress: called as ``progress(events_done, checkpoint_size)`` every
        :data:`PROGRESS_EVERY` events and once at the end.
    :param legacy: accept an export without a signed manifest (one written before
        manifests were signed, §8): only its chain files are verified, and the report's
        ``unverified`` lists every other file. Without it, a missing ``manifest.json`` or
        ``manifest.sig`` is ``unsigned``: a stripped signature looks exactly like an old export.
    :param reference: walk with the reference kernel (:mod:`ledger_audit.reference`), the plain
        reading of the spec one event at a time, instead of this module's fast path. Same outcome
        (tests/audit/test_reference_kernel.py), several times slower.
    :return: an :class:`ExportReport`; raises :class:`ExportError` (kind, seq, reason) at
        the first failure, :class:`~ledger_audit.errors.KeyFormatError` if
        ``verifier_key`` is not a key at all.
    """
    trusted = _trusted(verifier_key)
    if reference:
        from .reference import verify_export_reference  # the kernel never imports this module's fast path

        return verify_export_reference(Path(directory), trusted, previous_checkpoint, conservation, progress, legacy)
    return _Walk(Path(directory), trusted, previous_checkpoint, conservation, progress, legacy).run()
