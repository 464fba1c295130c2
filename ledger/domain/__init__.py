"""Aggregates and their events. Pure: no I/O, no plugins, no clocks of their own."""

from .accounts import Account
from .facts import Fact
from .genesis import GENESIS_TOPIC, Genesis
from .holds import EXPIRED, HELD, POSTED, VOIDED, Hold
from .ids import stream_id
from .requests import Request
from .schemes import Scheme, issuer_of
from .transfers import Transfer

__all__ = [
    "EXPIRED",
    "GENESIS_TOPIC",
    "HELD",
    "POSTED",
    "VOIDED",
    "Account",
    "Fact",
    "Genesis",
    "Hold",
    "Request",
    "Scheme",
    "Transfer",
    "issuer_of",
    "stream_id",
]
