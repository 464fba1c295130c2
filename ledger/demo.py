"""A small community season recorded through the public API only: ``run_demo`` (``ledger demo``).

Riverside runs a time bank (minutes of mutual credit, floor -600, ceiling 3000) and a
carbon-points scheme (points minted by the scheme's issuer, floor 0). Twelve members and
the Riverside Commons organisation trade for a season: a few hundred transfers, holds that
are posted (fully or partly), voided or left to expire, one batch and one reversal.

Every choice comes from ``random.Random(2026)`` and every command carries a request id,
so running the demo again on the same file replays each command from the request log and
writes nothing new. The demo keeps its own running totals (``Book``) and only asks for
movements the limits allow: a refused command writes nothing, so on a re-run it would be
tried again against later balances and might succeed.
"""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Optional

from ledger_audit import verify_export

from . import InsufficientFunds, Ledger

LEDGER_ID = "demo.commons-ledger.local/riverside"
SEED = 2026
STEPS = 400
MEMBERS = ("amara", "bea", "chen", "dara", "eli", "fatima", "gus", "hana", "ivo", "jun", "kemi", "lars")
ORG = "riverside-commons"
SCHEMES = {"timebank": ("minutes", -600, 3000), "carbon": ("points", 0, None)}  # name: (unit, floor, ceiling)
SERVICES = ("gardening", "tutoring", "bike repair", "childcare", "translation", "soup kitchen shift", "IT help")
GREEN_ACTS = ("compost drop-off", "repair cafe fix", "litter pick", "cycled to market", "seed swap")
VOUCHERS = ("bike repair voucher", "tool library pass", "community meal")
HOLD_FATES = ("post", "post", "partial", "void", "expire", "pending")
DAY = 86400


@dataclass
class Book:
    """The demo's own totals per account (debits/credits, posted/pending) and limits."""

    limits: dict[str, tuple[Optional[int], Optional[int]]] = field(default_factory=dict)
    totals: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))

    def allows(self, debit: str, credit: str, amount: int) -> bool:
        """Would moving (or holding) ``amount`` keep both accounts within their limits?"""
        floor, ceiling = self.limits[debit][0], self.limits[credit][1]
        dp, cp, dpend, _ = self.totals[debit]
        if floor is not None and cp - dp - dpend - amount < floor:
            return False
        dp, cp, _, cpend = self.totals[credit]
        return ceiling is None or cp + cpend - dp + amount <= ceiling

    def move(self, debit: str, credit: str, posted: int = 0, pending: int = 0) -> None:
        self.totals[debit][0] += posted
        self.totals[debit][2] += pending
        self.totals[credit][1] += posted
        self.totals[credit][3] += pending


class Season:
    """Drives one season into a ledger; every command is named by a request id."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.rng = random.Random(SEED)
        self.book = Book()
        self.transfers = 0
        self.holds = 0
        self.open_holds: list[tuple[str, str, str, int, str]] = []
        self.expiring: list[tuple[str, str, str, int]] = []

    def setup(self) -> None:
        for name, (unit, floor, ceiling) in SCHEMES.items():
            # register_scheme takes no request id: ask first, so a re-run does not collide.
            if self.ledger.scheme_info(name, missing_ok=True) is None:
                self.ledger.register_scheme(name, unit, floor=floor, ceiling=ceiling)
            self.book.limits[f"{name}:issuer"] = (None, None)
            for member in MEMBERS:
                self.open(name, member, member.title())
        self.open("timebank", ORG, "Riverside Commons (organisation)", floor=-3000, ceiling=None)
        self.open("carbon", ORG, "Riverside Commons (organisation)")

    def open(self, scheme: str, who: str, owner: str, **limits: Optional[int]) -> None:
        account = f"{scheme}:{who}"
        info = self.ledger.open_account(account, scheme, owner=owner, request_id=f"demo:open:{account}", **limits)
        self.book.limits[account] = (info.floor, info.ceiling)

    def welcome(self) -> None:
        """The season's grant and every member's welcome points, committed together."""
        items = [self._item("carbon:issuer", f"carbon:{ORG}", 20000, "grant-2026", "grant", "season grant")]
        items += [
            self._item("carbon:issuer", f"carbon:{m}", 100, f"welcome-{m}", "welcome", "welcome points")
            for m in MEMBERS
        ]
        self.ledger.batch(items, request_id="demo:batch:welcome")
        for item in items:
            self.book.move(item["debit"], item["credit"], posted=item["amount"])

    @staticmethod
    def _item(debit: str, credit: str, amount: int, tid: str, code: str, memo: str) -> dict[str, Any]:
        return dict(type="transfer", debit=debit, credit=credit, amount=amount, transfer_id=tid, code=code, memo=memo)

    def run(self) -> None:
        for _ in range(STEPS):
            r = self.rng.random()
            if r < 0.55:
                self.time_exchange()
            elif r < 0.85:
                self.carbon_exchange()
            elif r < 0.95:
                self.place_hold()
            else:
                self.settle_oldest_hold()
        while self.open_holds:
            self.settle_oldest_hold()

    def transfer(self, scheme: str, payer: str, payee: str, amount: int, code: str, memo: str) -> Optional[str]:
        debit, credit = f"{scheme}:{payer}", f"{scheme}:{payee}"
        if not self.book.allows(debit, credit, amount):
            return None
        self.transfers += 1
        tid = f"t{self.transfers:04d}"
        self.ledger.transfer(debit, credit, amount, transfer_id=tid, code=code, memo=memo, request_id=f"demo:{tid}")
        self.book.move(debit, credit, posted=amount)
        return tid

    def time_exchange(self) -> None:
        payer, payee = self.rng.sample((*MEMBERS, ORG), 2)
        minutes = self.rng.choice((15, 30, 30, 45, 60, 60, 90, 120))
        self.transfer("timebank", payer, payee, minutes, "service", self.rng.choice(SERVICES))

    def carbon_exchange(self) -> None:
        kind = self.rng.choice(("reward", "reward", "spend", "gift"))
        member, other = self.rng.sample(MEMBERS, 2)
        if kind == "reward":
            self.transfer("carbon", ORG, member, self.rng.randint(5, 40), "reward", self.rng.choice(GREEN_ACTS))
        elif kind == "spend":
            self.transfer("carbon", member, ORG, self.rng.choice((20, 50, 80)), "voucher", self.rng.choice(VOUCHERS))
        else:
            self.transfer("carbon", member, other, self.rng.randint(1, 20), "gift", "thanks")

    def place_hold(self) -> None:
        fate = self.rng.choice(HOLD_FATES)
        if self.rng.random() < 0.6:
            payer, payee = self.rng.sample(MEMBERS, 2)
            scheme, amount, memo = "timebank", self.rng.choice((60, 90, 120)), f"booked: {self.rng.choice(SERVICES)}"
        else:
            payer, payee = self.rng.choice(MEMBERS), ORG
            scheme, amount, memo = "carbon", self.rng.choice((20, 50, 80)), f"reserved: {self.rng.choice(VOUCHERS)}"
        debit, credit = f"{scheme}:{payer}", f"{scheme}:{payee}"
        if not self.book.allows(debit, credit, amount):
            return
        self.holds += 1
        hid = f"h{self.holds:03d}"
        deadline = {"expire": {"timeout": 3600}, "pending": {}}.get(fate, {"timeout": 14 * DAY})
        self.ledger.hold(
            debit, credit, amount, hold_id=hid, code="booking", memo=memo, request_id=f"demo:{hid}", **deadline
        )
        self.book.move(debit, credit, pending=amount)
        if fate == "expire":
            self.expiring.append((hid, debit, credit, amount))
        elif fate != "pending":
            self.open_holds.append((hid, debit, credit, amount, fate))

    def settle_oldest_hold(self) -> None:
        if not self.open_holds:
            return
        hid, debit, credit, amount, fate = self.open_holds.pop(0)
        if fate == "void":
            self.ledger.void(hid, reason="cancelled", request_id=f"demo:{hid}:void")
            self.book.move(debit, credit, pending=-amount)
            return
        part = self.rng.randint(1, amount - 1) if fate == "partial" else amount
        self.ledger.post(hid, part if fate == "partial" else None, request_id=f"demo:{hid}:post")
        self.book.move(debit, credit, posted=part, pending=-amount)

    def correct_a_typo(self) -> None:
        """A reward typed as 400 instead of 40: reverse it (the original stays), then pay 40."""
        tid = self.transfer("carbon", ORG, MEMBERS[0], 400, "reward", "compost weigh-in (typed 400, meant 40)")
        if tid is None:
            raise RuntimeError("the demo's organisation cannot pay the mistaken reward")
        self.ledger.reverse(tid, reason="typo: 400 points instead of 40", request_id=f"demo:{tid}:reverse")
        self.book.move(f"carbon:{MEMBERS[0]}", f"carbon:{ORG}", posted=400)
        self.transfer("carbon", ORG, MEMBERS[0], 40, "reward", "compost weigh-in (corrected)")

    def let_holds_expire(self) -> None:
        """A day later, the short holds are past their deadline (``now`` is given, not waited for)."""
        self.ledger.expire_holds(self.ledger.clock() + timedelta(days=1))
        for _hid, debit, credit, amount in self.expiring:
            self.book.move(debit, credit, pending=-amount)

    def refused_overdraft(self) -> str:
        """More points than were ever minted: refused whatever the balances, so safe to repeat."""
        try:
            self.ledger.transfer(f"carbon:{MEMBERS[1]}", f"carbon:{ORG}", 10**6, memo="more than exists")
        except InsufficientFunds as exc:
            return str(exc)
        raise RuntimeError("the ledger accepted an overdraft")


def tally(ledger: Ledger) -> dict[str, dict[str, Any]]:
    """Per unit, what the ledger itself says happened, read back through ``history``."""
    totals = ledger.unit_totals()
    schemes = {s.unit: s.name for s in ledger.schemes()}
    seen: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for info in ledger.accounts():
        after = None
        while True:
            page = ledger.history(info.account, after=after, limit=1000)
            for e in page.entries:
                # A hold entry moves pending; a post moves posted (and releases the pending).
                seen[info.unit][e.kind][e.ref] = abs(e.pending if e.kind == "hold" else e.posted)
            if page.next is None:
                break
            after = page.next
    out = {}
    for unit, row in totals.items():
        kinds = seen[unit]
        held, posts = kinds["hold"], kinds["post"]
        settled = len(posts) + len(kinds["void"]) + len(kinds["expire"])
        out[unit] = {
            "scheme": schemes[unit],
            "accounts": row["accounts"],
            "transfers": len(kinds["transfer"]),
            "reversals": len(kinds["reversal"]),
            "holds": len(held),
            "posted": len(posts),
            "partial": sum(1 for ref, amount in posts.items() if amount < held[ref]),
            "voided": len(kinds["void"]),
            "expired": len(kinds["expire"]),
            "pending": len(held) - settled,
            "sum_posted": row["posted"],
            "sum_pending": row["pending"],
        }
    return out


COLUMNS = (
    ("unit", 8), ("scheme", 9), ("accounts", 8), ("transfers", 9), ("reversals", 9), ("holds", 5), ("posted", 6),
    ("partial", 7), ("voided", 6), ("expired", 7), ("pending", 7), ("sum_posted", 10), ("sum_pending", 11),
)  # fmt: skip


def report(summary: dict[str, Any], out: Callable[..., Any]) -> None:
    out(f"Riverside commons season - ledger {summary['ledger_id']}")
    out("")
    out("  ".join(name.ljust(width) if i < 2 else name.rjust(width) for i, (name, width) in enumerate(COLUMNS)))
    for unit, row in summary["units"].items():
        cells = [unit, *(row[name] for name, _ in COLUMNS[1:])]
        out(
            "  ".join(
                str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, (_, w)) in enumerate(zip(cells, COLUMNS))
            )
        )
    out("")
    out(f"refused as expected: {summary['refused']}")
    out(f"chain: {summary['chain']['size']} events, head {summary['chain']['head']}")
    check = summary["verify"]
    if check["ok"]:
        out(f"verify: OK ({check['size']} events, head {check['head']})")
    else:
        out(f"verify: FAILED at seq {check['bad_seq']}: {check['reason']}")
    audit = summary["audit"]
    out(f"checkpoint: size {audit['size']}, root {audit['root']}, signed by {audit['key']}")
    out(f"public export: {audit['export']} ({audit['withheld']} personal bodies withheld)")
    out(f"ledger-audit verify: OK ({audit['verified']} events, signature and Merkle root checked)")


def run_demo(db_path: str, out: Callable[..., Any] = print) -> dict[str, Any]:
    """Record the season into ``db_path`` (created if needed), print a summary, return it.

    Safe to run again on the same file: the second run writes nothing and prints the same.
    """
    with Ledger(db_path, create=True, ledger_id=LEDGER_ID) as ledger:
        season = Season(ledger)
        season.setup()
        season.welcome()
        season.run()
        season.correct_a_typo()
        season.let_holds_expire()
        refused = season.refused_overdraft()
        check = ledger.verify()
        summary = {
            "ledger_id": ledger.ledger_id,
            "units": tally(ledger),
            "refused": refused,
            "chain": {"size": ledger.size(), "head": check.head},
            "verify": check.to_dict(),
            "audit": audit_round_trip(ledger, Path(f"{db_path}-export")),
        }
    report(summary, out)
    return summary


def audit_round_trip(ledger: Ledger, out: Path) -> dict[str, Any]:
    """Sign a checkpoint, write the public export, and verify it as an outside auditor would."""
    if out.exists():
        shutil.rmtree(out)  # the demo's own export of an earlier run; the ledger itself is unchanged
    exported = ledger.export(str(out))
    report = verify_export(out, ledger.public_key, conservation=True)
    return {
        "size": report.size,
        "root": report.root.hex(),
        "key": ledger.public_key,
        "export": str(out),
        "withheld": len(exported.withheld),
        "verified": report.size,
    }
