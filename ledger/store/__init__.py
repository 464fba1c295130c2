"""Chained recorders: every stored event gets its leaf in the hash chain in the same transaction."""

from .chain import ChainedRow, ChainWriter
from .sqlite import ChainedSQLiteFactory, ChainedSQLiteRecorder
from .transcoder import CanonicalJSONTranscoder

__all__ = [
    "CanonicalJSONTranscoder",
    "ChainWriter",
    "ChainedRow",
    "ChainedSQLiteFactory",
    "ChainedSQLiteRecorder",
]
