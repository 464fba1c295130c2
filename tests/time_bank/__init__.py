"""Tests of the bundled time bank plugin (plugins/time_bank).

A package, so its conftest is ``time_bank.conftest`` and never displaces the repository's
``conftest`` module, which other tests import ``dump`` from.
"""
