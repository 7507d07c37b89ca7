"""Sharing policies at intake: what a policy does not allow is answered `withheld` and never published; what it
allows is published stripped to its identity fields, with its mark beside it; each withheld event counted once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from runtime.clock import utc_now
from store.policy_counts import PolicyCounts
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_entries
from tests.policy_samples import COUNTY_FACILITY, STRICT_FACILITY, UNCOVERED_FACILITY, write_policies

URL = "/v1/custody-events"
BATCH = "/v1/custody-events:batch"
MISDEMEANOR = samples.charge(statute="PC 484", description="Petty theft", severity="misdemeanor", ncic_code="2399")


@pytest.fixture
def ingest_settings(redis_url: str, tmp_path: Path) -> IngestSettings:
    return IngestSettings(redis_url=redis_url, log_format="text", auth="off", policies_file=write_policies(tmp_path))


async def published(redis: Redis, names: RedisNames) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Every event in the custody stream, with the policy mark beside it (None: none)."""
    return [
        (json.loads(fields["__data__"]), json.loads(fields["policy"]) if "policy" in fields else None)
        for _, fields in await stream_entries(redis, names.custody_events)
    ]


async def withheld_today(redis: Redis, names: RedisNames) -> list[tuple[str, str, int]]:
    today = utc_now().date()
    rows = await PolicyCounts(redis, names).withheld_days(today, today)
    assert all(day == today for _, day, _, _ in rows)
    return [(ori, rule, events) for ori, _, rule, events in rows]


def withheld_metric(rule: str) -> float:
    return REGISTRY.get_sample_value("releasewatch_ingest_events_withheld_total", {"rule": rule}) or 0.0


async def test_a_booking_the_policy_withholds_is_answered_withheld_published_nowhere_and_counted_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    rule = f"{STRICT_FACILITY} share.booking"
    metric_before = withheld_metric(rule)

    first = await api.post(URL, json=samples.booking())
    again = await api.post(URL, json=samples.booking())

    assert first.status_code == 202, first.text
    body = first.json()
    assert body["status"] == "withheld"
    assert body["event_id"] == "evt-0001"
    assert "stream_id" not in body
    assert body["withheld"]["rule"] == rule
    assert body["withheld"]["policy"] == "County policy 2026-14 (release notice for serious felonies)"
    assert "in-custody notices (booking) are never shared" in body["withheld"]["reason"]
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 202
    assert again.json() == body
    assert again.headers["idempotent-replayed"] == "true"
    assert await redis_client.xlen(names.custody_events) == 0
    assert await withheld_today(redis_client, names) == [(STRICT_FACILITY, rule, 1)]
    assert withheld_metric(rule) - metric_before == 1


async def test_a_held_booking_is_published_stripped_with_the_first_event_the_policy_shares(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    person = samples.person(place_of_birth="mx", a_number="A-012-345-678", state_id={"state": "ca", "number": "a1"})
    await api.post(URL, json=samples.booking(person=person))

    scheduled = await api.post(URL, json=samples.release_scheduled())

    assert scheduled.status_code == 202, scheduled.text
    assert scheduled.json()["status"] == "accepted"
    events = await published(redis_client, names)
    assert [event["type"] for event, _ in events] == ["booking", "release_scheduled"]
    booking, _mark = events[0]
    shared_person = booking["person"]
    for stripped in ("place_of_birth", "aliases", "state_id"):
        assert shared_person.get(stripped) in (None, []), stripped
    assert shared_person["middle_name"] == "LUIS"
    assert shared_person["a_number"] == "A012345678"
    # What the jail wrote for a field the policy does not share is kept nowhere, not even as sent.
    assert shared_person["as_sent"] == {"/a_number": "A-012-345-678"}
    assert '"mx"' not in json.dumps(events)
    for _, each_mark in events:
        assert each_mark is not None
        assert each_mark["jurisdiction"] == STRICT_FACILITY
        assert each_mark["in_custody"] is False
        assert each_mark["withheld"] == [{"event_type": "booking", "rule": f"{STRICT_FACILITY} share.booking"}]
    assert scheduled.json()["stream_id"] == (await stream_entries(redis_client, names.custody_events))[1][0]
    # The booking's retry still gets the answer it got: withheld when it was sent.
    retry = await api.post(URL, json=samples.booking(person=person))
    assert retry.json()["status"] == "withheld"
    assert await redis_client.xlen(names.custody_events) == 2


async def test_a_held_booking_counts_as_withheld_only_until_it_is_published(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    rule = f"{STRICT_FACILITY} share.booking"
    held = samples.booking(event_id="evt-held", booking_number="2026-000111")
    never = samples.booking(event_id="evt-never", booking_number="2026-000222", charges=[MISDEMEANOR])
    await api.post(URL, json=held)
    await api.post(URL, json=never)
    assert await withheld_today(redis_client, names) == [(STRICT_FACILITY, rule, 2)]

    scheduled = samples.release_scheduled(event_id="evt-held-schedule", booking_number="2026-000111")
    assert (await api.post(URL, json=scheduled)).json()["status"] == "accepted"
    assert (await api.post(URL, json=scheduled)).headers["idempotent-replayed"] == "true"
    not_shared = samples.release_scheduled(event_id="evt-never-schedule", booking_number="2026-000222")
    assert (await api.post(URL, json=not_shared)).json()["status"] == "withheld"

    # The first booking reached the office with its release notice: withheld no more. The other never did.
    assert await withheld_today(redis_client, names) == sorted(
        [(STRICT_FACILITY, rule, 1), (STRICT_FACILITY, f"{STRICT_FACILITY} share.release_scheduled", 1)]
    )
    retry = await api.post(URL, json=held)
    assert retry.json()["status"] == "withheld"  # its answer stands, as given when it was sent
    assert await withheld_today(redis_client, names) == sorted(
        [(STRICT_FACILITY, rule, 1), (STRICT_FACILITY, f"{STRICT_FACILITY} share.release_scheduled", 1)]
    )


async def test_each_share_rule_withholds_its_events_and_only_them(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    """A misdemeanor booking at the strict facility: no schedule, no release, no transfer may leave the jail."""
    answers = [
        await api.post(URL, json=event)
        for event in (
            samples.booking(charges=[MISDEMEANOR]),
            samples.release_scheduled(),
            samples.release(),
            samples.transfer(),
        )
    ]

    assert [answer.json()["status"] for answer in answers] == ["withheld"] * 4
    rules = [answer.json()["withheld"]["rule"] for answer in answers]
    assert rules == [
        f"{STRICT_FACILITY} share.booking",
        f"{STRICT_FACILITY} share.release_scheduled",
        f"{STRICT_FACILITY} share.release",
        f"{STRICT_FACILITY} share.transfer",
    ]
    assert (
        "not a felony" in answers[1].json()["withheld"]["reason"] or "felony" in answers[1].json()["withheld"]["reason"]
    )
    assert await redis_client.xlen(names.custody_events) == 0
    assert sorted(await withheld_today(redis_client, names)) == sorted((STRICT_FACILITY, rule, 1) for rule in rules)


async def test_a_correction_adding_a_felony_lets_the_release_through_with_the_booking_held_so_far(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=samples.booking(charges=[MISDEMEANOR]))
    felony = samples.booking_updated(charges=[samples.charge()])  # the charges as corrected: a felony

    corrected = await api.post(URL, json=felony)
    released = await api.post(URL, json=samples.release())

    assert corrected.json()["status"] == "withheld"  # held with the booking: booking: false
    assert released.json()["status"] == "accepted"
    events = await published(redis_client, names)
    assert [event["type"] for event, _ in events] == ["booking", "booking_updated", "release"]
    assert all(mark is not None and mark["in_custody"] is False for _, mark in events)


async def test_never_share_withholds_everything_about_a_juvenile_and_nothing_about_an_adult(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    juvenile = samples.person(date_of_birth="2010-02-01")
    child = [
        await api.post(URL, json=event)
        for event in (
            samples.booking(facility_ori=COUNTY_FACILITY, booking_number="J-1", person=juvenile),
            samples.release(facility_ori=COUNTY_FACILITY, booking_number="J-1"),
        )
    ]
    adult = [
        await api.post(URL, json=event)
        for event in (
            samples.booking(facility_ori=COUNTY_FACILITY, booking_number="A-1", event_id="evt-a1"),
            samples.release(facility_ori=COUNTY_FACILITY, booking_number="A-1", event_id="evt-a2"),
        )
    ]

    assert [answer.json()["withheld"]["rule"] for answer in child] == ["CA019 never_share[0]"] * 2
    assert [answer.json()["status"] for answer in adult] == ["accepted", "accepted"]
    events = await published(redis_client, names)
    assert [(event["booking_number"], event["type"]) for event, _ in events] == [("A-1", "booking"), ("A-1", "release")]
    # No identity_fields: the whole person is shared; the mark says the in-custody notice may be given.
    assert events[0][0]["person"]["place_of_birth"] == "MX"
    assert events[0][1] is not None
    assert events[0][1]["in_custody"] is True
    assert "2010-02-01" not in json.dumps(events)


async def test_a_facility_no_policy_covers_is_published_as_sent_without_a_mark(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    answer = await api.post(URL, json=samples.booking(facility_ori=UNCOVERED_FACILITY))

    assert answer.json()["status"] == "accepted"
    ((event, mark),) = await published(redis_client, names)
    assert event["person"]["place_of_birth"] == "MX"
    assert mark is None


async def test_a_withheld_event_id_sent_again_with_another_body_is_a_conflict(api: httpx.AsyncClient) -> None:
    await api.post(URL, json=samples.booking())

    other = await api.post(URL, json=samples.booking(booking_number="2026-009999"))

    problem = assert_problem(other, 409, "event-id-conflict")
    assert pointers(problem) == ["#/event_id"]


async def test_a_batch_answers_withheld_per_item_and_publishes_only_what_the_policies_allow(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    batch = [
        samples.booking(),  # strict: withheld (held)
        samples.booking(facility_ori=UNCOVERED_FACILITY, event_id="evt-nv"),  # no policy: accepted
        samples.transfer(),  # strict: transfers never shared
        {"type": "booking"},  # invalid
        samples.release_scheduled(),  # a felony: published, with the booking held so far
    ]
    ndjson = "\n".join(json.dumps(event) for event in batch)

    answer = await api.post(BATCH, content=ndjson, headers={"content-type": "application/x-ndjson"})
    again = await api.post(BATCH, json=batch)

    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["accepted"], body["duplicates"], body["withheld"], body["rejected"]) == (2, 0, 2, 1)
    statuses = [(result["index"], result["status"]) for result in body["results"]]
    assert statuses == [(0, "withheld"), (1, "accepted"), (2, "withheld"), (3, "invalid"), (4, "accepted")]
    assert body["results"][0]["withheld"]["rule"] == f"{STRICT_FACILITY} share.booking"
    assert body["results"][2]["withheld"]["rule"] == f"{STRICT_FACILITY} share.transfer"
    assert [result["status"] for result in again.json()["results"]] == [
        "withheld", "duplicate", "withheld", "invalid", "duplicate"
    ]  # fmt: skip
    events = await published(redis_client, names)
    assert sorted((event["facility_ori"], event["type"]) for event, _ in events) == [
        (STRICT_FACILITY, "booking"),
        (STRICT_FACILITY, "release_scheduled"),
        (UNCOVERED_FACILITY, "booking"),
    ]
    assert not any(event["type"] == "transfer" for event, _ in events)
    counts = await withheld_today(redis_client, names)
    # The held booking went out with the release schedule: only the transfer was withheld for good.
    assert sorted(counts) == [(STRICT_FACILITY, f"{STRICT_FACILITY} share.transfer", 1)]


async def test_withheld_days_reads_per_facility_day_and_rule_within_the_period(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=samples.booking())
    await api.post(URL, json=samples.booking(facility_ori=COUNTY_FACILITY, event_id="evt-j", booking_number="J-1",
                                             person=samples.person(date_of_birth="2012-01-01")))  # fmt: skip
    counts = PolicyCounts(redis_client, names)
    today = utc_now().date()

    every = await counts.withheld_days(today, today)
    one = await counts.withheld_days(today, today, [COUNTY_FACILITY])
    before = await counts.withheld_days(date(2020, 1, 1), date(2020, 12, 31))

    assert every == [
        (COUNTY_FACILITY, today, "CA019 never_share[0]", 1),
        (STRICT_FACILITY, today, f"{STRICT_FACILITY} share.booking", 1),
    ]
    assert one == [(COUNTY_FACILITY, today, "CA019 never_share[0]", 1)]
    assert before == []


async def test_the_same_withheld_event_sent_at_once_many_times_is_counted_once(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    answers = await asyncio.gather(*(api.post(URL, json=samples.transfer()) for _ in range(8)))

    assert {answer.json()["status"] for answer in answers} == {"withheld"}
    assert sum(1 for answer in answers if "idempotent-replayed" not in answer.headers) == 1
    assert await withheld_today(redis_client, names) == [(STRICT_FACILITY, f"{STRICT_FACILITY} share.transfer", 1)]


async def test_an_accepted_event_sent_again_under_a_policy_is_a_replay_publishing_nothing(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await api.post(URL, json=samples.booking())
    first = await api.post(URL, json=samples.release())
    again = await api.post(URL, json=samples.release())

    assert first.json()["status"] == "accepted"
    assert "idempotent-replayed" not in first.headers
    assert again.json()["stream_id"] == first.json()["stream_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await redis_client.xlen(names.custody_events) == 2  # the held booking and the release, once each


async def test_the_hold_is_kept_at_most_the_longest_hold_and_the_retention_after_the_release(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    day = 24 * 3600
    await api.post(URL, json=samples.booking(charges=[MISDEMEANOR]))  # held, nothing published
    held_for = await redis_client.ttl(names.policy_booking(STRICT_FACILITY, "2026-004512"))

    # Released an hour ago (a fixed date would make the retention after it run out as the calendar moves on).
    released_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    await api.post(URL, json=samples.release(occurred_at=released_at))  # withheld too (a misdemeanor): reported
    kept_for = await redis_client.ttl(names.policy_booking(STRICT_FACILITY, "2026-004512"))

    assert 0 < held_for <= 400 * day  # RW_POLICY_HOLD_DAYS from the booking's first event
    assert 29 * day < kept_for <= 30 * day  # RW_BOOKING_RETENTION_DAYS from the release
    assert await redis_client.xlen(names.custody_events) == 0
