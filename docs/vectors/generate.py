#!/usr/bin/env python3
"""Write the test vectors of docs/chain-spec.md (§13) into this directory, or into ``--out DIR``.

Written from the spec alone, with the standard library and ``cryptography`` (Ed25519), and
none of ``ledger_audit``: the vectors are a second implementation that the reference one must
agree with (``tests/test_spec_vectors.py`` regenerates them and compares every byte, then runs
``ledger-audit`` on every case). Everything is deterministic: keys come from seeds derived
from :data:`SEED`, times and ids are fixed, Ed25519 signatures are deterministic.

    python docs/vectors/generate.py            # rewrite the vectors in place
    python docs/vectors/generate.py --out DIR  # write them elsewhere

Only run it in place when the spec changes; the README in this directory says what each file is.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Optional

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SEED = "commons-ledger chain-spec vectors, format 1"
LEDGER = "vectors.commons-ledger.local/spec"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://commons-ledger.invalid/streams")  # how the ledger names streams
T0 = datetime(2028, 2, 29, 23, 59, 59, 999990, tzinfo=UTC)  # the chain crosses a leap day into March
GENERATED = ("chain.json", "keys.json", "tree.json", "rotation.json", "cases.json")
GENERATED_DIRS = ("export", "checkpoints", "receipts", "consistency", "cases")


# --- §1 canonical JSON, §2 leaves, §4 the chain, §6 the tree ------------------------------------


def canonical(value: Any) -> bytes:
    """RFC 8785 for this generator's values: ASCII member names, strings, integers, null, objects, arrays."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(leaf: bytes) -> bytes:
    return sha256(b"\x00" + leaf)


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes: list[bytes]) -> bytes:
    if not hashes:
        return sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = split(len(hashes))
    return node(mth(hashes[:k]), mth(hashes[k:]))


def inclusion(hashes: list[bytes], m: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    if len(hashes) <= 1:
        return []
    k = split(len(hashes))
    if m < k:
        return [*inclusion(hashes[:k], m), mth(hashes[k:])]
    return [*inclusion(hashes[k:], m - k), mth(hashes[:k])]


def consistency(hashes: list[bytes], m: int, complete: bool = True) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(hashes)
    if m == n:
        return [] if complete else [mth(hashes)]
    k = split(n)
    if m <= k:
        return [*consistency(hashes[:k], m, complete), mth(hashes[k:])]
    return [*consistency(hashes[k:], m - k, False), mth(hashes[:k])]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# --- §7 keys, notes, checkpoints, rotations ---------------------------------------------------


@dataclass(frozen=True)
class Key:
    """An Ed25519 key named after the ledger, from the first seed SHA-256(SEED label counter) that fits."""

    label: str
    seed: bytes
    name: str = LEDGER

    @classmethod
    def derive(cls, label: str, want_plus: bool) -> Key:
        for counter in range(100_000):
            key = cls(label, sha256(f"{SEED} {label} {counter}".encode()))
            if not want_plus or "+" in key.verifier.split("+", 2)[2]:
                return key
        raise AssertionError(label)

    @property
    def public(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        return sha256(self.name.encode() + b"\n\x01" + self.public)[:4]

    @property
    def verifier(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+" + b64(b"\x01" + self.public)

    @property
    def signer(self) -> str:
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+" + b64(b"\x01" + self.seed)

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    def note(self, text: str) -> str:
        return f"{text}\n\u2014 {self.name} {b64(self.key_id + self.sign(text.encode()))}\n"


def checkpoint_text(size: int, root: bytes, origin: str = LEDGER) -> str:
    return f"{origin}\n{size}\n{b64(root)}\n"


def rotation_message(new_key: str, effective_size: int) -> bytes:
    return f"commons-ledger key rotation\n{LEDGER}\n{new_key}\n{effective_size}\n".encode()


GENESIS = Key.derive("genesis", want_plus=True)  # its base64 holds '+': split on the first two only
ROTATED = Key.derive("rotated", want_plus=True)
STRANGER = Key.derive("stranger", want_plus=False)  # signs what the ledger's keys did not


# --- §3.1 the events of the vector ledger -----------------------------------------------------


def stream(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def dt(moment: datetime) -> dict:
    return {"_type_": "datetime_iso", "_data_": moment.isoformat()}


@dataclass
class Event:
    label: str  # how the cases below name it
    type: str
    stream: str
    body: Any  # a dict, or exact bytes
    personal: bool = False  # withheld from the public export
    version: Optional[int] = None  # None: the stream's next (§2)
    ts: Optional[str] = None  # None: T0 plus seq microseconds
    body_hash: Optional[str] = None  # None: the hash of the body


def _created(aggregate: str, seq: int, **members: Any) -> dict:
    """The body of a stream's first event: its members, ``originator_topic`` and ``timestamp`` (§3.1)."""
    return {**members, "originator_topic": aggregate, "timestamp": dt(T0 + timedelta(microseconds=seq))}


def _event(seq: int, **members: Any) -> dict:
    """The body of a later event of a stream: its members and ``timestamp`` (§3.1)."""
    return {**members, "timestamp": dt(T0 + timedelta(microseconds=seq))}


def _transfer_body(seq: int, **members: Any) -> dict:
    base = {"code": "", "memo": "", "details": {}, "request_id": None, "reverses": None}
    return _created("ledger.transfer.v1", seq, **{**base, **members})


def standard_events() -> list[Event]:
    """26 events, one or more of every type of §3.1, in the order the ledger writes them (README.md)."""
    e: list[Event] = []

    def add(label: str, etype: str, kind: str, name: str, body: dict, **kw: Any) -> None:
        e.append(Event(label, etype, stream(kind, name), body, **kw))

    def first(aggregate: str, **members: Any) -> dict:
        return _created(aggregate, len(e), **members)

    def later(**members: Any) -> dict:
        return _event(len(e), **members)

    add("genesis", "ledger.genesis.v1", "genesis", LEDGER,
        first("ledger.genesis.aggregate.v1", ledger_id=LEDGER, public_key=GENESIS.verifier, format=1))
    for scheme, unit, floor in (("time", "minutes", -600), ("carbon", "points", 0)):
        issuer = f"{scheme}:issuer"
        add(f"scheme {scheme}", "ledger.scheme.registered.v1", "scheme", scheme,
            first("ledger.scheme.v1", name=scheme, kind="basic", unit=unit, step=1, floor=floor, ceiling=None,
                  issuer=issuer, plugin=None))
        add(issuer, "ledger.account.opened.v1", "account", issuer,  # the issuer, opened in the same transaction
            first("ledger.account.v1", account_id=issuer, scheme=scheme, unit=unit, owner=scheme, floor=None,
                  ceiling=None))
    for account, scheme, unit, owner in (
        ("ana", "time", "minutes", ""),
        ("ben", "time", "minutes", "Ben Citizen"),  # an owner's name: personal, withheld from the public export
        ("ana.pts", "carbon", "points", ""),
    ):
        add(account, "ledger.account.opened.v1", "account", account,
            first("ledger.account.v1", account_id=account, scheme=scheme, unit=unit, owner=owner,
                  floor=-600 if unit == "minutes" else 0, ceiling=None), personal=bool(owner))

    def transfer(tid: str, debit: str, credit: str, amount: int, unit: str, memo: str = "", **kw: Any) -> None:
        body = _transfer_body(len(e), transfer_id=tid, debit=debit, credit=credit, amount=amount, unit=unit,
                              memo=memo, reverses=kw.pop("reverses", None))
        add(tid, "ledger.transfer.recorded.v1", "transfer", tid, body, **kw)

    def hold(hid: str, debit: str, credit: str, amount: int, unit: str, expires: Optional[datetime]) -> None:
        add(f"{hid} placed", "ledger.hold.placed.v1", "hold", hid,
            first("ledger.hold.v1", hold_id=hid, debit=debit, credit=credit, amount=amount, unit=unit, code="",
                  memo="", details={}, expires_at=None if expires is None else dt(expires), request_id=None))

    transfer("t1", "time:issuer", "ana", 120, "minutes", memo="bienvenue \u2028 \U0001f331")
    transfer("t2", "carbon:issuer", "ana.pts", 50, "points")
    hold("h1", "ana", "ben", 30, "minutes", T0 + timedelta(days=1))
    add("h1 posted", "ledger.hold.posted.v1", "hold", "h1", later(amount=20, released=10, request_id="post-h1"))
    add("request post-h1", "ledger.request.recorded.v1", "request", "post-h1",  # the command's request id, chained
        first("ledger.request.v1", request_id="post-h1", command="post",
              digest=hashlib.sha256(b"post h1 20").hexdigest(), results=[[stream("hold", "h1"), 2]]))
    hold("h2", "ana.pts", "carbon:issuer", 5, "points", None)
    add("h2 voided", "ledger.hold.voided.v1", "hold", "h2", later(reason="changed plans", request_id=None))
    hold("h3", "ana", "ben", 10, "minutes", T0 + timedelta(hours=1))
    add("h3 expired", "ledger.hold.expired.v1", "hold", "h3", later(expired_at=dt(T0 + timedelta(hours=2))))
    add("ana limits", "ledger.account.limits_changed.v1", "account", "ana",
        later(floor=-300, ceiling=6000, reason="trusted"))
    fact = "tool_library.inventory.v1|library"
    add("fact recorded", "ledger.fact.recorded.v1", "fact", fact,
        first("ledger.fact.v1", fact_type="tool_library.inventory.v1", subject="library",
              data={"drills": 2, "ladders": 1}))
    add("fact revised", "ledger.fact.revised.v1", "fact", fact, later(data={"drills": 3, "ladders": 1}))
    effective = len(e) + 1  # the rotation's seq plus one: the new key signs from this size on
    signature = b64(GENESIS.sign(rotation_message(ROTATED.verifier, effective)))
    add("rotation", "ledger.key.rotated.v1", "genesis", LEDGER,  # genesis's stream, version 2
        later(new_public_key=ROTATED.verifier, effective_size=effective, signature=signature))
    transfer("t3", "ana", "ben", 15, "minutes", memo="for the bike repair", personal=True)
    transfer("t3:reversal", "ben", "ana", 15, "minutes", reverses="t3")
    add("cai", "ledger.account.opened.v1", "account", "cai",
        first("ledger.account.v1", account_id="cai", scheme="time", unit="minutes", owner="", floor=-600,
              ceiling=None))
    add("cai closed", "ledger.account.closed.v1", "account", "cai", later(reason="moved away"))
    transfer("t4", "time:issuer", "ben", 60, "minutes")
    return e


SEQ = {event.label: seq for seq, event in enumerate(standard_events())}  # the cases name events by label
ROTATION_SEQ = SEQ["rotation"]


@dataclass
class Built:
    leaves: list[bytes]
    bodies: list[bytes]
    personal: set[int]
    hashes: list[bytes] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.leaves)

    def root(self, size: Optional[int] = None) -> bytes:
        return mth(self.hashes[: self.size if size is None else size])

    def key_at(self, size: int) -> Key:
        return ROTATED if size > ROTATION_SEQ else GENESIS

    def checkpoint(self, size: Optional[int] = None, key: Optional[Key] = None, root: Optional[bytes] = None) -> str:
        size = self.size if size is None else size
        return (key or self.key_at(size)).note(checkpoint_text(size, self.root(size) if root is None else root))


def build(events: list[Event]) -> Built:
    """The leaves of §2 for ``events``, chained from genesis (§4)."""
    leaves, bodies, hashes, versions, prev = [], [], [], {}, "0" * 64
    for seq, event in enumerate(events):
        body = event.body if isinstance(event.body, bytes) else canonical(event.body)
        version = versions.get(event.stream, 0) + 1 if event.version is None else event.version
        versions[event.stream] = version
        ts = event.ts or (T0 + timedelta(microseconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        leaf = canonical({
            "v": 1, "ledger": LEDGER, "seq": seq, "prev": prev, "ts": ts, "type": event.type, "stream": event.stream,
            "version": version, "body_hash": event.body_hash or hashlib.sha256(body).hexdigest(),
        })
        leaves.append(leaf)
        bodies.append(body)
        hashes.append(leaf_hash(leaf))
        prev = hashes[-1].hex()
    return Built(leaves, bodies, {seq for seq, ev in enumerate(events) if ev.personal}, hashes)


# --- writing -------------------------------------------------------------------------------------


def lines(rows: list[bytes], newline: bool = True) -> bytes:
    data = b"".join(row + b"\n" for row in rows)
    return data if newline else data[:-1]


def public_bodies(built: Built, size: Optional[int] = None) -> list[bytes]:
    size = built.size if size is None else size
    return [b"null" if seq in built.personal else body for seq, body in enumerate(built.bodies[:size])]


# --- §8 the signed manifest ---------------------------------------------------------------------

CHAIN_FILES = ("leaves.jsonl", "bodies.jsonl", "checkpoint.txt")


def manifest_files(files: dict[str, bytes]) -> Optional[dict[str, bytes]]:
    """``manifest.json`` and ``manifest.sig`` (§8.1, §8.2) for an export of exactly ``files``, signed by
    the key that signed its ``checkpoint.txt`` — ``None`` if that note names no key of these vectors
    or is not a checkpoint (such a case fails before the manifest is read)."""
    try:
        text, signatures = files["checkpoint.txt"].decode().split("\n\n", 1)
        origin, size_text, root_b64 = text.split("\n")[:3]
        size, root = int(size_text), base64.b64decode(root_b64, validate=True)
        key_id = base64.b64decode(signatures.split("\n")[0].split(" ")[-1])[:4]
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    key = next((k for k in (GENESIS, ROTATED, STRANGER) if k.key_id == key_id), None)
    if key is None:
        return None
    bodies = files["bodies.jsonl"].split(b"\n")
    withheld = [seq for seq, line in enumerate(bodies[:size]) if line == b"null"]
    manifest = canonical({
        "files": {name: hashlib.sha256(files[name]).hexdigest() for name in sorted(files)},
        "format": "commons-ledger-export/2", "ledger": LEDGER, "public": bool(withheld), "size": size,
        "withheld": withheld,
    }) + b"\n"
    note = key.note(f"commons-ledger export manifest\n{origin}\n{size}\n{b64(root)}\n"
                    f"{hashlib.sha256(manifest).hexdigest()}\n")
    return {"manifest.json": manifest, "manifest.sig": note.encode()}


class Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.cases: list[dict] = []

    def file(self, relative: str, data: bytes | str) -> str:
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return relative

    def json(self, relative: str, value: Any) -> str:
        return self.file(relative, json.dumps(value, indent=1, ensure_ascii=False) + "\n")

    def export_case(self, name: str, rule: str, expect: dict, files: dict[str, bytes | str], **options: Any) -> None:
        """A case: the export of ``export/`` with ``files`` replaced by the case's own (those that differ)."""
        base = self.out / "export"
        if "manifest.json" not in files and "manifest.sig" not in files:
            # A case is about one rule: its own files get a manifest signed like the writer's, so
            # nothing but that rule can fail.
            chain = {name: (base / name).read_bytes() for name in CHAIN_FILES}
            chain.update({k: v.encode() if isinstance(v, str) else v for k, v in files.items()})
            files = {**files, **(manifest_files(chain) or {})}
        replace = {
            file: self.file(f"cases/{name}/{file}", data)
            for file, data in files.items()
            if (data.encode() if isinstance(data, str) else data) != (base / file).read_bytes()
        }
        self.cases.append({"name": name, "what": "export", "rule": rule, "export": "export", "replace": replace,
                           "key": options.pop("key", GENESIS.verifier), **options, "expect": expect})


def rebuilt_files(events: list[Event], key: Optional[Key] = None, private: bool = False) -> dict[str, bytes | str]:
    """What a writer that wrote ``events`` exports: leaves, public bodies and a checkpoint it signed."""
    built = build(events)
    bodies = built.bodies if private else public_bodies(built)
    return {"leaves.jsonl": lines(built.leaves), "bodies.jsonl": lines(bodies), "checkpoint.txt": built.checkpoint(
        key=key)}


def changed(change: Callable[[list[Event]], None]) -> list[Event]:
    events = copy.deepcopy(standard_events())
    change(events)
    return events


def failure(kind: str, seq: Optional[int]) -> dict:
    return {"ok": False, "kind": kind, "seq": seq}


def write(out: Path) -> None:
    for name in GENERATED:
        (out / name).unlink(missing_ok=True)
    for name in GENERATED_DIRS:
        shutil.rmtree(out / name, ignore_errors=True)
    w = Writer(out)
    events = standard_events()
    full = build(events)
    n = full.size

    # chain.json: every leaf of the vector ledger with its body (none withheld), hashes and the head.
    w.json("chain.json", {
        "ledger": LEDGER, "size": n, "head": full.hashes[-1].hex(),
        "leaves": [{"seq": seq, "leaf": leaf.decode(), "body": body.decode(), "body_hash": hashlib.sha256(body)
                    .hexdigest(), "leaf_hash": full.hashes[seq].hex()}
                   for seq, (leaf, body) in enumerate(zip(full.leaves, full.bodies))],
    })
    w.json("keys.json", {
        "seed": SEED,
        "derivation": "seed = SHA-256(SEED + ' ' + label + ' ' + counter), the first counter from 0 that fits",
        "keys": {key.label: {"seed": key.seed.hex(), "public": key.public.hex(), "key_id": key.key_id.hex(),
                             "verifier": key.verifier, "signer": key.signer}
                 for key in (GENESIS, ROTATED, STRANGER)},
    })
    w.json("tree.json", {
        "leaf_hashes": [h.hex() for h in full.hashes],
        "roots": [{"size": size, "root": full.root(size).hex(), "root_base64": b64(full.root(size))}
                  for size in range(n + 1)],
    })
    message = rotation_message(ROTATED.verifier, ROTATION_SEQ + 1)
    w.json("rotation.json", {
        "seq": ROTATION_SEQ, "old_key": GENESIS.verifier, "new_key": ROTATED.verifier,
        "effective_size": ROTATION_SEQ + 1, "message": message.decode(),
        "signature": b64(GENESIS.sign(message)), "body": full.bodies[ROTATION_SEQ].decode(),
    })

    # The export (§8): public, so the personal bodies (ben's opening, transfer t3) are withheld.
    w.file("export/leaves.jsonl", lines(full.leaves))
    w.file("export/bodies.jsonl", lines(public_bodies(full)))
    w.file("export/checkpoint.txt", full.checkpoint())
    chain = {name: (out / "export" / name).read_bytes() for name in CHAIN_FILES}
    for name, data in (manifest_files(chain) or {}).items():
        w.file(f"export/{name}", data)
    for size in (12, 15, ROTATION_SEQ, ROTATION_SEQ + 1, n):
        w.file(f"checkpoints/size-{size}.txt", full.checkpoint(size))

    ok = {"ok": True, "size": n, "root": full.root().hex(), "withheld": len(full.personal),
          "checkpoint_key": ROTATED.verifier}
    export_cases(w, full, ok)
    receipt_cases(w, full)
    consistency_cases(w, full)
    w.json("cases.json", {"ledger": LEDGER, "cases": w.cases})


def export_cases(w: Writer, full: Built, ok: dict) -> None:
    n, last = full.size, full.size - 1
    w.export_case("intact", "§8", ok, {})
    w.export_case("intact-rotated-key", "§7 the trusted key may be one the chain rotates to", ok, {},
                  key=ROTATED.verifier)
    w.export_case(
        "conservation-public", "§10 a withheld opening hides ben's unit; a withheld transfer could be in any unit",
        {**ok, "conservation": {"complete": False, "unattributed": 1, "unknown_account_names": ["ben"]}}, {},
        conservation=True)
    w.export_case("conservation-private", "§10 every body present: every unit complete",
                  {**ok, "withheld": 0, "conservation": {"complete": True, "unattributed": 0,
                                                          "unknown_account_names": []}},
                  {"bodies.jsonl": lines(full.bodies)}, conservation=True)

    def at(label: str, **members: Any) -> Callable[[list[Event]], None]:
        def change(events: list[Event]) -> None:
            for member, value in members.items():
                setattr(events[SEQ[label]], member, value)
        return change

    def rule(name: str, text: str, expect: dict, change: Callable[[list[Event]], None], **options: Any) -> None:
        """A case written so by a writer: the chain is rebuilt after the change and its checkpoint re-signed,
        so only the rule named catches it."""
        files = rebuilt_files(changed(change), private=options.pop("private", False))
        if expect.get("ok"):
            expect = {**expect, "root": build(changed(change)).root().hex()}
        w.export_case(name, text, expect, files, **options)

    # §2: leaf forms and stream versions.
    rule("version-starts-at-7", "§2 a stream's first leaf has version 1", failure("edited", SEQ["t1"]),
         at("t1", version=7))
    rule("version-skips", "§2 versions go 1, 2, 3", failure("edited", SEQ["h1 posted"]), at("h1 posted", version=3))
    rule("version-restarts", "§2 a stream starts once", failure("edited", SEQ["fact revised"]),
         at("fact revised", version=1))
    rule("stream-uppercase", "§2 stream form", failure("edited", SEQ["t2"]),
         at("t2", stream=stream("transfer", "t2").upper()))
    rule("type-without-version", "§2 type grammar", failure("edited", SEQ["t2"]),
         at("t2", type="ledger.transfer.recorded"))
    for name, ts in (
        ("ts-month-13", "2028-13-01T00:00:00.000000Z"),
        ("ts-31-april", "2028-04-31T00:00:00.000000Z"),
        ("ts-29-february-2029", "2029-02-29T00:00:00.000000Z"),
        ("ts-second-60", "2028-03-01T00:00:60.000000Z"),
    ):
        rule(name, "§2 ts is a real time", failure("edited", last), at("t4", ts=ts))
    # §3: bodies.
    rule("body-not-an-object", "§3 a body is an object", failure("malformed", SEQ["fact revised"]),
         at("fact revised", body=b'["drills",3]'))
    rule("body-null-reads-as-withheld", "§3 null is withheld, whatever the leaf hashes",
         {**ok, "withheld": len(full.personal) + 1}, at("fact recorded", body=b"null", personal=True))
    for label, name in (("genesis", "genesis"), ("scheme time", "scheme-registration"), ("rotation", "rotation")):
        hidden = [b"null" if i == SEQ[label] else body for i, body in enumerate(public_bodies(full))]
        w.export_case(f"withheld-{name}", "§3 never withheld", failure("malformed", SEQ[label]),
                      {"bodies.jsonl": lines(hidden)})
    # §4 and §7: genesis and rotations.
    genesis = {"ledger_id": LEDGER, "format": 1}
    rule("genesis-key-not-a-key", "§4 genesis names a verifier key", failure("malformed", 0),
         at("genesis", body=_created("ledger.genesis.aggregate.v1", 0, **genesis,
                                     public_key=f"{LEDGER}+00000000+AQ==")))
    rule("genesis-without-key", "§4, §10.2 rule 2: genesis body without public_key", failure("malformed", 0),
         at("genesis", body=_created("ledger.genesis.aggregate.v1", 0, **genesis)))

    def rotation(signer: Key, effective: int) -> Callable[[list[Event]], None]:
        signature = b64(signer.sign(rotation_message(ROTATED.verifier, effective)))
        return at("rotation", body=_event(ROTATION_SEQ, new_public_key=ROTATED.verifier, effective_size=effective,
                                          signature=signature))

    rule("rotation-bad-signature", "§7 signed by the key valid before it", failure("bad-signature", ROTATION_SEQ),
         rotation(STRANGER, ROTATION_SEQ + 1))
    rule("rotation-effective-size", "§7 effective_size is seq + 1", failure("malformed", ROTATION_SEQ),
         rotation(GENESIS, ROTATION_SEQ + 2))
    # §7 and §10.1: checkpoints and keys.
    w.export_case("checkpoint-old-key", "§7 signed by the key valid at its size", failure("bad-signature", None),
                  {"checkpoint.txt": full.checkpoint(key=GENESIS)})
    w.export_case("checkpoint-other-root", "§10.1 step 12", failure("rewritten", None),
                  {"checkpoint.txt": full.checkpoint(root=full.root(n - 1))})
    cut = ROTATION_SEQ  # an export that ends just before the rotation
    short = {"leaves.jsonl": lines(full.leaves[:cut]), "bodies.jsonl": lines(public_bodies(full, cut)),
             "checkpoint.txt": full.checkpoint(cut)}
    w.export_case("short-export-genesis-key", "§7 before the rotation, the genesis key signs",
                  {**ok, "size": cut, "root": full.root(cut).hex(),
                   "withheld": len({seq for seq in full.personal if seq < cut}), "checkpoint_key": GENESIS.verifier},
                  short)
    w.export_case("trusted-key-after-the-end", "§7 a key rotated to after the export's end",
                  failure("bad-signature", None), short, key=ROTATED.verifier)
    w.export_case("previous-beyond-the-end", "§7, §10.1 step 13: a larger checkpoint is truncation",
                  failure("truncated", cut), short, previous=f"checkpoints/size-{n}.txt")
    w.export_case("previous-consistent", "§10.1 step 13", {**ok, "previous_size": 12}, {},
                  previous="checkpoints/size-12.txt")
    w.export_case("previous-fork", "§10.1 step 13", failure("fork", None), {},
                  previous=w.file("cases/previous-fork/previous.txt",
                                  GENESIS.note(checkpoint_text(12, full.root(11)))))
    # §10.2: alterations of the files, each named by its culprit.
    leaves, bodies = full.leaves, public_bodies(full)

    def replaced(rows: list[bytes], seq: int, old: bytes, new: bytes) -> list[bytes]:
        assert old in rows[seq]
        return [row.replace(old, new, 1) if i == seq else row for i, row in enumerate(rows)]

    prev = leaves[SEQ["t2"]].split(b'"prev":"')[1][:64]
    w.export_case("edited-prev", "§10.2 rule 4", failure("edited", SEQ["t2"]),
                  {"leaves.jsonl": lines(replaced(leaves, SEQ["t2"], prev, prev[::-1]))})
    w.export_case("edited-leaf-before", "§10.2 rule 4: the next leaf vouches for this one",
                  failure("edited", SEQ["t1"]),
                  {"leaves.jsonl": lines(replaced(leaves, SEQ["t1"], stream("transfer", "t1").encode(),
                                                  stream("transfer", "t1-forged").encode()))})
    w.export_case("edited-body", "§10.2 body rules", failure("edited", SEQ["t1"]),
                  {"bodies.jsonl": lines(replaced(bodies, SEQ["t1"], b'"amount":120', b'"amount":920'))})
    gap = SEQ["h2 placed"]
    w.export_case("deleted-line", "§10.2 rule 6", failure("deleted", gap),
                  {"leaves.jsonl": lines(leaves[:gap] + leaves[gap + 1:]),
                   "bodies.jsonl": lines(bodies[:gap] + bodies[gap + 1:])})
    w.export_case("inserted-copy", "§10.2 rule 5", failure("inserted", gap),
                  {"leaves.jsonl": lines([*leaves[:gap], leaves[5], *leaves[gap:]]),
                   "bodies.jsonl": lines([*bodies[:gap], bodies[5], *bodies[gap:]])})
    swapped_leaves, swapped_bodies = list(leaves), list(bodies)
    swapped_leaves[gap:gap + 2], swapped_bodies[gap:gap + 2] = leaves[gap + 1:gap - 1:-1], bodies[gap + 1:gap - 1:-1]
    w.export_case("reordered", "§10.2 rule 6", failure("reordered", gap),
                  {"leaves.jsonl": lines(swapped_leaves), "bodies.jsonl": lines(swapped_bodies)})
    w.export_case("truncated", "§10.1 step 9", failure("truncated", n - 2),
                  {"leaves.jsonl": lines(leaves[:-2]), "bodies.jsonl": lines(bodies[:-2])})
    more = Event("more", "ledger.fact.revised.v1", stream("fact", "tool_library.inventory.v1|library"),
                 _event(n, data={"drills": 4, "ladders": 1}))
    extra = build([*standard_events(), more])
    w.export_case("line-after-the-checkpoint", "§10.1 step 14", failure("inserted", n),
                  {"leaves.jsonl": lines(extra.leaves), "bodies.jsonl": lines(public_bodies(extra))})
    w.export_case("missing-final-newline", "§10.1 step 15", failure("malformed", n - 1),
                  {"bodies.jsonl": lines(bodies, newline=False)})
    # §10 double entry: written so by a writer, signed, and only --conservation sees it.
    t2 = SEQ["t2"]
    minutes = at("t2", body=_transfer_body(t2, transfer_id="t2", debit="carbon:issuer", credit="ana.pts", amount=50,
                                           unit="minutes"))
    rule("conservation-unit-mismatch", "§10 a movement's unit is both accounts' unit", failure("unbalanced", t2),
         minutes, conservation=True)
    rule("conservation-unit-mismatch-unchecked", "§10 the same export without --conservation", ok, minutes)
    t1 = SEQ["t1"]
    rule("conservation-account-never-opened", "§10 an account is opened before it moves", failure("unbalanced", t1),
         at("t1", body=_transfer_body(t1, transfer_id="t1", debit="time:issuer", credit="zoe", amount=120,
                                      unit="minutes")),
         conservation=True, private=True)


def receipt(built: Built, seq: int, size: Optional[int] = None) -> dict:
    size = built.size if size is None else size
    return {
        "format": "commons-ledger-receipt/1", "seq": seq, "leaf": built.leaves[seq].decode(),
        "body": None if seq in built.personal else built.bodies[seq].decode(), "size": size,
        "inclusion": [b64(h) for h in inclusion(built.hashes[:size], seq)], "checkpoint": built.checkpoint(size),
    }


def receipt_cases(w: Writer, full: Built) -> None:
    def case(name: str, rule: str, document: dict, key: Key, expect: dict) -> None:
        path = w.json(f"receipts/{name}.json", document)
        w.cases.append({"name": f"receipt-{name}", "what": "receipt", "rule": rule, "file": path,
                        "key": key.verifier, "expect": expect})

    t1 = SEQ["t1"]
    for label in ("t1", "ben", "rotation"):  # a public body, a withheld one, the rotation
        good = receipt(full, SEQ[label])
        case(f"seq-{SEQ[label]}", "§9", good, ROTATED,
             {"ok": True, "seq": SEQ[label], "size": full.size, "body": good["body"] is not None})
    older = receipt(full, 12, 15)
    case("seq-12-at-15", "§9 checked against its own checkpoint, with the key valid at its size", older, GENESIS,
         {"ok": True, "seq": 12, "size": 15, "body": True})
    case("seq-12-at-15-rotated-key", "§7 the key valid at size 15 is genesis's", older, ROTATED,
         failure("bad-signature", None))
    bad = receipt(full, t1)
    bad["body"] = bad["body"].replace('"amount":120', '"amount":920')
    case("body-edited", "§9 step 14", bad, ROTATED, failure("edited", t1))
    case("leaf-of-another-seq", "§9 step 12", receipt(full, t1) | {"leaf": full.leaves[t1 + 1].decode()}, ROTATED,
         failure("edited", t1))
    bad = receipt(full, t1)
    bad["inclusion"] = bad["inclusion"][:-1]
    case("proof-too-short", "§9 step 15", bad, ROTATED, failure("malformed", t1))
    case("size-not-the-checkpoints", "§9 step 9", receipt(full, t1) | {"size": full.size - 1}, ROTATED,
         failure("malformed", t1))
    case("rotation-body-withheld", "§9 step 17 (§3 never withheld)", receipt(full, ROTATION_SEQ) | {"body": None},
         ROTATED, failure("malformed", ROTATION_SEQ))
    case("signed-by-a-stranger", "§9 step 7", receipt(full, t1) | {"checkpoint": full.checkpoint(key=STRANGER)},
         ROTATED, failure("bad-signature", None))


def consistency_cases(w: Writer, full: Built) -> None:
    def proof(m: int, n: int) -> dict:
        return {"format": "commons-ledger-consistency/1", "size1": m, "size2": n,
                "proof": [b64(h) for h in consistency(full.hashes[:n], m)]}

    def case(name: str, rule: str, document: dict, old: str, new: str, key: Key, old_key: Optional[Key],
             expect: dict) -> None:
        path = w.json(f"consistency/{name}.json", document)
        w.cases.append({"name": f"consistency-{name}", "what": "consistency", "rule": rule, "old": old, "new": new,
                        "proof": path, "key": key.verifier, "old_key": None if old_key is None else old_key.verifier,
                        "expect": expect})

    n = full.size
    old, new = "checkpoints/size-12.txt", f"checkpoints/size-{n}.txt"
    case(f"12-{n}", "§9", proof(12, n), old, new, ROTATED, GENESIS, {"ok": True, "size1": 12, "size2": n})
    case(f"15-{ROTATION_SEQ}", "§9 both before the rotation", proof(15, ROTATION_SEQ), "checkpoints/size-15.txt",
         f"checkpoints/size-{ROTATION_SEQ}.txt", GENESIS, None, {"ok": True, "size1": 15, "size2": ROTATION_SEQ})
    changed_proof = proof(12, n)
    changed_proof["proof"] = list(reversed(changed_proof["proof"]))
    case(f"12-{n}-proof-changed", "§9 step 12", changed_proof, old, new, ROTATED, GENESIS, failure("fork", None))
    case(f"12-{n}-old-key-missing", "§9 step 6: the older checkpoint needs the key valid at its size",
         proof(12, n), old, new, ROTATED, None, failure("bad-signature", None))
    case(f"{n}-12-swapped", "§9 step 7", proof(12, n), new, old, GENESIS, ROTATED, failure("truncated", 12))
    case(f"12-{n}-sizes-disagree", "§9 step 8", proof(12, n) | {"size1": 11}, old, new, ROTATED, GENESIS,
         failure("malformed", None))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
