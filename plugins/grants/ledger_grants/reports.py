"""Expense reports: computed from the ledger, never typed in, and named by their content hash.

A report covers a period (two dates) of one grant, as of a sequence number of the chain: the
grant's live expenses dated in the period (by id, budget line, date and amount, in date order),
the expenses of the period that a correction cancelled, per budget line what the period spent
and what was spent to date against the budget and allowance, and the grant's totals to date.
``digest`` is the SHA-256 of the RFC 8785 canonical JSON of everything else in the report
(``ledger_audit.canonical_bytes``), so a funder holding the report can recompute it, and an
acceptance names exactly one report.

The same function builds the report for ``Grants.submit_report`` and checks it in the rule
``report_computed``: a report fact whose content is not what the ledger says is refused.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ledger_audit import canonical_bytes

from ledger import Ledger

from .facts import Grant, allowance
from .history import cancelled, grant_movements, totals
from .names import BUDGET, EXPENSE

BASIS = "computed by the grants plugin from the ledger as of sequence number as_of; not typed in"
MAX_REPORT_BYTES = 8192  # the ledger's limit on a fact's data


def digest_of(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a report without its ``digest``."""
    body = {k: v for k, v in content.items() if k != "digest"}
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def budget_as_of(ledger: Ledger, grant: str, as_of: int) -> dict[str, int]:
    found = [f for f in ledger.facts(BUDGET, grant) if f.seq <= as_of]
    return dict(found[-1].data["lines"]) if found else {}


def compute_report(ledger: Ledger, grant: Grant, *, start: str, end: str, as_of: int, number: int) -> dict[str, Any]:
    """The report of ``grant`` for the period ``start``..``end`` (ISO dates) as of seq ``as_of``."""
    movements = grant_movements(ledger, grant, until=as_of)
    dead = cancelled(movements)
    reversal_of = {t.reverses: t.transfer_id for t in movements if t.reverses is not None}
    in_period = [t for t in movements if t.code == EXPENSE and t.reverses is None
                 and start <= t.details["date"] <= end]
    live = [t for t in in_period if t.transfer_id not in dead]
    live.sort(key=lambda t: (t.details["date"], t.seq))
    budget = budget_as_of(ledger, grant.grant, as_of)
    to_date: dict[str, int] = {}
    for t in movements:
        if t.code == EXPENSE and t.transfer_id not in dead:
            to_date[t.details["line"]] = to_date.get(t.details["line"], 0) + t.amount
    period: dict[str, int] = {}
    for t in live:
        period[t.details["line"]] = period.get(t.details["line"], 0) + t.amount
    net = totals(movements)
    content: dict[str, Any] = {
        "grant": grant.grant,
        "number": number,
        "period": {"start": start, "end": end},
        "as_of": as_of,
        "basis": BASIS,
        "currency": grant.currency,
        "expenses": [{"id": t.transfer_id, "line": t.details["line"], "date": t.details["date"], "amount": t.amount}
                     for t in live],
        "corrections": [{"id": t.transfer_id, "reversed_by": reversal_of[t.transfer_id], "line": t.details["line"],
                         "amount": t.amount} for t in in_period if t.transfer_id in dead],
        "lines": [{"line": line, "budget": budget.get(line, 0),
                   "allowance": allowance(budget.get(line, 0), grant.tolerance_bps),
                   "spent_in_period": period.get(line, 0), "spent_to_date": to_date.get(line, 0)}
                  for line in sorted(set(budget) | set(to_date))],
        "totals": {"committed": grant.total, "disbursed": net["disbursed"], "spent_in_period": sum(period.values()),
                   "spent_to_date": net["spent"], "returned": net["returned"],
                   "unspent": net["disbursed"] - net["spent"] - net["returned"]},
    }
    content["digest"] = digest_of(content)
    return content


def report_size(content: dict[str, Any]) -> int:
    return len(canonical_bytes(content))


__all__ = ["BASIS", "MAX_REPORT_BYTES", "budget_as_of", "compute_report", "digest_of", "report_size"]
