"""Tests of the crowdfunding plugin (plugins/crowdfund).

A package, so its conftest is ``crowdfund.conftest`` and never displaces the repository's
``conftest`` module.
"""
