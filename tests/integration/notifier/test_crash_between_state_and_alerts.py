"""A notifier that dies after saving a batch's booking states but before writing its alerts.

The batch stays pending and is processed again (a restart, or another notifier claiming it). The
states saved the first time already hold the batch's later facts (a cancellation, a new release
time), yet the redelivery must raise exactly the alerts an uninterrupted run raises.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from notifier.handlers.custody_events import CustodyEventProcessor
from tests import samples
from tests.integration.notifier.support import (
    AlertStoreWithAWindow,
    IngestApi,
    NotifierInstance,
    Outcome,
    Streams,
    build_ports,
)


class Killed(Exception):
    """The process died here (as SIGKILL would: nothing after this point happened)."""


async def die() -> None:
    raise Killed


RESCHEDULED = samples.release_scheduled(
    event_id="evt-0009", occurred_at="2026-11-21T12:00:00-08:00", scheduled_release_at="2026-11-26T09:00:00-08:00"
)


@pytest.mark.parametrize(
    "events",
    [
        pytest.param([samples.booking(), samples.release_scheduled(), samples.release_cancelled()], id="cancelled"),
        pytest.param([samples.booking(), samples.release_scheduled(), RESCHEDULED], id="rescheduled"),
    ],
)
async def test_a_batch_processed_again_after_a_crash_raises_what_an_uninterrupted_run_raises(
    events: list[dict[str, Any]],
    redis_client: Redis,
    names: RedisNames,
    ingest_api: IngestApi,
    streams: Streams,
    outcome: Outcome,
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(*events)
    batch = await streams.new_custody_events()
    dying = AlertStoreWithAWindow(redis_client, names, before=die)
    ports = dataclasses.replace(build_ports(redis_client, names), alerts=dying)
    notifier = await NotifierInstance.start(ports)

    with pytest.raises(Killed):
        await notifier.custody.process(batch)
    await CustodyEventProcessor(ports).process(batch)  # the redelivery

    announced = sorted(event["scheduled_release_at"] for event in events if event["type"] == "release_scheduled")
    alerts = await outcome.alerts("LOS")
    assert sorted(alert.kind.value for alert in alerts) == ["in_custody"] + ["release_scheduled"] * len(announced)
    assert sorted(
        alert.scheduled_release_at.isoformat() for alert in alerts if alert.scheduled_release_at is not None
    ) == sorted(datetime.fromisoformat(at).isoformat() for at in announced)
