"""The event types of format version 1 and the rules every body follows (docs/chain-spec.md §3).

One place for the type names, so the chain, the rotation check, the conservation replay
and the receipts speak of the same events, and for the three body rules a verifier
applies to every event whatever its type:

- a body that is present is the canonical JSON of an **object** (§3);
- a withheld body is written as the four bytes ``null`` (a body line of
  ``bodies.jsonl``, or a receipt's ``body`` member as JSON ``null``); since no body is
  ``null``, the two never mix;
- the bodies of :data:`NEVER_WITHHELD` are never withheld: the key path needs genesis and
  the rotations, double entry needs the scheme registrations (they give every unit).
"""

from __future__ import annotations

GENESIS = "ledger.genesis.v1"
KEY_ROTATED = "ledger.key.rotated.v1"
SCHEME_REGISTERED = "ledger.scheme.registered.v1"
ACCOUNT_OPENED = "ledger.account.opened.v1"
ACCOUNT_LIMITS_CHANGED = "ledger.account.limits_changed.v1"
ACCOUNT_CLOSED = "ledger.account.closed.v1"
TRANSFER_RECORDED = "ledger.transfer.recorded.v1"
HOLD_PLACED = "ledger.hold.placed.v1"
HOLD_POSTED = "ledger.hold.posted.v1"
HOLD_VOIDED = "ledger.hold.voided.v1"
HOLD_EXPIRED = "ledger.hold.expired.v1"
FACT_RECORDED = "ledger.fact.recorded.v1"
FACT_REVISED = "ledger.fact.revised.v1"
REQUEST_RECORDED = "ledger.request.recorded.v1"

#: Every type a format-1 writer records (§3.1); plugins record theirs as facts.
CORE_TYPES = frozenset(
    {
        GENESIS,
        KEY_ROTATED,
        SCHEME_REGISTERED,
        ACCOUNT_OPENED,
        ACCOUNT_LIMITS_CHANGED,
        ACCOUNT_CLOSED,
        TRANSFER_RECORDED,
        HOLD_PLACED,
        HOLD_POSTED,
        HOLD_VOIDED,
        HOLD_EXPIRED,
        FACT_RECORDED,
        FACT_REVISED,
        REQUEST_RECORDED,
    }
)

#: Bodies a verifier needs whatever it is asked, so no export may withhold them (§3).
NEVER_WITHHELD = frozenset({GENESIS, KEY_ROTATED, SCHEME_REGISTERED})

#: How a withheld body is written where the body would be.
WITHHELD = b"null"
