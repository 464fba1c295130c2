"""Errors the crowdfund's Python API raises itself (the rules raise ``ledger.RuleViolation``).

All are ``LedgerError``s, so the ``ledger`` command line prints them as one ``Error:`` line.
"""

from __future__ import annotations

from ledger import LedgerError


class UnknownCampaign(LedgerError):
    def __init__(self, campaign: str) -> None:
        self.campaign = campaign
        super().__init__(f"campaign {campaign!r} does not exist; create it with Crowdfund.create")


class CampaignExists(LedgerError):
    def __init__(self, campaign: str) -> None:
        self.campaign = campaign
        super().__init__(f"campaign {campaign!r} already exists")


class NotACrowdfundScheme(LedgerError):
    def __init__(self, scheme: str, kind: str) -> None:
        self.scheme, self.kind = scheme, kind
        super().__init__(f"scheme {scheme!r} is a {kind!r} scheme, not a crowdfund currency; register one of kind "
                         "'crowdfund'")


class CampaignNotDue(LedgerError):
    """``close`` before the deadline: a campaign closes at its deadline, not earlier (cancel it instead)."""

    def __init__(self, campaign: str, deadline: str, now: str) -> None:
        self.campaign, self.deadline, self.now = campaign, deadline, now
        super().__init__(f"campaign {campaign!r} closes at {deadline}, it is only {now}; cancel it to stop early")


class CampaignNotOpen(LedgerError):
    def __init__(self, campaign: str, state: str, action: str) -> None:
        self.campaign, self.state, self.action = campaign, state, action
        super().__init__(f"campaign {campaign!r} is {state}; cannot {action}")


class UnknownPledge(LedgerError):
    def __init__(self, campaign: str, pledge: str) -> None:
        self.campaign, self.pledge = campaign, pledge
        super().__init__(f"campaign {campaign!r} has no pledge {pledge!r}")


class NotRefundable(LedgerError):
    def __init__(self, campaign: str, pledge: str, why: str) -> None:
        self.campaign, self.pledge, self.why = campaign, pledge, why
        super().__init__(f"pledge {pledge!r} of campaign {campaign!r} cannot be refunded: {why}")


class MatchingExists(LedgerError):
    def __init__(self, campaign: str, sponsor: str) -> None:
        self.campaign, self.sponsor = campaign, sponsor
        super().__init__(f"campaign {campaign!r} already has a matching pool from {sponsor!r}; one pool per campaign")


__all__ = [
    "CampaignExists",
    "CampaignNotDue",
    "CampaignNotOpen",
    "MatchingExists",
    "NotACrowdfundScheme",
    "NotRefundable",
    "UnknownCampaign",
    "UnknownPledge",
]
