"""The time bank passes the scheme contract (``ledger.testing.SchemeContract``) on both stores."""

from __future__ import annotations

from ledger_time_bank import plugin

from ledger import RuleViolation
from ledger.testing import SchemeContract

from .conftest import new_bank

BACKENDS = ("sqlite", "postgres")


class TestTimeBankContract(SchemeContract):
    plugin = plugin

    def demo(self, ledger, clock):
        bank = new_bank(ledger)
        bank.record_exchange("bob", "alice", 90, "garden", "weeding")  # bob gave alice 90 minutes
        bank.donate("bob", 30)

    def refusal(self, ledger, clock):
        from ledger_time_bank import TimeBank

        bank = TimeBank(ledger, "riverside")
        return (lambda: bank.record_exchange("alice", "bob", 481, "garden", "a long day"), RuleViolation,
                "exchange of 481 minutes is over the bank's maximum of 480 by 1")
