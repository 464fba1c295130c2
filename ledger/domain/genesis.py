"""Event 0: the ledger names itself and the key that signs its checkpoints."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .ids import stream_id

GENESIS_TOPIC = "ledger.genesis.v1"


class Genesis(Aggregate):
    TOPIC = "ledger.genesis.aggregate.v1"

    class Created(Aggregate.Created):
        TOPIC = GENESIS_TOPIC
        ledger_id: str
        public_key: str
        format: int

    class KeyRotated(Aggregate.Event):
        TOPIC = "ledger.key.rotated.v1"
        new_public_key: str
        effective_size: int
        signature: str

    @staticmethod
    def create_id(ledger_id: str) -> UUID:
        return stream_id("genesis", ledger_id)

    @event(Created)
    def __init__(self, ledger_id: str, public_key: str, format: int) -> None:
        self.ledger_id = ledger_id
        self.public_key = public_key
        self.format = format

    @event(KeyRotated)
    def rotate_key(self, new_public_key: str, effective_size: int, signature: str) -> None:
        self.public_key = new_public_key
