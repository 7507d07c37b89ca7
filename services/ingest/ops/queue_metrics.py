"""The streams' state as Prometheus gauges, read when Prometheus scrapes ``/metrics``.

What ``GET /v1/ops/queues`` shows an operator, for alerting rules to watch: each stream's length, each
consumer group's lag, pending count and oldest pending age, and the dead letters nobody handled yet. The
values are read from Redis at the scrape (a few commands per stream), so every ingest replica reports
the same figures: alerting rules take their ``max``. Labels carry stream roles and group names only.
"""

from __future__ import annotations

import logging

from prometheus_client import Gauge
from redis.exceptions import RedisError

from contracts import RedisNames
from runtime import RedisClient
from store.queues import QueueReport, describe_queues

__all__ = ["refresh_queue_gauges", "show_queue_report"]

logger = logging.getLogger(__name__)

STREAM_LENGTH = Gauge("releasewatch_stream_length", "Entries in each stream (kept for retention included).", ["stream"])
GROUP_LAG = Gauge(
    "releasewatch_stream_group_lag",
    "Entries of the stream a consumer group has not read yet.",
    ["stream", "group"],
)
GROUP_PENDING = Gauge(
    "releasewatch_stream_group_pending",
    "Entries a consumer group has read and not yet acknowledged (being processed, or waiting to be retried).",
    ["stream", "group"],
)
GROUP_OLDEST_PENDING = Gauge(
    "releasewatch_stream_group_oldest_pending_seconds",
    "Age of the oldest entry a consumer group has read and not acknowledged (0 when none is pending; seconds).",
    ["stream", "group"],
)
DEAD_LETTERS_OPEN = Gauge("releasewatch_dead_letters_open", "Dead letters no operator has replayed or discarded yet.")
QUEUES_READ = Gauge(
    "releasewatch_queues_read", "1 when the stream gauges were read from Redis at this scrape, 0 when Redis failed."
)


def show_queue_report(report: QueueReport) -> None:
    """Set the gauges to ``report``; a group that went away (its stream was deleted) stops being reported."""
    for gauge in (STREAM_LENGTH, GROUP_LAG, GROUP_PENDING, GROUP_OLDEST_PENDING):
        gauge.clear()
    for stream in report.streams:
        STREAM_LENGTH.labels(stream.role).set(stream.length)
        for group in stream.groups:
            GROUP_LAG.labels(stream.role, group.name).set(group.lag)
            GROUP_PENDING.labels(stream.role, group.name).set(group.pending)
            GROUP_OLDEST_PENDING.labels(stream.role, group.name).set(group.oldest_pending_age_seconds or 0.0)
    DEAD_LETTERS_OPEN.set(report.dead_letters_open)


async def refresh_queue_gauges(client: RedisClient, names: RedisNames) -> None:
    """Read the streams now. With Redis away the scrape still answers (the process's own metrics are worth
    having then), the stream gauges go absent and ``releasewatch_queues_read`` says why."""
    try:
        report = await describe_queues(client, names)
    except RedisError as error:
        logger.warning("stream gauges not refreshed: %s", type(error).__name__)
        for gauge in (STREAM_LENGTH, GROUP_LAG, GROUP_PENDING, GROUP_OLDEST_PENDING):
            gauge.clear()
        QUEUES_READ.set(0)
        return
    show_queue_report(report)
    QUEUES_READ.set(1)
