"""Fixtures for the auditor's tests: export directories written by the spec's own kit."""

from __future__ import annotations

from pathlib import Path

import pytest
from exportkit import ExportKit, community


@pytest.fixture
def kit() -> ExportKit:
    """The standard 21-event ledger of ``exportkit.community`` (rotation at seq 16, body 4 withheld)."""
    return community()


@pytest.fixture
def export_dir(kit: ExportKit, tmp_path: Path) -> Path:
    return kit.write(tmp_path / "export")
