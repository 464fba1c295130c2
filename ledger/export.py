"""``ledger export``: the directory an auditor verifies (docs/chain-spec.md §8).

The export covers exactly the events of one signed checkpoint, read in one database
snapshot, so leaves, bodies and checkpoint always agree even while others write.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ValidationError

if TYPE_CHECKING:
    from .ledger import Ledger

EXPORT_FORMAT = "commons-ledger-export/1"


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
    """Write the verifiable files, then every exporter's (all of them unless ``formats`` names some)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValidationError("export", {"out": ["must be a new or empty directory."]})
    exporters = ledger.exporters()
    unknown = sorted(set(formats or ()) - set(exporters))
    if unknown:
        raise ValidationError("export", {"formats": [f"unknown format(s) {unknown}; known: {sorted(exporters)}."]})
    checkpoint = ledger.checkpoint()
    out.mkdir(parents=True, exist_ok=True)
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
    files = ["leaves.jsonl", "bodies.jsonl", "checkpoint.txt"]
    for name, exporter in sorted(exporters.items()):
        if formats is None or name in formats:
            files += [str(Path(p).relative_to(out)) for p in exporter.export(ledger, out, public)]
    manifest = {
        "format": EXPORT_FORMAT,
        "ledger": ledger.ledger_id,
        "size": checkpoint.size,
        "public": public,
        "withheld": withheld,
        "files": {name: _sha256(out / name) for name in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return ExportResult(str(out), checkpoint.size, public, withheld, [*files, "manifest.json"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
