"""How far behind the notifiers are: the events accepted but not yet processed.

Ingest refuses custody events (503 with Retry-After) that the backlog has no
room for, rather than accept what it may not keep up with: sources retry, and
nothing accepted is ever dropped. That decision is taken by the script that
appends them (``publish_events.lua``), measuring the same way, so concurrent
requests never overshoot the limit; this gauge reports the backlog to
``/readyz`` and Prometheus.

The backlog is the notifier group's lag (entries not yet delivered, counted
where Redis cannot tell) plus its pending entries (delivered, not
acknowledged); before any notifier made the group, the whole stream. It is measured at most once every
``refresh_seconds`` per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import Gauge

from contracts import RedisNames
from runtime import RedisClient
from store.queues import custody_backlog

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
        self._names = names
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
        return await custody_backlog(self._client, self._names)
