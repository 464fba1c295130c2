"""The grants plugin passes the scheme contract (``ledger.testing.SchemeContract``) on both stores."""

from __future__ import annotations

from ledger_grants import plugin

from ledger import RuleViolation
from ledger.testing import SchemeContract

from .conftest import award, seed

BACKENDS = ("sqlite", "postgres")


class TestGrantsContract(SchemeContract):
    plugin = plugin

    def account_name(self, scheme, role):
        return role  # a currency's accounts are plain names (funders, donors, payees)

    def demo(self, ledger, clock):
        self.grants = seed(ledger)
        award(self.grants)
        self.grants.disburse("g1", 700_000)

    def refusal(self, ledger, clock):
        return lambda: self.grants.disburse("g1", 300_001), RuleViolation, "over by 1$"
