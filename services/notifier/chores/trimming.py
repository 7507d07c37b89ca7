"""Bounding the streams without dropping anything a consumer still needs.

A stream entry may go once every consumer group on the stream is done with
it: it was delivered (at or before the group's ``last-delivered-id``) and
acknowledged (older than the group's oldest pending entry). Below the
smallest such boundary over all groups, and older than the retention
window, entries are trimmed with ``XTRIM MINID``; an entry a group has not
acknowledged is never dropped, whatever the retention says.

Two more rules keep readers without a group safe:

- the newest entry of a stream is never trimmed, so a notifier that reads the
  detainer changelog with plain ``XREAD`` always finds where it stopped
  (``DetainerIndex.sync`` reloads in full if it ever does not);
- a stream without any consumer group is trimmed by retention alone.

Every notifier instance runs this on a timer; it is idempotent and needs
no coordination. Each command names one stream: fine on a cluster.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis.exceptions import ResponseError

from runtime import RedisClient, as_text

__all__ = ["StreamId", "StreamTrimmer", "TrimReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True, slots=True)
class StreamId:
    """A stream entry id, ordered as Redis orders them."""

    ms: int
    seq: int

    @classmethod
    def parse(cls, raw: bytes | str) -> StreamId:
        text = raw.decode() if isinstance(raw, bytes) else raw
        ms, _, seq = text.partition("-")
        return cls(int(ms), int(seq or 0))

    def next(self) -> StreamId:
        return StreamId(self.ms, self.seq + 1)

    def __str__(self) -> str:
        return f"{self.ms}-{self.seq}"


@dataclass(frozen=True, slots=True)
class TrimReport:
    stream: str
    min_id: StreamId | None  # entries below this were trimmed; None: nothing may go
    trimmed: int


class StreamTrimmer:
    def __init__(
        self,
        client: RedisClient,
        streams: Sequence[str],
        *,
        retention_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._streams = tuple(streams)
        self._retention_ms = int(retention_seconds * 1000)
        self._clock = clock

    async def trim_all(self) -> list[TrimReport]:
        reports = []
        for stream in self._streams:
            report = await self.trim(stream)
            reports.append(report)
            if report.trimmed:
                log.info("stream trimmed", extra={"stream": stream, "entries": report.trimmed})
        return reports

    async def trim(self, stream: str) -> TrimReport:
        boundary = await self.safe_boundary(stream)
        if boundary is None:
            return TrimReport(stream, None, 0)
        trimmed = int(await self._client.xtrim(stream, minid=str(boundary), approximate=False))
        return TrimReport(stream, boundary, trimmed)

    async def safe_boundary(self, stream: str) -> StreamId | None:
        """The id below which every entry of ``stream`` may go (None if none may)."""
        newest = cast(list[tuple[bytes, Any]], await self._client.xrevrange(stream, count=1))
        if not newest:
            return None  # no stream, or an empty one
        bounds = [StreamId.parse(newest[0][0])]  # keep the newest entry
        cutoff_ms = int(self._clock() * 1000) - self._retention_ms
        bounds.append(StreamId(max(cutoff_ms, 0), 0))
        try:
            groups: list[dict[str, Any]] = await self._client.xinfo_groups(stream)
        except ResponseError:
            return None  # the stream went away meanwhile
        for group in groups:
            # Delivered and acknowledged: at or below last-delivered-id and below the oldest pending.
            bounds.append(StreamId.parse(group["last-delivered-id"]).next())
            if int(group.get("pending", 0)):
                summary = await self._client.xpending(stream, as_text(group["name"]))
                if summary.get("min") is not None:
                    bounds.append(StreamId.parse(summary["min"]))
        boundary = min(bounds)
        return None if boundary <= StreamId(0, 1) else boundary
