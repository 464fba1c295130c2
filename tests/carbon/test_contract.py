"""The carbon scheme passes the scheme contract (``ledger.testing.SchemeContract``) on both stores."""

from __future__ import annotations

from ledger_carbon import CarbonScheme, plugin

from ledger import RuleViolation
from ledger.testing import SchemeContract

from .conftest import new_scheme

BACKENDS = ("sqlite", "postgres")


class TestCarbonContract(SchemeContract):
    plugin = plugin

    def demo(self, ledger, clock):
        cs = new_scheme(ledger)
        cs.award("alice", "waste_sorting", 2, verifier="station", evidence="bag-1")

    def refusal(self, ledger, clock):
        cs = CarbonScheme(ledger, "green")
        return (lambda: cs.award("alice", "waste_sorting", 1, verifier="station", evidence="bag-2"), RuleViolation,
                "daily cap")
