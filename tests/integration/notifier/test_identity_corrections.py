"""A booking whose person the facility corrects: what was raised for a detainer it no longer matches is withdrawn.

Driven as in production: the detainer and the jail's events through the ingest API with API keys, the notifier's
processors reading the streams, and what the duty officer reads back through ``/v1/alerts``. The jail first books
the detainer's subject (JOSE LUIS GARCIA LOPEZ, his numbers), then corrects the booking to another man.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests import samples
from tests.integration.notifier.desks import Desk, booked_with_a_typo
from tests.integration.notifier.support import NotifierInstance, Outcome, Streams, as_, catch_up

SOMEONE_ELSE = samples.person(
    last_name="SMITH",
    first_name="JOHN",
    middle_name=None,
    date_of_birth="1971-02-03",
    place_of_birth="US",
    aliases=[],
    fbi_number="654321CD7",
    state_id={"state": "CA", "number": "B7654321"},
    a_number="A099999999",
)


def corrected(person: dict[str, Any] = SOMEONE_ELSE) -> dict[str, Any]:
    return samples.booking_updated(event_id="evt-fix", person=person)


class Office(Desk):
    async def lodge_matching(self) -> None:
        answer = await self.api.post("/v1/detainers", json=samples.detainer(), headers=as_("los"))
        assert answer.status_code == 201, answer.text

    async def read(self, alert_id: str) -> dict[str, Any]:
        answer = await self.api.get(f"/v1/alerts/{alert_id}", headers=as_("los"))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture
def office(keyed_api: httpx.AsyncClient) -> Office:
    return Office(keyed_api)


async def test_a_booking_corrected_to_someone_else_closes_its_alerts_and_tells_the_office_once(
    office: Office, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    await office.lodge_matching()
    await office.submit(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)
    raised = {alert["kind"]: alert for alert in await office.alerts()}
    assert set(raised) == {"in_custody", "release_scheduled"}

    await office.submit(corrected())
    await catch_up(notifier, streams)
    await office.submit(samples.release(event_id="evt-out"))  # the other man leaves: nothing for this office
    await catch_up(notifier, streams)

    for kind, before in raised.items():
        after = await office.read(before["alert_id"])
        assert (after["status"], after["outcome"], after["resolved_by"]) == ("resolved", "not_the_person", None)
        (step,) = [entry for entry in after["timeline"] if entry["what"] == "identity_corrected"]
        assert step["event_id"] == "evt-fix"
        if kind == "release_scheduled":
            assert after["release_status"] == "cancelled"  # no countdown left for a release of someone else
    assert await office.alerts(status="open") == []
    assert await office.alerts(release_status="scheduled") == []
    assert await office.kinds() == ["in_custody", "release_scheduled"]  # no released alert for the other man
    updates = await outcome.alerts_updated()
    assert sorted((update.alert.kind.value, update.change.value) for update in updates) == [
        ("in_custody", "identity_corrected"),
        ("release_scheduled", "identity_corrected"),
    ]

    await office.submit(corrected())  # the correction again: told once
    await catch_up(notifier, streams)
    assert len(await outcome.alerts_updated()) == 2


async def test_a_correction_in_the_same_batch_as_the_booking_raises_nothing_for_the_first_name(
    office: Office, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    await office.lodge_matching()
    await office.submit(samples.booking(), corrected())
    await catch_up(notifier, streams)

    assert await office.alerts() == []  # not raised and withdrawn: never raised
    assert await outcome.alerts_updated() == []


async def test_a_correction_that_keeps_the_subject_changes_nothing(
    office: Office, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    await office.lodge_matching()
    await office.submit(samples.booking())
    await catch_up(notifier, streams)

    # The middle name dropped, the A-number still his: the same man.
    await office.submit(corrected(person=samples.person(middle_name=None)))
    await catch_up(notifier, streams)

    (alert,) = await office.alerts(status="open")
    assert alert["kind"] == "in_custody"
    assert await outcome.alerts_updated() == []


async def test_a_match_a_person_confirmed_stays_whatever_the_correction(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    # Booked under a name that only possibly matches; the office confirms; the jail then corrects the name to one
    # the matcher would not take for him. The person's decision stands.
    await office.lodge()
    await office.submit(samples.booking(person=booked_with_a_typo()))
    await catch_up(notifier, streams)
    review = await office.possible_match()
    assert (await office.confirm(review["alert_id"])).status_code == 200
    await catch_up(notifier, streams)

    await office.submit(corrected())
    await catch_up(notifier, streams)

    assert "in_custody" in [alert["kind"] for alert in await office.alerts(status="open")]


async def test_a_correction_the_jail_takes_back_tells_the_office_the_subject_is_held_again(
    office: Office, notifier: NotifierInstance, streams: Streams, outcome: Outcome, keyed_api: httpx.AsyncClient
) -> None:
    # A clerk edits the wrong booking to another man, then puts it back: the detainer's subject never left.
    await office.lodge_matching()
    await office.submit(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)
    await office.submit(corrected())
    await catch_up(notifier, streams)

    undo = samples.booking_updated(
        event_id="evt-undo", occurred_at="2026-11-20T10:00:00-08:00", person=samples.person()
    )
    await office.submit(undo)
    await catch_up(notifier, streams)

    assert sorted(alert["kind"] for alert in await office.alerts(status="open")) == ["in_custody", "release_scheduled"]
    assert await office.alerts(release_status="scheduled") != []
    (story,) = (await keyed_api.get("/v1/stories", headers=as_("los"))).json()["stories"]
    # (told as of the reader's clock: the release time of the samples stands, gone by or not)
    assert story["now"]["state"] in ("release_scheduled", "release_time_passed")
    assert story["headline"]["kind"] == "release_scheduled"
    updates = await outcome.alerts_updated()
    assert sorted((update.alert.kind.value, update.change.value) for update in updates) == [
        ("in_custody", "identity_corrected"),
        ("in_custody", "identity_restored"),
        ("release_scheduled", "identity_corrected"),
        ("release_scheduled", "identity_restored"),
    ]
