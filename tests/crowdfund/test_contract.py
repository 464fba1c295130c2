"""The crowdfund passes the scheme contract (``ledger.testing.SchemeContract``) on both stores."""

from __future__ import annotations

from ledger_crowdfund import Crowdfund, plugin

from ledger import RuleViolation
from ledger.testing import SchemeContract

from .conftest import new_campaign, past_deadline, seed

BACKENDS = ("sqlite", "postgres")


class TestCrowdfundContract(SchemeContract):
    plugin = plugin

    def account_name(self, scheme, role):
        return role  # a currency's accounts are plain names; a campaign's are "<campaign>:<role>"

    def demo(self, ledger, clock):
        seed(ledger)
        fund = Crowdfund(ledger)
        new_campaign(fund, clock)
        fund.pledge("well", "alice", 600)

    def refusal(self, ledger, clock):
        past_deadline(clock)
        return lambda: Crowdfund(ledger).pledge("well", "bob", 100), RuleViolation, "deadline"
