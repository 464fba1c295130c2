"""Tests of the bundled grants plugin (plugins/grants).

A package, so its conftest is ``grants.conftest`` and never displaces the repository's
``conftest`` module, which other tests import ``dump`` from.
"""
