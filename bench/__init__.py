"""Benchmarks for the commons ledger: ``python -m bench`` (see bench/README.md)."""
