"""What the notifier does on its own is in the audit trail beside what people do: each alert it raises, each
message it moves to the dead letters. Read back as an operator reads it (``GET /v1/ops/audit``)."""

from __future__ import annotations

from typing import Any

import httpx
from redis.asyncio import Redis

from contracts import RedisNames
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams


async def trail(api: httpx.AsyncClient, action: str) -> list[dict[str, Any]]:
    answer = await api.get("/v1/ops/audit", params={"action": action})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["entries"])


async def test_each_alert_raised_is_entered_once_naming_its_kind_and_office_and_no_person(
    api: httpx.AsyncClient, ingest_api: IngestApi, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(), samples.release_scheduled())
    await notifier.catch_up(streams)
    await ingest_api.submit(samples.booking())  # the booking again: a replay, nothing raised anew
    await notifier.catch_up(streams)

    entries = await trail(api, "alert.raised")

    raised = {alert.alert_id: alert for alert in await outcome.alerts()}
    assert sorted(entry["target"] for entry in entries) == sorted(raised)
    assert {entry["actor"] for entry in entries} == {"notifier"}
    assert sorted(entry["detail"] for entry in entries) == ["in_custody for LOS", "release_scheduled for LOS"]
    assert all("GARCIA" not in entry["detail"] for entry in entries)


async def test_a_message_moved_to_the_dead_letters_is_entered_with_its_dead_letter_id(
    api: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams, redis_client: Redis, names: RedisNames
) -> None:
    await redis_client.xadd(names.custody_events, {"__data__": "{not json", "type": "booking"})
    await notifier.catch_up(streams)

    (entry,) = await trail(api, "dead_letter.added")

    (dead_letter_id,) = [entry_id.decode() for entry_id, _ in await redis_client.xrange(names.dead_letters)]
    assert (entry["actor"], entry["target"]) == ("notifier", dead_letter_id)
    assert entry["detail"].startswith("custody ")
    assert "not json" not in entry["detail"]  # what could not be read stays in the letter
