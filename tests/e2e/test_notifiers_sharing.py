"""`releasewatch run --notifiers 2`: two notifier processes share the custody stream, and an office still sees
each alert once.

A burst of bookings is read in small batches, so both notifiers take part of it; each detainer's subject is
booked in the first burst and sent again under a new event id in a second (as a source re-sending its feed does),
so the two copies may well be read by different notifiers. The office sees exactly one in_custody alert a
detainer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from contracts import NOTIFIER_GROUP, RedisNames
from tests import samples
from tests.e2e.system import RunningSystem, alerts_of, events_processed, eventually, start_system
from tests.redis_for_tests import RedisForTests

pytestmark = pytest.mark.e2e

OFFICE = "SEA"
SUBJECT_SURNAMES = ["OKONKWO", "TANAKA", "LINDQVIST", "MBEKI", "ABERNATHY", "KOWALCZYK"]
OTHERS = 300  # bookings of people no detainer names
GIVEN = ["ANA", "BRUNO", "CARLA", "DIEGO", "ELENA", "FABIO", "GLORIA", "HUGO", "IRENE", "JULIO"]


@pytest.fixture
def two_notifiers(redis_server: RedisForTests, tmp_path: Path) -> Iterator[RunningSystem]:
    with redis.Redis.from_url(redis_server.url) as client:
        client.flushdb()
    # Small batches: a burst of a few hundred events is read in dozens of reads, which both notifiers answer.
    # A consumer name set for the notifiers: the first takes it, the second carries its number after it.
    settings = {"RW_BATCH_SIZE": "5", "RW_CONSUMER_NAME": "desk"}
    system = start_system(tmp_path, redis_url=redis_server.url, env_extra=settings, notifiers=2)
    try:
        yield system
    finally:
        system.stop()


def _subject(number: int) -> dict[str, Any]:
    return samples.person(
        last_name=SUBJECT_SURNAMES[number], first_name="MARIA", middle_name=None, aliases=[], fbi_number=None,
        state_id=None, date_of_birth=f"198{number}-03-1{number}", a_number=f"A2{number:08d}",
    )  # fmt: skip


def _other(number: int) -> dict[str, Any]:
    return samples.person(
        last_name="QUINTERO", first_name=GIVEN[number % len(GIVEN)], middle_name=None, aliases=[], fbi_number=None,
        state_id=None, date_of_birth=f"{1950 + number % 40}-0{1 + number % 9}-1{number % 10}",
        a_number=f"A3{number:08d}",
    )  # fmt: skip


def _booking(event_id: str, booking_number: str, person: dict[str, Any]) -> dict[str, Any]:
    return samples.booking(event_id=event_id, booking_number=booking_number, person=person, charges=[])


def test_two_notifiers_share_a_burst_and_raise_each_alert_once(two_notifiers: RunningSystem) -> None:
    system = two_notifiers
    assert len(system.notifiers) == 2
    with httpx.Client(base_url=system.api, timeout=30) as api:
        for number in range(len(SUBJECT_SURNAMES)):
            lodged = api.post(
                "/v1/detainers",
                json=samples.detainer(
                    detainer_id=f"{OFFICE}-2026-{number:06d}", field_office=OFFICE, person=_subject(number)
                ),
            )
            assert lodged.status_code == 201, lodged.text
        first = [_booking(f"other-{n}", f"2026-9{n:05d}", _other(n)) for n in range(OTHERS)]
        subjects = [_booking(f"subject-{n}", f"2026-8{n:05d}", _subject(n)) for n in range(len(SUBJECT_SURNAMES))]
        first[::50] = subjects  # spread among the others
        again = [{**event, "event_id": event["event_id"] + "-resent"} for event in subjects]
        for batch in (first, again):
            answer = api.post("/v1/custody-events:batch", json=batch)
            assert answer.status_code in (200, 202), answer.text
            assert all(result["status"] == "accepted" for result in answer.json()["results"]), answer.text
        posted = len(first) + len(again)

        def processed() -> list[int] | None:
            counts = [events_processed(system, notifier) for notifier in system.notifiers]
            return counts if sum(counts) >= posted else None

        counts = eventually(processed, what=f"the notifiers to process {posted} events")
        alerts = alerts_of(api, OFFICE)

    with redis.Redis.from_url(system.redis_url, decode_responses=True) as client:
        consumers = client.xinfo_consumers(RedisNames().custody_events, NOTIFIER_GROUP)
    assert sorted(consumer["name"] for consumer in consumers) == ["desk", "desk-2"]
    assert all(count > 0 for count in counts), f"one notifier took the whole burst: {counts}"
    assert sum(counts) == posted
    assert sorted((alert["detainer_id"], alert["kind"]) for alert in alerts) == [
        (f"{OFFICE}-2026-{number:06d}", "in_custody") for number in range(len(SUBJECT_SURNAMES))
    ]
