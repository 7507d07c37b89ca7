"""A Redis written when event, roster and detainer ids were global keeps working after the upgrade
that scoped them to their facility and office: receipts still answer retries, detainers are still the
office's, alerts and stories keep their ids (nothing is raised twice), and review decisions still hold.

The former layout is written here key by key, as the former scripts wrote it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from redis.asyncio import Redis

from contracts import DetainerLodged, DetainerStatus, RedisNames, RosterSubmitted, custody_event_adapter
from contracts.detainers import Detainer
from tests import samples
from tests.integration.notifier.support import (
    BOOKING_NUMBER,
    FACILITY,
    NotifierInstance,
    Outcome,
    Streams,
    as_,
    build_ports,
)

DETAINER_ID = "LOS-2026-000871"
OLD_IN_CUSTODY_ALERT = "al_ycx6ngjshed2zq76y64pu5jbuc"  # what the former notifier named it
OLD_STORY = "st_5ti7ggfanrzincz4bcrqsw5ers"
LODGED_AT = datetime(2026, 11, 1, 17, 5, tzinfo=UTC)


async def former_lodge(client: Redis, names: RedisNames, body: dict[str, Any]) -> None:
    """What the former lodge script wrote: the record and its listings under the id alone."""
    detainer = Detainer.model_validate_json(
        json.dumps({**body, "status": "active", "lodged_at": LODGED_AT.isoformat()})
    )
    detainer_id, office, score = detainer.detainer_id, detainer.field_office, int(LODGED_AT.timestamp() * 1000)
    await client.set(f"rw:{{detainers}}:detainer:{detainer_id}", detainer.model_dump_json())
    await client.sadd("rw:{detainers}:active", detainer_id)
    for listing in names.listings("detainers", office, DetainerStatus.ACTIVE.value):
        await client.zadd(listing, {detainer_id: score})
    seq = await client.incr(names.detainer_change_count)
    change = DetainerLodged(detainer=detainer).model_dump_json()
    fields = {"__data__": change, "type": "detainer_lodged", "detainer_id": detainer_id, "seq": seq}
    await client.xadd(names.detainer_changes, fields)  # type: ignore[arg-type]


async def former_publish(client: Redis, names: RedisNames, body: dict[str, Any]) -> str:
    """What the former publish script wrote: the entry, and a receipt under the event id alone."""
    event = custody_event_adapter.validate_json(json.dumps(body))
    payload = event.model_dump_json()
    stream_id = (
        await client.xadd(names.custody_events, {"__data__": payload, "type": event.type, "event_id": event.event_id})
    ).decode()
    receipt = f"rw:{{custody}}:receipt:{event.event_id}"
    digest = hashlib.sha256(payload.encode()).hexdigest()
    await client.hset(receipt, mapping={"digest": digest, "stream_id": stream_id, "accepted_at": "2026-11-20T16:16Z"})
    await client.expire(receipt, 3600)
    return stream_id


async def strip_references(client: Redis, names: RedisNames) -> None:
    """Alert records as the former notifier wrote them: no detainer reference."""
    async for key in client.scan_iter(match=names.alert("*")):
        record = json.loads(await client.get(key))
        record.pop("detainer_ref", None)
        await client.set(key, json.dumps(record))


async def former_rejection(client: Redis, names: RedisNames, booking_number: str) -> None:
    """A person's rejection of the detainer for a booking, kept in the booking's hash as the former notifier did."""
    review = {
        "detainer_id": DETAINER_ID,
        "field_office": "LOS",
        "facility_ori": FACILITY,
        "booking_number": booking_number,
        "decision": "rejected",
        "alert_id": "al_an_old_possible_match",
        "evidence": {"decision": "possible_match", "rule": "score", "fields": []},
        "reviewed_by": "LOS duty desk",
        "reviewed_at": "2026-11-21T10:00:00Z",
    }
    await client.hset(names.booking(FACILITY, booking_number), f"review:{DETAINER_ID}", json.dumps(review))


async def test_a_store_of_global_ids_keeps_working_after_the_upgrade(
    keyed_api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, streams: Streams, outcome: Outcome
) -> None:
    # Before the upgrade: a detainer, a booking that matched it (its alerts and story), a receipt, a rejection.
    await former_lodge(redis_client, names, samples.detainer())
    booking = samples.booking()
    first_stream_id = await former_publish(redis_client, names, booking)
    before = await NotifierInstance.start(build_ports(redis_client, names))
    await before.custody.process(await streams.new_custody_events())
    await strip_references(redis_client, names)
    await former_rejection(redis_client, names, "2026-007777")
    (old_alert,) = await outcome.alerts()
    assert (old_alert.alert_id, old_alert.story_id) == (OLD_IN_CUSTODY_ALERT, OLD_STORY)

    # The upgrade: new processes on the same Redis.
    after = await NotifierInstance.start(build_ports(redis_client, names))

    # The jail retries the event it sent before: the original answer, nothing published.
    retry = await keyed_api.post("/v1/custody-events", json=booking, headers=as_("jail"))
    assert (retry.status_code, retry.headers.get("Idempotent-Replayed")) == (202, "true")
    assert retry.json()["stream_id"] == first_stream_id
    # A correction of the same booking: the alert raised before is the one it calls for, not a new one.
    update = samples.booking_updated(event_id="evt-0002")
    assert (await keyed_api.post("/v1/custody-events", json=update, headers=as_("jail"))).status_code == 202
    await after.custody.process(await streams.new_custody_events())
    assert [alert.alert_id for alert in await outcome.alerts()] == [OLD_IN_CUSTODY_ALERT]

    # The office still has its detainer: read, re-lodged as a retry, acknowledged, its story whole.
    read = await keyed_api.get(f"/v1/detainers/{DETAINER_ID}", headers=as_("los"))
    relodged = await keyed_api.post("/v1/detainers", json=samples.detainer(), headers=as_("los"))
    assert read.json()["lodged_at"].startswith("2026-11-01T17:05")
    assert (relodged.status_code, relodged.headers.get("Idempotent-Replayed")) == (201, "true")
    acked = await keyed_api.post(f"/v1/alerts/{OLD_IN_CUSTODY_ALERT}/ack", headers=as_("los"))
    assert acked.json()["status"] == "acknowledged"
    stories = (await keyed_api.get("/v1/stories", headers=as_("los"))).json()["stories"]
    assert [(story["story_id"], len(story["alerts"])) for story in stories] == [(OLD_STORY, 1)]

    # Another office may now use the same id: its own detainer, never the former one.
    theirs = await keyed_api.post(
        "/v1/detainers", json=samples.detainer(field_office="NYC", form="I-247N"), headers=as_("nyc")
    )
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers

    # The rejection kept before still holds: that booking of the same person raises nothing for LOS.
    rejected_booking = samples.booking(event_id="evt-0100", booking_number="2026-007777")
    assert (await keyed_api.post("/v1/custody-events", json=rejected_booking, headers=as_("jail"))).status_code == 202
    await after.ports.detainers.sync()
    await after.custody.process(await streams.new_custody_events())
    los_alerts = await outcome.alerts(field_office="LOS")
    assert [alert.booking_number for alert in los_alerts] == [BOOKING_NUMBER]

    # Lifting the former detainer still lifts it, and its subject matches it no more.
    lifted = await keyed_api.post(f"/v1/detainers/{DETAINER_ID}/lift", json={"reason": "cancelled"}, headers=as_("los"))
    assert lifted.json()["status"] == "lifted"
    await after.ports.detainers.sync()
    assert after.ports.detainers.get(DETAINER_ID) is None
    assert after.ports.detainers.get(f"NYC/{DETAINER_ID}") is not None


async def test_a_roster_accepted_before_the_upgrade_is_still_answered_as_a_retry(
    keyed_api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    roster = {"roster_id": "roster-1", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["2026-004512"]}
    submitted = RosterSubmitted.model_validate_json(json.dumps({**roster, "facility_ori": FACILITY}))
    payload = submitted.as_sent()  # the roster as it was written before policies could add to it
    stream_id = (
        await redis_client.xadd(names.custody_events, {"__data__": payload, "type": "roster", "event_id": "roster-1"})
    ).decode()
    digest = hashlib.sha256(payload.encode()).hexdigest()
    await redis_client.hset(
        "rw:{custody}:roster-receipt:roster-1",
        mapping={"digest": digest, "stream_id": stream_id, "accepted_at": "2026-11-25T14:01Z"},
    )

    retry = await keyed_api.post(f"/v1/facilities/{FACILITY}/roster", json=roster, headers=as_("ops"))
    elsewhere = await keyed_api.post("/v1/facilities/CA0190000/roster", json=roster, headers=as_("ops"))

    assert (retry.status_code, retry.headers.get("Idempotent-Replayed"), retry.json()["stream_id"]) == (
        202,
        "true",
        stream_id,
    )
    assert (elsewhere.status_code, elsewhere.headers.get("Idempotent-Replayed")) == (202, None)
    assert await redis_client.xlen(names.custody_events) == 2
