"""The one clock of both services, and how a time is kept in Redis.

Everything that needs the time takes a ``Clock`` (tests pass their own); ``utc_now`` is the real one.
Sorted sets and scripts keep times as integer milliseconds since the epoch (``epoch_ms``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "epoch_ms", "utc_now"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, in UTC (timezone-aware)."""
    return datetime.now(UTC)


def epoch_ms(moment: datetime) -> int:
    """``moment`` as milliseconds since the epoch (truncated): how listings score and scripts compare times."""
    return int(moment.timestamp() * 1000)
