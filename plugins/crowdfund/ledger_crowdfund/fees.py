"""The platform/host fee: how a gross amount splits into fee and net, never creating or losing a cent.

Rule: ``fee = floor(gross * fee_bps / 10000)`` and ``net = gross - fee``. The fee is rounded
down, so any fraction of a minor unit stays with the campaign; ``fee + net == gross`` holds
for every gross because ``net`` is defined as the remainder, not computed separately.
"""

from __future__ import annotations

MAX_FEE_BPS = 10_000  # 100 %: a fee can take everything, never more


def split_fee(gross: int, fee_bps: int) -> tuple[int, int]:
    """``(fee, net)`` of ``gross`` minor units at ``fee_bps`` basis points (1 bp = 0.01 %)."""
    if isinstance(gross, bool) or not isinstance(gross, int) or gross < 0:
        raise ValueError(f"gross must be a non-negative integer of minor units, not {gross!r}")
    if isinstance(fee_bps, bool) or not isinstance(fee_bps, int) or not 0 <= fee_bps <= MAX_FEE_BPS:
        raise ValueError(f"fee_bps must be an integer from 0 to {MAX_FEE_BPS}, not {fee_bps!r}")
    fee = gross * fee_bps // 10_000
    return fee, gross - fee


def match_amount(pledge: int, numerator: int, denominator: int, available: int) -> int:
    """A pledge's matching contribution: ``floor(pledge * numerator / denominator)``, at most what
    the pool still has (rounded down, like the fee, so a pool never promises a fraction)."""
    return max(0, min(pledge * numerator // denominator, available))


__all__ = ["MAX_FEE_BPS", "match_amount", "split_fee"]
