"""Retrying a channel's delivery later without anyone sleeping: the entry waits in the pending list.

A channel (webhooks, e-mail) that could not deliver an entry leaves it pending and sets its idle time
(``XCLAIM ... IDLE ... JUSTID``, which leaves its delivery count alone) so that the XAUTOCLAIM
subscriber, which claims entries idle for ``RW_RECLAIM_IDLE_SECONDS``, takes it again after the backoff
and not before. The delivery count in the pending entries list is then the attempt number.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.envelope import StreamEntry
from runtime import RedisClient

__all__ = ["RetryPolicy", "backoff_seconds", "retry_after_backoff"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int  # attempts at one entry before it is dead-lettered
    backoff_base_seconds: float  # wait after the first failed attempt; doubles per attempt
    backoff_cap_seconds: float  # the longest wait: the reclaim subscriber's idle time (RW_RECLAIM_IDLE_SECONDS)


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """How long to wait after failed attempt ``attempt`` (1, 2, ...): ``base`` doubling, at most ``cap``."""
    doublings = max(attempt - 1, 0)
    return min(base * float(2**doublings), cap)


async def retry_after_backoff(
    client: RedisClient, entry: StreamEntry, *, group: str, consumer: str, attempt: int, policy: RetryPolicy
) -> None:
    """Make the entry claimable by the reclaim subscriber (idle >= the cap) after the backoff, not before."""
    cap = policy.backoff_cap_seconds
    wait = backoff_seconds(attempt, base=policy.backoff_base_seconds, cap=cap)
    await client.xclaim(
        entry.stream, group, consumer, 0, [entry.message_id], idle=int((cap - wait) * 1000), justid=True
    )
