"""``ledger export``: the directory an auditor verifies (docs/chain-spec.md §8).

The export covers exactly the events of one signed checkpoint, read in one database
snapshot, so leaves, bodies and checkpoint always agree even while others write. The
exporters then add their files (the built-in ones compute every row from the exported
leaves and bodies, so they describe exactly that checkpoint too). Last, ``manifest.json``
lists every file with its SHA-256 and ``manifest.sig`` signs it, with the checkpoint's
origin, size and root, by the checkpoint's key: nothing in the directory is unbound.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger_audit.derived import CORE_FILES
from ledger_audit.manifest import CHAIN_FILES, FORMAT, MANIFEST, MANIFEST_SIG, Manifest, manifest_bytes, sha256_file
from ledger_audit.manifest import unlisted as unlisted_files

from .errors import PluginError, ValidationError

if TYPE_CHECKING:
    from .ledger import Ledger

EXPORT_FORMAT = FORMAT
CORE_EXPORTERS = ("sqlite", "csv")  # ledger/exporters.py: the writers of the files the verifier recomputes


@dataclass(frozen=True)
class ExportResult:
    out: str
    size: int
    public: bool
    withheld: list[int]
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "out": self.out,
            "size": self.size,
            "public": self.public,
            "withheld": len(self.withheld),
            "files": self.files,
        }


def personal_seqs(snap: Any, size: int) -> list[int]:
    return [r[0] for r in snap.rows("SELECT seq FROM ledger_personal WHERE seq < ? ORDER BY seq", (size,))]


def export(ledger: Ledger, out: Path, *, public: bool = True, formats: list[str] | None = None) -> ExportResult:
    """Write the chain files, every exporter's (all unless ``formats`` names some), then the signed manifest."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValidationError("export", {"out": ["must be a new or empty directory."]})
    exporters = ledger.exporters()
    unknown = sorted(set(formats or ()) - set(exporters))
    if unknown:
        raise ValidationError("export", {"formats": [f"unknown format(s) {unknown}; known: {sorted(exporters)}."]})
    try:  # before anything is signed: a directory that cannot be made must not leave a checkpoint behind
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError("export", {"out": [f"cannot be created ({exc.strerror or exc})."]}) from None
    checkpoint = ledger.checkpoint()
    with ledger._recorder.snapshot() as snap:  # one snapshot for every file below
        withheld = personal_seqs(snap, checkpoint.size) if public else []
        hidden = set(withheld)
        rows = snap.rows(
            "SELECT c.seq, c.leaf, e.state FROM ledger_chain c "
            f"JOIN stored_events e ON e.{ledger._recorder.event_id} = c.notification_id "
            "WHERE c.seq < ? ORDER BY c.seq",
            (checkpoint.size,),
        )
        with open(out / "leaves.jsonl", "wb") as leaves, open(out / "bodies.jsonl", "wb") as bodies:
            for seq, leaf, state in rows:
                leaves.write(bytes(leaf) + b"\n")
                bodies.write((b"null" if seq in hidden else bytes(state)) + b"\n")
    (out / "checkpoint.txt").write_text(checkpoint.note, encoding="utf-8")
    files = list(CHAIN_FILES)
    for name, exporter in sorted(exporters.items()):
        if formats is None or name in formats:
            files += _exported(name, exporter.export(ledger, out, public), out, files)
    listed = {name: sha256_file(out / name) for name in files}
    data = manifest_bytes(ledger.ledger_id, checkpoint.size, public, withheld, listed)
    (out / MANIFEST).write_bytes(data)
    note = ledger.signer.sign_manifest(checkpoint, _sha256(data))
    (out / MANIFEST_SIG).write_text(note, encoding="utf-8")
    return ExportResult(str(out), checkpoint.size, public, withheld, [*files, MANIFEST, MANIFEST_SIG])


def _exported(exporter: str, paths: list[Path], out: Path, files: list[str]) -> list[str]:
    """The names of the files an exporter wrote: inside ``out``, new, and every file it added listed.

    A file an exporter writes but does not return would sit in the directory unlisted, and
    the verifier refuses those (``inserted``): better the export fails here, naming the exporter.
    """
    names = []
    for path in paths:
        try:
            name = Path(path).resolve().relative_to(out.resolve()).as_posix()
        except ValueError:
            raise PluginError(exporter, "export", ValueError(f"wrote {path}, outside the export directory")) from None
        if name in files or name in names or name in (MANIFEST, MANIFEST_SIG):
            raise PluginError(exporter, "export", ValueError(f"wrote {name}, which another file of the export is"))
        if name in CORE_FILES and exporter not in CORE_EXPORTERS:
            # The verifier recomputes these from the chain: only the core's definition may write them.
            raise PluginError(exporter, "export", ValueError(f"wrote {name}, a core derived file (§8)"))
        names.append(name)
    extra = unlisted_files(out, Manifest("", 0, [], dict.fromkeys([*files, *names], "")))
    if extra:
        raise PluginError(exporter, "export", ValueError(f"wrote {extra[0]} but did not return it"))
    return names


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
