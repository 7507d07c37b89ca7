"""What operators watch: each stream's length, each group's lag and pending, each consumer's idle time, and the
dead letters nobody handled yet."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel
from redis.exceptions import ResponseError

from contracts import NOTIFIER_GROUP, RedisNames
from runtime import RedisClient, as_text
from runtime.clock import epoch_ms, utc_now
from runtime.stream_ids import FIRST_STREAM_ID, exclusive_after

__all__ = [
    "LAG_COUNT_LIMIT",
    "ConsumerView",
    "GroupView",
    "QueueReport",
    "StreamView",
    "custody_backlog",
    "describe_queues",
    "group_lag",
]

LAG_COUNT_LIMIT = 100_000
"""The most entries counted one by one where Redis cannot tell a group's lag itself (see ``group_lag``)."""

_COUNT_PAGE = 10_000


class ConsumerView(BaseModel):
    name: str
    pending: int
    idle_seconds: float


class GroupView(BaseModel):
    name: str
    pending: int
    lag: int  # entries not yet delivered to the group (counted where Redis cannot tell, see ``group_lag``)
    lag_counted: bool = False  # True: Redis could not tell, the entries after the last delivered were counted
    entries_read: int | None = None  # entries the group has read since the stream began (Redis 7); None: unknown
    last_delivered_id: str
    oldest_pending_id: str | None
    oldest_pending_age_seconds: float | None  # since the oldest unacknowledged entry was appended
    consumers: list[ConsumerView]


class StreamView(BaseModel):
    role: str
    key: str
    length: int
    entries_added: int | None = None  # entries ever appended, trimmed ones too (Redis 7): rates come from it
    last_entry_age_seconds: float | None
    groups: list[GroupView]


class QueueReport(BaseModel):
    streams: list[StreamView]
    dead_letters_open: int  # dead letters nobody replayed or discarded yet


def _age_of(entry_id: str | None, now_ms: float) -> float | None:
    if not entry_id or entry_id == "0-0":
        return None
    return max(0.0, (now_ms - int(entry_id.split("-", 1)[0])) / 1000)


async def group_lag(client: RedisClient, stream: str, raw: dict[str, Any], *, limit: int = LAG_COUNT_LIMIT) -> int:
    """How many entries of ``stream`` the group (``raw``: its XINFO GROUPS reply) has not been delivered yet.

    Redis answers ``lag`` itself unless entries were deleted from the middle of the stream (XDEL, or trimming
    past an entry the group had not read); then the entries after the group's last delivered id are counted,
    page by page, up to ``limit`` (reported as ``limit``: at least that many wait). The stream's length is never
    taken for the lag: it counts what the group read long ago.
    """
    if raw.get("lag") is not None:
        return int(raw["lag"])
    after = exclusive_after(as_text(raw.get("last-delivered-id", FIRST_STREAM_ID)))
    counted = 0
    while after is not None and counted < limit:
        page = cast(
            list[tuple[bytes, Any]],
            await client.xrange(stream, min=after, max="+", count=min(_COUNT_PAGE, limit - counted)),
        )
        counted += len(page)
        if len(page) < _COUNT_PAGE:
            break
        after = exclusive_after(as_text(page[-1][0]))
    return counted


async def custody_backlog(client: RedisClient, names: RedisNames) -> int:
    """The custody events accepted but not yet processed: the notifiers' group's lag plus its pending entries;
    the whole stream while no notifier has made the group (everything waits)."""
    try:
        groups: list[dict[str, Any]] = await client.xinfo_groups(names.custody_events)
    except ResponseError:  # no stream yet: nothing accepted, nothing behind
        return 0
    group = next((g for g in groups if as_text(g.get("name")) == NOTIFIER_GROUP), None)
    if group is None:
        return int(await client.xlen(names.custody_events))
    return await group_lag(client, names.custody_events, group) + int(group.get("pending", 0))


async def _group(client: RedisClient, stream: str, raw: dict[str, Any], now_ms: float) -> GroupView:
    name = as_text(raw["name"])
    summary: dict[str, Any] = await client.xpending(stream, name)
    oldest = as_text(summary["min"]) if summary.get("min") else None
    consumers: list[dict[str, Any]] = await client.xinfo_consumers(stream, name)
    return GroupView(
        name=name,
        pending=int(raw.get("pending", 0)),
        lag=await group_lag(client, stream, raw),
        lag_counted=raw.get("lag") is None,
        entries_read=int(raw["entries-read"]) if raw.get("entries-read") is not None else None,
        last_delivered_id=as_text(raw.get("last-delivered-id", "0-0")),
        oldest_pending_id=oldest,
        oldest_pending_age_seconds=_age_of(oldest, now_ms),
        consumers=[
            ConsumerView(name=as_text(c["name"]), pending=int(c["pending"]), idle_seconds=int(c["idle"]) / 1000)
            for c in consumers
        ],
    )


async def describe_queues(client: RedisClient, names: RedisNames) -> QueueReport:
    now_ms = float(epoch_ms(utc_now()))
    streams: list[StreamView] = []
    for role, key in (
        ("custody_events", names.custody_events),
        ("detainer_changes", names.detainer_changes),
        ("alerts_raised", names.alerts_raised),
        ("alert_reviews", names.alert_reviews),
        ("dead_letters", names.dead_letters),
    ):
        length = int(await client.xlen(key))
        last = cast(list[tuple[bytes, Any]], await client.xrevrange(key, count=1))
        try:
            raw_groups: list[dict[str, Any]] = await client.xinfo_groups(key)
            info: dict[str, Any] = await client.xinfo_stream(key)
        except ResponseError:  # the stream does not exist yet: nothing was ever added to it
            raw_groups, info = [], {"entries-added": 0}
        streams.append(
            StreamView(
                role=role,
                key=key,
                length=length,
                entries_added=int(info["entries-added"]) if info.get("entries-added") is not None else None,
                last_entry_age_seconds=_age_of(last[0][0].decode(), now_ms) if last else None,
                groups=[await _group(client, key, raw, now_ms) for raw in raw_groups],
            )
        )
    handled = int(await client.hlen(names.dead_letter_dispositions))
    dead = next(stream.length for stream in streams if stream.role == "dead_letters")
    return QueueReport(streams=streams, dead_letters_open=max(0, dead - handled))
