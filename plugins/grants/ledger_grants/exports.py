"""Public reporting through the exporter hook: an IATI-style activity file and a 360Giving-style
grants table, both as of the export's checkpoint. Every field is documented in
docs/grants-exports.md.

``iati-activities.xml``: one ``<iati-activity>`` per grant (commitment, disbursements,
expenditures, returns) and one per fund (incoming funds that are not tranches, expenses outside
any grant). ``360giving-grants.csv``: one row per grant. Amounts are written in major units
with two decimals (``123456`` cents -> ``1234.56``), by integer arithmetic. In a public export
a movement whose body the export withholds (a personal donation) names no provider, nor does
its reversal. A correction is published, never hidden: the reversed movement stays listed and
its reversal follows as a transaction of the same type with a negative value.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Optional

from ledger import Exporter, FactResult, Ledger, TransferResult

from .facts import Fund, Grant
from .history import account_transfers, grant_movements, signed
from .names import EXPENSE, FUND, GRANT, RETURN, STATUS, TRANCHE

IATI_FILE = "iati-activities.xml"
GIVING_FILE = "360giving-grants.csv"
GIVING_COLUMNS = [
    "Identifier", "Title", "Description", "Currency", "Amount Awarded", "Amount Disbursed", "Award Date",
    "Planned Dates:Start Date", "Planned Dates:End Date", "Recipient Org:Identifier", "Recipient Org:Name",
    "Funding Org:Identifier", "Funding Org:Name", "Last modified",
]
WITHHELD = "withheld"


def major(cents: int) -> str:
    """``123456`` -> ``"1234.56"`` exactly (no floats)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


class Snapshot:
    """The grants' facts and transfers as of the export's checkpoint (``size`` events)."""

    def __init__(self, ledger: Ledger, out: Path, public: bool) -> None:
        self.ledger = ledger
        bodies = (out / "bodies.jsonl").read_bytes().splitlines()
        self.size = len(bodies)
        # The export withholds personal bodies as ``null``: their movements name nobody publicly.
        self.hidden = {seq for seq, body in enumerate(bodies) if body == b"null"} if public else set()
        self.until = self.size - 1
        self.generated = ledger.seq_time(self.until) or ""

    def facts(self, fact_type: str, subject: Optional[str] = None) -> list[FactResult]:
        return [f for f in self.ledger.facts(fact_type, subject) if f.seq < self.size]

    def latest(self, fact_type: str, subject: str) -> Optional[FactResult]:
        found = self.facts(fact_type, subject)
        return found[-1] if found else None

    def transfers(self, account: str) -> list[TransferResult]:
        return account_transfers(self.ledger, account, self.until)

    def movements(self, grant: Grant) -> list[TransferResult]:
        return grant_movements(self.ledger, grant, self.until)

    def grants(self) -> list[Grant]:
        latest = {f.subject: f for f in self.facts(GRANT)}
        return [Grant(grant=s, **f.data) for s, f in latest.items()]

    def funds(self) -> list[Fund]:
        return [Fund(account=f.subject, **f.data) for f in self.facts(FUND)]

    def date_of(self, t: TransferResult) -> str:
        return (self.ledger.seq_time(t.seq) or "")[:10]

    def party(self, t: TransferResult, account: str) -> str:
        """``account``, or ``withheld`` if the movement (or the movement it reverses) is personal."""
        if t.seq in self.hidden:
            return WITHHELD
        if t.reverses is not None and self.ledger.transfer_info(t.reverses).seq in self.hidden:
            return WITHHELD
        return account


def grant_identifier(grant: Grant) -> str:
    ident = grant.identifier or grant.grant
    return ident if ident.startswith("360G-") else f"360G-{ident}"


def _narrative(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "narrative").text = text
    return element


def _transaction(activity: ET.Element, snap: Snapshot, code: str, when: str, amount: int, currency: str,
                 provider: str, receiver: str, description: str, ref: str = "",
                 provider_activity: str = "") -> None:
    tx = ET.SubElement(activity, "transaction", {"ref": ref} if ref else {})
    ET.SubElement(tx, "transaction-type", code=code)
    ET.SubElement(tx, "transaction-date", {"iso-date": when})
    value = ET.SubElement(tx, "value", {"currency": currency, "value-date": when})
    value.text = major(amount)
    _narrative(tx, "description", description)
    provider_attrs = {"ref": provider}
    if provider_activity:
        provider_attrs["provider-activity-id"] = provider_activity
    _narrative(tx, "provider-org", provider, **provider_attrs)
    _narrative(tx, "receiver-org", receiver, ref=receiver)


def _grant_activity(root: ET.Element, snap: Snapshot, g: Grant) -> None:
    ident = grant_identifier(g)
    status = snap.latest(STATUS, g.grant)
    closed = status is not None and status.data["state"] == "closed"
    activity = ET.SubElement(root, "iati-activity", {"default-currency": g.currency,
                                                     "last-updated-datetime": snap.generated})
    ET.SubElement(activity, "iati-identifier").text = ident
    _narrative(activity, "reporting-org", g.recipient_name or g.fund, ref=g.fund, type="22")
    _narrative(activity, "title", g.title)
    _narrative(activity, "description", g.purpose)
    _narrative(activity, "participating-org", g.funder_name or g.funder, ref=g.funder, role="1")
    _narrative(activity, "participating-org", g.recipient_name or g.fund, ref=g.fund, role="4")
    ET.SubElement(activity, "activity-status", code="4" if closed else "2")
    ET.SubElement(activity, "activity-date", {"iso-date": g.start, "type": "1"})
    ET.SubElement(activity, "activity-date", {"iso-date": g.end, "type": "3"})
    _transaction(activity, snap, "2", g.awarded_on, g.total, g.currency, g.funder, g.fund, "commitment",
                 ref=f"{g.grant}/commitment")
    for t in snap.movements(g):
        amount, ref = signed(t), t.transfer_id
        note = f"correction: reverses {t.reverses}: {t.memo}" if t.reverses else ""
        if t.details.get("corrects") and not t.reverses:
            note = f"corrects {t.details['corrects']}: {t.memo}"
        when = snap.date_of(t)
        if t.code == TRANCHE:
            what = note or f"tranche {t.details.get('tranche', '')}".strip()
            _transaction(activity, snap, "3", when, amount, g.currency, g.funder, g.fund, what, ref=ref)
        elif t.code == EXPENSE:
            payee = t.debit if t.reverses else t.credit
            what = f"expenditure on budget line {t.details['line']}; evidence {t.details['evidence']}"
            _transaction(activity, snap, "4", when if t.reverses else t.details["date"], amount, g.currency,
                         g.fund, payee, f"{what}; {note}" if note else what, ref=ref)
        elif t.code == RETURN:
            _transaction(activity, snap, "1", when, amount, g.currency, g.fund, g.funder,
                         note or "unspent balance returned", ref=ref, provider_activity=ident)


def _fund_activity(root: ET.Element, snap: Snapshot, fund: Fund, ledger_id: str) -> None:
    activity = ET.SubElement(root, "iati-activity", {"default-currency": fund.currency,
                                                     "last-updated-datetime": snap.generated})
    ET.SubElement(activity, "iati-identifier").text = f"{ledger_id}/fund/{fund.account}"
    _narrative(activity, "reporting-org", fund.account, ref=fund.account, type="22")
    _narrative(activity, "title", f"fund {fund.account}")
    _narrative(activity, "description", fund.purpose or "unrestricted")
    for t in snap.transfers(fund.account):
        if t.details.get("grant") is not None:
            continue  # reported in the grant's own activity
        incoming = (t.credit == fund.account) != (t.reverses is not None)  # a reversal flips the direction
        outside = t.debit if t.credit == fund.account else t.credit
        note = f"; correction: reverses {t.reverses}: {t.memo}" if t.reverses else ""
        if incoming:
            _transaction(activity, snap, "1", snap.date_of(t), signed(t), fund.currency,
                         snap.party(t, outside), fund.account, (t.code or "incoming funds") + note, ref=t.transfer_id)
        elif t.code == EXPENSE:
            _transaction(activity, snap, "4", snap.date_of(t) if t.reverses else t.details["date"], signed(t),
                         fund.currency, fund.account, snap.party(t, outside),
                         f"expenditure for {t.details.get('purpose', '')}{note}", ref=t.transfer_id)


def export_iati(ledger: Ledger, out: Path, public: bool) -> list[Path]:
    """``iati-activities.xml``: an IATI 2.03-style activity file of grants and funds."""
    snap = Snapshot(ledger, out, public)
    root = ET.Element("iati-activities", {"version": "2.03", "generated-datetime": snap.generated})
    for grant in snap.grants():
        _grant_activity(root, snap, grant)
    for fund in snap.funds():
        _fund_activity(root, snap, fund, ledger.ledger_id)
    ET.indent(root)
    path = out / IATI_FILE
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return [path]


def giving_row(snap: Snapshot, g: Grant) -> dict[str, Any]:
    disbursed = sum(signed(t) for t in snap.movements(g) if t.code == TRANCHE)
    return {
        "Identifier": grant_identifier(g),
        "Title": g.title,
        "Description": g.purpose,
        "Currency": g.currency,
        "Amount Awarded": major(g.total),
        "Amount Disbursed": major(disbursed),
        "Award Date": g.awarded_on,
        "Planned Dates:Start Date": g.start,
        "Planned Dates:End Date": g.end,
        "Recipient Org:Identifier": g.fund,
        "Recipient Org:Name": g.recipient_name or g.fund,
        "Funding Org:Identifier": g.funder,
        "Funding Org:Name": g.funder_name or g.funder,
        "Last modified": snap.generated,
    }


def export_360giving(ledger: Ledger, out: Path, public: bool) -> list[Path]:
    """``360giving-grants.csv``: one row per grant, 360Giving's column titles."""
    snap = Snapshot(ledger, out, public)
    path = out / GIVING_FILE
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=GIVING_COLUMNS)
        writer.writeheader()
        writer.writerows(giving_row(snap, g) for g in snap.grants())
    return [path]


def exporters() -> list[Exporter]:
    return [
        Exporter("iati", f"{IATI_FILE}: grants and funds as IATI-style activities and transactions", export_iati),
        Exporter("360giving", f"{GIVING_FILE}: one 360Giving-style row per grant", export_360giving),
    ]


__all__ = ["GIVING_COLUMNS", "export_360giving", "export_iati", "exporters", "major"]
