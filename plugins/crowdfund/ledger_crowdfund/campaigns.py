"""``Crowdfund``: the Python API an app holds, on top of a ``Ledger``.

Every method is one ledger command (or a short, request-id'd sequence where the core has no
batch item for a step, see ``create`` and ``refund``) whose ``code`` and ``details`` the
plugin's rules check, so an app using the ledger directly meets the same rules.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Optional

from ledger import (
    ConcurrencyConflict,
    DuplicateRequest,
    HoldNotPending,
    HoldResult,
    IdExists,
    Ledger,
    LedgerError,
    TransferResult,
    UnknownAccount,
    UnknownTransfer,
    ValidationError,
    validate,
)

from .errors import (
    CampaignExists,
    CampaignNotDue,
    CampaignNotOpen,
    MatchingExists,
    NotACrowdfundScheme,
    NotRefundable,
    UnknownCampaign,
    UnknownPledge,
)
from .facts import (
    DEFAULT_SETTLE_WITHIN,
    Campaign,
    CampaignSchema,
    MatchingSchema,
    Settlement,
    iso,
    lifecycle,
    read_campaign,
    read_matching,
    read_settlement,
    state_of,
)
from .names import (
    CAMPAIGN,
    CAMPAIGN_RE,
    KIND,
    MATCH_RETURN,
    MATCHING,
    PLEDGE,
    PLEDGE_RE,
    POOL,
    REFUND_COVER,
    cancel_request,
    close_request,
    hold_of,
    match_of,
)
from .settlement import settlement_items, status_item
from .statements import CampaignPage, PledgeRecord, campaign_page, current_holds, donor_history


def _step(request_id: Optional[str], step: str) -> Optional[str]:
    """A request id per step of a multi-command call, so a retry replays what was done."""
    return None if request_id is None else f"{request_id}.{step}"


class Crowdfund:
    """Campaigns in one ledger. Amounts are integers in the scheme's minor unit (cents, fen)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # -- campaigns ------------------------------------------------------------------------

    def create(
        self,
        campaign: str,
        *,
        scheme: str,
        organiser: str,
        goal: int,
        deadline: datetime,
        mode: str = "all_or_nothing",
        min_pledge: Optional[int] = None,
        max_pledge: Optional[int] = None,
        description: str = "",
        funds: str = "",
        host: Optional[str] = None,
        fee_bps: int = 0,
        settle_within: int = DEFAULT_SETTLE_WITHIN,
        request_id: Optional[str] = None,
    ) -> Campaign:
        """Define and launch a campaign: its escrow ``<campaign>:escrow`` and matching pool
        ``<campaign>:matching`` accounts, its definition fact and its ``launched`` event.

        ``fee_bps``: the host's fee in basis points of what is collected (see ``fees.py``);
        ``settle_within``: seconds after the deadline during which the close can still collect
        (the pledge holds expire then). Opening an account is no batch item, so this is three
        commands; the definition is validated first, and a retry (same ``request_id``)
        finishes what a crash left.
        """
        if not CAMPAIGN_RE.match(campaign):
            raise ValidationError("crowdfund create", {"campaign": ["must be 1-48 of a-z, 0-9, _ and -, "
                                                                    "starting with a letter or digit."]})
        if not isinstance(deadline, datetime) or deadline.tzinfo is None:
            raise ValidationError("crowdfund create", {"deadline": ["must be a timezone-aware datetime."]})
        data = dict(scheme=scheme, organiser=organiser, goal=goal, deadline=iso(deadline), mode=mode,
                    min_pledge=min_pledge, max_pledge=max_pledge, description=description, funds=funds, host=host,
                    fee_bps=fee_bps, settle_within=settle_within)
        validate(CampaignSchema, "crowdfund create", data)
        info = self.ledger.scheme_info(scheme)
        if info is not None and info.kind != KIND:
            raise NotACrowdfundScheme(scheme, info.kind)
        if read_campaign(self.ledger, campaign) is not None:
            raise CampaignExists(campaign)
        for account in (organiser, host):
            if account is not None and self.ledger.account(account).scheme != scheme:
                raise ValidationError("crowdfund create", {"organiser" if account == organiser else "host": [
                    f"account {account!r} is not in scheme {scheme!r}."]})
        for role in ("escrow", "matching"):
            self._open(f"{campaign}:{role}", scheme, f"campaign {campaign} {role}", _step(request_id, role))
        self.ledger.batch([{"type": "fact", "fact_type": CAMPAIGN, "subject": campaign, "data": data},
                           status_item(campaign, "launched")], request_id=_step(request_id, "launch"))
        return self.campaign(campaign)

    def _open(self, account: str, scheme: str, owner: str, request_id: Optional[str]) -> None:
        found = self.ledger.account(account, missing_ok=True)
        if found is None:
            # An organisation's account, not a person's: its owner may appear in public exports.
            self.ledger.open_account(account, scheme, owner=owner, personal=False, floor=0, ceiling=None,
                                     request_id=request_id)
        elif found.scheme != scheme:
            raise ValidationError("crowdfund create", {"campaign": [f"account {account!r} exists in another scheme."]})

    def campaign(self, campaign: str) -> Campaign:
        found = read_campaign(self.ledger, campaign)
        if found is None:
            raise UnknownCampaign(campaign)
        return found

    def state(self, campaign: str) -> str:
        """``launched``, ``succeeded``, ``failed`` or ``cancelled``."""
        self.campaign(campaign)
        return state_of(lifecycle(self.ledger, campaign))

    def events(self, campaign: str) -> list[str]:
        """The lifecycle events in order: launched, goal_reached, closed, succeeded ..."""
        self.campaign(campaign)
        return lifecycle(self.ledger, campaign)

    def add_matching(
        self, campaign: str, sponsor: str, cap: int, *, numerator: int = 1, denominator: int = 1,
        request_id: Optional[str] = None,
    ) -> list[Any]:
        """A sponsor commits a matching pool: ``numerator/denominator`` of each later pledge,
        until ``cap`` is used. The cap moves to the campaign's matching account now (the
        commitment is money, not a promise), in the same transaction as the terms."""
        c = self.campaign(campaign)
        self._check_open(c, "add a matching pool")
        terms = dict(sponsor=sponsor, numerator=numerator, denominator=denominator, cap=cap)
        validate(MatchingSchema, "crowdfund add_matching", terms)
        existing = read_matching(self.ledger, campaign)
        if existing is not None:
            raise MatchingExists(campaign, existing.sponsor)
        return self.ledger.batch(
            [
                {"type": "fact", "fact_type": MATCHING, "subject": campaign, "data": terms},
                {"type": "transfer", "debit": sponsor, "credit": c.pool, "amount": cap, "code": POOL,
                 "transfer_id": f"{campaign}/pool", "details": {"campaign": campaign}},
            ],
            request_id=request_id,
        )

    def _check_open(self, c: Campaign, action: str) -> None:
        state = state_of(lifecycle(self.ledger, c.campaign))
        if state != "launched":
            raise CampaignNotOpen(c.campaign, state, action)
        if self.ledger.clock() >= c.deadline:
            raise CampaignNotOpen(c.campaign, f"past its deadline {iso(c.deadline)}", action)

    # -- pledges --------------------------------------------------------------------------

    def pledge(
        self, campaign: str, donor: str, amount: int, *, pledge: Optional[str] = None, anonymous: bool = False,
        request_id: Optional[str] = None,
    ) -> HoldResult:
        """``donor`` pledges ``amount``: a hold donor -> escrow until the close.

        ``anonymous``: the hold is marked personal, so public exports withhold its body, and the
        campaign's statements never show the donor; use a pseudonymous donor account id, since
        account ids themselves appear in every export.
        """
        c = self.campaign(campaign)
        pledge = pledge or uuid.uuid4().hex[:16]
        if not PLEDGE_RE.match(pledge):
            raise ValidationError("crowdfund pledge", {"pledge": ["must be 1-48 letters, digits, _ or -."]})
        return self.ledger.hold(donor, c.escrow, amount, **self._pledge_args(c, pledge, 1, anonymous),
                                request_id=request_id)

    def _pledge_args(
        self, c: Campaign, pledge: str, version: int, anonymous: bool, replaces: Optional[str] = None
    ) -> dict[str, Any]:
        details: dict[str, Any] = {"campaign": c.campaign, "pledge": pledge, "version": version,
                                   "anonymous": anonymous}
        if replaces is not None:
            details["replaces"] = replaces
        return dict(hold_id=hold_of(c.campaign, pledge, version), code=PLEDGE, details=details,
                    expires_at=c.settle_by, personal=anonymous)

    def current(self, campaign: str, pledge: str) -> HoldResult:
        """The pledge's latest hold (a change places a new version)."""
        c = self.campaign(campaign)
        found = current_holds(self.ledger, c).get(pledge)
        if found is None:
            raise UnknownPledge(campaign, pledge)
        return found

    def change_pledge(
        self, campaign: str, pledge: str, amount: int, *, request_id: Optional[str] = None
    ) -> HoldResult:
        """Raise or reduce a pledge before the deadline: void its hold and place the new amount,
        in one batch (the match is recomputed with it)."""
        c = self.campaign(campaign)
        old = self.current(campaign, pledge)
        if old.status != "held":
            raise HoldNotPending(old.hold_id, old.status)
        version = int(old.details["version"]) + 1
        args = self._pledge_args(c, pledge, version, bool(old.details.get("anonymous")), replaces=old.hold_id)
        results = self.ledger.batch(
            [
                {"type": "void", "hold_id": old.hold_id, "reason": f"pledge changed to {amount}"},
                {"type": "hold", "debit": old.debit, "credit": c.escrow, "amount": amount, **args},
            ],
            request_id=request_id,
        )
        return next(r for r in results if isinstance(r, HoldResult) and r.hold_id == args["hold_id"])

    def cancel_pledge(
        self, campaign: str, pledge: str, *, reason: str = "cancelled by donor", request_id: Optional[str] = None
    ) -> HoldResult:
        """Withdraw a pledge before the deadline: its hold (and its match) are voided."""
        old = self.current(campaign, pledge)
        return self.ledger.void(old.hold_id, reason=reason, request_id=request_id)

    # -- settlement ---------------------------------------------------------------------------

    def close(self, campaign: str) -> Settlement:
        """Settle a campaign whose deadline has passed, exactly once.

        All-or-nothing succeeds only if pledged + matched >= goal; keep-it-all always does. One
        batch posts (or voids) every pledge and match, pays the fee and the net, returns what the
        matching pool did not use, and records the outcome; its request id is fixed per campaign,
        so a second or concurrent close gets the first outcome, and a close killed before its
        commit wrote nothing and is simply run again.
        """
        c = self.campaign(campaign)
        done = read_settlement(self.ledger, campaign)
        if done is not None:
            return done
        now = self.ledger.clock()
        if now < c.deadline:
            raise CampaignNotDue(campaign, iso(c.deadline), iso(now))
        return self._settle(c, close_request(campaign), cancelled=False, note="")

    def close_due(self, now: Optional[datetime] = None) -> list[Settlement]:
        """Close every campaign whose deadline is at or before ``now`` (default: the ledger's
        clock) and that has no settlement yet. Each close still checks the ledger's clock."""
        now = now or self.ledger.clock()
        due = []
        for fact in self.ledger.facts(CAMPAIGN):
            c = read_campaign(self.ledger, fact.subject)
            if c is not None and c.deadline <= now and read_settlement(self.ledger, c.campaign) is None:
                due.append(c.campaign)
        return [self.close(name) for name in dict.fromkeys(due)]

    def cancel(self, campaign: str, reason: str) -> Settlement:
        """The organiser stops a campaign before its deadline: every pledge and match is voided."""
        c = self.campaign(campaign)
        done = read_settlement(self.ledger, campaign)
        if done is not None and done.outcome == "cancelled":
            return done
        self._check_open(c, "cancel it")
        return self._settle(c, cancel_request(campaign), cancelled=True, note=reason)

    def _settle(self, c: Campaign, request_id: str, *, cancelled: bool, note: str) -> Settlement:
        items = settlement_items(self.ledger, c, cancelled=cancelled, note=note)
        try:
            self.ledger.batch(items, request_id=request_id)
        except (HoldNotPending, DuplicateRequest, IdExists, ConcurrencyConflict):
            # A concurrent close won the race; its outcome is the one outcome.
            done = read_settlement(self.ledger, c.campaign)
            if done is None:
                raise
            return done
        done = read_settlement(self.ledger, c.campaign)
        assert done is not None  # the batch above recorded it
        return done

    # -- refunds --------------------------------------------------------------------------------

    def refund(self, campaign: str, pledge: str, reason: str, *, request_id: Optional[str] = None) -> list[Any]:
        """Refund a collected pledge after success: the organiser covers it, the pledge's posted
        transfer (and its match's) is reversed, naming the pledge, with ``reason``, and the match
        goes back to its sponsor: one batch, so a refund is whole or absent. Its request id is
        derived from the pledge (or ``request_id``), so a retry returns the first refund.
        """
        c = self.campaign(campaign)
        hold = self.current(campaign, pledge)
        if hold.status != "posted":
            raise NotRefundable(campaign, pledge, f"its hold {hold.hold_id!r} is {hold.status}, not collected")
        if not reason.strip():
            raise ValidationError("crowdfund refund", {"reason": ["a refund needs a reason."]})
        prior = self._refund_of(hold.hold_id)
        if prior is not None and prior.memo != reason:
            raise NotRefundable(campaign, pledge, f"it was already refunded ({prior.memo!r})")
        match = self._posted_match(hold.hold_id)
        amount = hold.posted + (match.posted if match is not None else 0)
        details = {"campaign": campaign, "pledge": pledge}
        items: list[dict[str, Any]] = [
            {"type": "transfer", "debit": c.organiser, "credit": c.escrow, "amount": amount, "code": REFUND_COVER,
             "memo": reason, "details": details, "transfer_id": f"{hold.hold_id}/refund-cover"},
            {"type": "reverse", "hold_id": hold.hold_id, "reason": reason},
        ]
        if match is not None:
            terms = read_matching(self.ledger, campaign)
            assert terms is not None  # a match exists only under terms
            items += [
                {"type": "reverse", "hold_id": match.hold_id, "reason": reason},
                {"type": "transfer", "debit": c.pool, "credit": terms.sponsor, "amount": match.posted,
                 "code": MATCH_RETURN, "memo": reason, "details": details,
                 "transfer_id": f"{hold.hold_id}/match-return"},
            ]
        return self.ledger.batch(items, request_id=request_id or f"crowdfund.refund:{hold.hold_id}")

    def _refund_of(self, hold_id: str) -> Optional[TransferResult]:
        try:
            return self.ledger.transfer_info(f"hold:{hold_id}:reversal")
        except UnknownTransfer:
            return None

    def _posted_match(self, hold_id: str) -> Optional[HoldResult]:
        try:
            match = self.ledger.hold_info(match_of(hold_id))
        except LedgerError:
            return None
        return match if match.status == "posted" else None

    # -- statements ------------------------------------------------------------------------------

    def page(self, campaign: str) -> CampaignPage:
        """The campaign's public page: raised, donors, matched, fees, and where the money went."""
        return campaign_page(self.ledger, self.campaign(campaign))

    def donor_history(self, donor: str) -> list[PledgeRecord]:
        """Every pledge ``donor`` made, in every campaign, with its fate."""
        if self.ledger.account(donor, missing_ok=True) is None:
            raise UnknownAccount(donor)
        return donor_history(self.ledger, donor)


__all__ = ["Crowdfund"]
