"""What operators watch: each stream's length, each group's lag and pending, each consumer's idle time, and the
dead letters nobody handled yet."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel
from redis.exceptions import ResponseError

from contracts import RedisNames
from runtime import RedisClient, as_text
from runtime.clock import epoch_ms, utc_now

__all__ = ["ConsumerView", "GroupView", "QueueReport", "StreamView", "describe_queues"]


class ConsumerView(BaseModel):
    name: str
    pending: int
    idle_seconds: float


class GroupView(BaseModel):
    name: str
    pending: int
    lag: int | None  # entries not yet delivered; None where Redis cannot tell (6.2, or after deletions)
    last_delivered_id: str
    oldest_pending_id: str | None
    oldest_pending_age_seconds: float | None  # since the oldest unacknowledged entry was appended
    consumers: list[ConsumerView]


class StreamView(BaseModel):
    role: str
    key: str
    length: int
    last_entry_age_seconds: float | None
    groups: list[GroupView]


class QueueReport(BaseModel):
    streams: list[StreamView]
    dead_letters_open: int  # dead letters nobody replayed or discarded yet


def _age_of(entry_id: str | None, now_ms: float) -> float | None:
    if not entry_id or entry_id == "0-0":
        return None
    return max(0.0, (now_ms - int(entry_id.split("-", 1)[0])) / 1000)


async def _group(client: RedisClient, stream: str, raw: dict[str, Any], now_ms: float) -> GroupView:
    name = as_text(raw["name"])
    summary: dict[str, Any] = await client.xpending(stream, name)
    oldest = as_text(summary["min"]) if summary.get("min") else None
    consumers: list[dict[str, Any]] = await client.xinfo_consumers(stream, name)
    return GroupView(
        name=name,
        pending=int(raw.get("pending", 0)),
        lag=int(raw["lag"]) if raw.get("lag") is not None else None,
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
        except ResponseError:  # the stream does not exist yet
            raw_groups = []
        streams.append(
            StreamView(
                role=role,
                key=key,
                length=length,
                last_entry_age_seconds=_age_of(last[0][0].decode(), now_ms) if last else None,
                groups=[await _group(client, key, raw, now_ms) for raw in raw_groups],
            )
        )
    handled = int(await client.hlen(names.dead_letter_dispositions))
    dead = next(stream.length for stream in streams if stream.role == "dead_letters")
    return QueueReport(streams=streams, dead_letters_open=max(0, dead - handled))
