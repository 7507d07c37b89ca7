"""How far behind the notifiers are: the events accepted but not yet processed.

Ingest refuses custody events (503 with Retry-After) that the backlog has no
room for, rather than accept what it may not keep up with: sources retry, and
nothing accepted is ever dropped. That decision is taken by the script that
appends them (``publish_events.lua``), measuring the same way, so concurrent
requests never overshoot the limit; this gauge reports the backlog to
``/readyz`` and Prometheus.

The backlog is the notifier group's ``lag`` (entries not yet delivered) plus
its ``pending`` (delivered, not acknowledged), from XINFO GROUPS. Redis 6.2
(the embedded one) has no ``lag``; there the stream's length stands in, an
upper bound that trimming keeps close. It is measured at most once every
``refresh_seconds`` per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Gauge
from redis.exceptions import ResponseError

from contracts import NOTIFIER_GROUP, RedisNames
from runtime import RedisClient, as_text

__all__ = ["BacklogGauge"]

BACKLOG = Gauge("releasewatch_ingest_backlog", "Custody events accepted but not yet processed by the notifiers.")


class BacklogGauge:
    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        limit: int,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._stream = names.custody_events
        self.limit = limit
        self._refresh = refresh_seconds
        self._clock = clock
        self._measured_at = float("-inf")
        self._last = 0

    async def current(self) -> int:
        if self._clock() - self._measured_at >= self._refresh:
            self._last = await self._measure()
            self._measured_at = self._clock()
            BACKLOG.set(self._last)
        return self._last

    async def _measure(self) -> int:
        try:
            groups: list[dict[str, Any]] = await self._client.xinfo_groups(self._stream)
        except ResponseError:  # no stream yet: nothing accepted, nothing behind
            return 0
        group = next((g for g in groups if as_text(g.get("name")) == NOTIFIER_GROUP), None)
        if group is not None and group.get("lag") is not None:
            return int(group["lag"]) + int(group.get("pending", 0))
        # No notifier has started (everything is behind), or a Redis without `lag`.
        return int(await self._client.xlen(self._stream))
