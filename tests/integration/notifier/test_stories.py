"""Stories: several alerts on one person read as one story, on `/v1/stories` and on the alert stream.

Driven as in production: detainers and custody events through the ingest API with API keys, the
notifier's processors reading the streams, and what the duty officer reads from `/v1/stories`,
`/v1/alerts` and the `alert_raised` messages channels deliver from.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests import samples
from tests.integration.ingest.support import assert_problem
from tests.integration.notifier.desks import Desk, booked_for_review
from tests.integration.notifier.support import (
    FIXED_NOW,
    NotifierInstance,
    Outcome,
    Streams,
    as_,
    catch_up,
    without_identifiers_but,
)

OLD_FACILITY, NEW_FACILITY = "CA0194200", "CA0190000"
NEW_BOOKING = "2026-B-0077"


class StoryDesk(Desk):
    async def lodge_detainer(self, **overrides: Any) -> None:
        answer = await self.api.post("/v1/detainers", json=samples.detainer(**overrides), headers=as_("los"))
        assert answer.status_code == 201, answer.text

    async def submit_batch(self, *events: dict[str, Any]) -> None:
        answer = await self.api.post("/v1/custody-events:batch", json=list(events), headers=as_("jail"))
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"] == len(events), answer.text

    async def stories_answer(self, holder: str = "los", **query: str) -> httpx.Response:
        return await self.api.get("/v1/stories", params={"limit": 100, **query}, headers=as_(holder))

    async def stories(self, holder: str = "los", **query: str) -> list[dict[str, Any]]:
        answer = await self.stories_answer(holder, **query)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["stories"])

    async def story(self, story_id: str, holder: str = "los") -> httpx.Response:
        return await self.api.get(f"/v1/stories/{story_id}", headers=as_(holder))


@pytest.fixture
def desk(keyed_api: httpx.AsyncClient) -> StoryDesk:
    return StoryDesk(keyed_api)


def kinds_and_places(story: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(alert["kind"], alert["facility_ori"], alert["booking_number"]) for alert in story["alerts"]]


async def test_a_booking_and_a_scheduled_release_in_one_batch_are_one_story_headed_by_the_release(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    await desk.lodge_detainer()
    await desk.submit_batch(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)

    alerts = await desk.alerts()
    assert sorted(alert["kind"] for alert in alerts) == ["in_custody", "release_scheduled"]
    (story_id,) = {alert["story_id"] for alert in alerts}
    assert story_id is not None
    assert story_id.startswith("st_")
    (story,) = await desk.stories()
    assert story["story_id"] == story_id
    assert (story["detainer_id"], story["field_office"]) == ("LOS-2026-000871", "LOS")
    assert (story["facility_ori"], story["booking_number"]) == (OLD_FACILITY, "2026-004512")
    assert story["headline"]["kind"] == "release_scheduled"
    assert story["headline"]["scheduled_release_at"] == "2026-11-24T09:00:00-08:00"
    assert [alert["kind"] for alert in story["alerts"]] == ["release_scheduled", "in_custody"]
    assert story["open_alerts"] == 2
    assert (await desk.story(story_id)).json() == story
    # Channels group too: every alert_raised message names the story.
    assert {message.alert.story_id for message in await outcome.alerts_raised()} == {story_id}


async def test_the_alert_listing_grouped_by_story_reads_the_same_stories(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    await desk.lodge_detainer()
    await desk.submit_batch(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)

    answer = await desk.api.get("/v1/alerts", params={"group": "story"}, headers=as_("los"))
    refused = await desk.api.get("/v1/alerts", params={"group": "story", "status": "open"}, headers=as_("los"))

    assert answer.status_code == 200, answer.text
    (story,) = answer.json()["stories"]
    assert story == (await desk.stories())[0]
    assert [alert["kind"] for alert in story["alerts"]] == ["release_scheduled", "in_custody"]
    assert_problem(refused, 422, "validation-error")


async def test_once_the_person_is_released_the_release_heads_the_story_not_the_schedule(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    await desk.lodge_detainer()
    await desk.submit_batch(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)
    await desk.submit(samples.release())
    await catch_up(notifier, streams)

    (story,) = await desk.stories()

    assert story["headline"]["kind"] == "released"
    assert [alert["kind"] for alert in story["alerts"]] == ["released", "release_scheduled", "in_custody"]


@pytest.mark.parametrize(
    "booked_as",
    [
        pytest.param(samples.person(), id="with-identifiers"),
        pytest.param(samples.person(**without_identifiers_but()), id="by-name-and-birth-date"),
    ],
)
async def test_a_transfer_and_the_booking_at_the_new_facility_continue_one_story(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams, booked_as: dict[str, Any]
) -> None:
    await desk.lodge_detainer()
    await desk.submit(samples.booking(), samples.transfer(to_facility_ori=NEW_FACILITY))
    await catch_up(notifier, streams)

    (moved,) = await desk.stories()
    assert moved["headline"]["kind"] == "transferred"
    assert moved["headline"]["to_facility_ori"] == NEW_FACILITY
    assert (moved["facility_ori"], moved["booking_number"]) == (NEW_FACILITY, None)  # not booked there yet

    await desk.submit(
        samples.booking(
            event_id="evt-0100",
            occurred_at="2026-11-22T11:30:00-08:00",
            facility_ori=NEW_FACILITY,
            booking_number=NEW_BOOKING,
            person=booked_as,
        )
    )
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert story["story_id"] == moved["story_id"]
    assert kinds_and_places(story) == [
        ("in_custody", NEW_FACILITY, NEW_BOOKING),
        ("transferred", OLD_FACILITY, "2026-004512"),
        ("in_custody", OLD_FACILITY, "2026-004512"),
    ]
    assert story["alerts"][1]["to_facility_ori"] == NEW_FACILITY
    assert (story["facility_ori"], story["booking_number"]) == (NEW_FACILITY, NEW_BOOKING)
    assert {alert["story_id"] for alert in await desk.alerts()} == {story["story_id"]}


@pytest.mark.parametrize("together", [False, True], ids=["one-by-one", "in-one-batch"])
async def test_a_release_the_old_facility_reports_after_the_transfer_is_no_release(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams, together: bool
) -> None:
    # A jail closes a booking it transferred with a release (reason: transfer) minutes after the transfer: the
    # person left by the transfer and is held at the new facility, not released without notice.
    closed_out = samples.release(
        event_id="evt-0007", occurred_at="2026-11-22T07:10:00-08:00", release_reason="transfer"
    )
    await desk.lodge_detainer()
    await desk.submit(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)
    if together:
        await desk.submit_batch(samples.transfer(to_facility_ori=NEW_FACILITY), closed_out)
    else:
        await desk.submit(samples.transfer(to_facility_ori=NEW_FACILITY))
        await catch_up(notifier, streams)
        await desk.submit(closed_out)
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert [alert["kind"] for alert in story["alerts"]] == ["transferred", "release_scheduled", "in_custody"]
    assert story["now"]["state"] == "transferred"
    assert story["now"]["facility_ori"] == NEW_FACILITY
    schedule = story["alerts"][1]
    assert (schedule["release_status"], schedule["superseded_by"]) == ("cancelled", None)
    assert schedule["timeline"][-1]["detail"] == f"transferred to {NEW_FACILITY} before the release"


async def test_a_release_to_another_custody_with_no_transfer_event_reads_as_a_transfer_out(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    # The jail sends only a release whose reason is a transfer (to a state prison, another county): the person is
    # in someone's custody, the detainer follows them, and no notice was owed.
    await desk.lodge_detainer()
    await desk.submit(samples.booking())
    await catch_up(notifier, streams)
    await desk.submit(samples.release(release_reason="transfer"))
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert [alert["kind"] for alert in story["alerts"]] == ["released", "in_custody"]
    assert story["alerts"][0]["release_reason"] == "transfer"
    assert story["now"]["state"] == "transferred"
    assert story["now"]["summary"].startswith(f"transferred out of {OLD_FACILITY} ")
    assert story["now"]["summary"].endswith(" ago, destination not reported")
    assert story["now"]["facility_ori"] == OLD_FACILITY


@pytest.mark.parametrize("closed_by", ["release", "roster"])
async def test_a_release_that_arrived_before_the_transfer_it_followed_is_withdrawn_once_the_transfer_arrives(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams, outcome: Outcome, closed_by: str
) -> None:
    """The jail closes the booking it moved (a release with reason transfer, or a roster without it) and its
    feed delivers that before the transfer itself. Once the transfer arrives the office sees what it sees when
    they come in order: the person moved, and no release from custody, nor a release with notice in its report."""
    await desk.lodge_detainer()
    await desk.submit(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)
    if closed_by == "release":
        await desk.submit(
            samples.release(event_id="evt-0007", occurred_at="2026-11-22T07:10:00-08:00", release_reason="transfer")
        )
    else:
        roster = {"roster_id": "roster-1122", "as_of": "2026-11-22T08:00:00-08:00", "booking_numbers": ["2026-000001"]}
        answer = await desk.api.post(f"/v1/facilities/{OLD_FACILITY}/roster", json=roster, headers=as_("jail"))
        assert answer.status_code == 202, answer.text
    await catch_up(notifier, streams)
    assert "released" in await desk.kinds(status="open")  # the release, as first told

    await desk.submit(samples.transfer(to_facility_ori=NEW_FACILITY))
    await catch_up(notifier, streams)
    await catch_up(notifier, streams)  # (nothing new: closes nothing twice)

    assert await desk.kinds(status="open") == ["in_custody", "transferred"]
    released = await desk.alert("released")
    assert (released["status"], released["outcome"]) == ("resolved", "release_superseded")
    step = released["timeline"][-1]
    assert (step["what"], step["event_id"]) == ("release_cancelled", "evt-0006")
    assert step["detail"] == f"transferred to {NEW_FACILITY} before the release: no release from custody"
    assert [update.alert.kind.value for update in await outcome.alerts_updated()].count("released") == 1
    (story,) = await desk.stories()
    assert (story["now"]["state"], story["now"]["facility_ori"]) == ("transferred", NEW_FACILITY)
    report = await desk.api.get(
        "/v1/reports/outcomes", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=as_("los")
    )
    (row,) = report.json()["facilities"]
    assert (row["facility_ori"], row["releases"], row["transferred"]) == (OLD_FACILITY, 0, 1)


async def test_a_detainer_lodged_after_the_transfer_finds_both_bookings_in_one_story(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    new_booking = samples.booking(
        event_id="evt-0100",
        occurred_at="2026-11-22T11:30:00-08:00",
        facility_ori=NEW_FACILITY,
        booking_number=NEW_BOOKING,
    )
    await desk.submit(samples.booking(), samples.transfer(to_facility_ori=NEW_FACILITY), new_booking)
    await catch_up(notifier, streams)

    await desk.lodge_detainer()
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert [alert["kind"] for alert in story["alerts"]] == ["in_custody", "transferred", "in_custody"]
    assert (story["facility_ori"], story["booking_number"]) == (NEW_FACILITY, NEW_BOOKING)


async def test_two_detainers_are_two_stories_newest_first_and_page_apart(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    await desk.lodge_detainer()
    await desk.submit(samples.booking())
    await catch_up(notifier, streams)
    other = samples.person(
        last_name="NGUYEN", first_name="THANH", middle_name=None, date_of_birth="1978-02-03", aliases=[],
        fbi_number="987654CD1", state_id={"state": "CA", "number": "B7654321"}, a_number="A098765432",
    )  # fmt: skip
    await desk.lodge_detainer(detainer_id="LOS-2026-000999", person=other)
    await desk.submit(
        samples.booking(event_id="evt-0200", booking_number="2026-009999", person=other),
        samples.release_scheduled(event_id="evt-0201", booking_number="2026-009999"),
    )
    a_minute_later = replace(notifier.ports, clock=lambda: FIXED_NOW + timedelta(minutes=1))
    await catch_up(await NotifierInstance.start(a_minute_later), streams)  # the newer story

    stories = await desk.stories()
    assert [story["detainer_id"] for story in stories] == ["LOS-2026-000999", "LOS-2026-000871"]
    assert len({story["story_id"] for story in stories}) == 2
    assert [len(story["alerts"]) for story in stories] == [2, 1]
    first = await desk.stories_answer(limit="1")
    second = await desk.stories_answer(limit="1", cursor=first.json()["next_cursor"])
    assert [story["detainer_id"] for story in first.json()["stories"] + second.json()["stories"]] == [
        "LOS-2026-000999",
        "LOS-2026-000871",
    ]
    assert second.json()["next_cursor"] is None


async def test_another_office_does_not_see_the_story(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    await desk.lodge_detainer()
    await desk.submit_batch(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)
    (story,) = await desk.stories()

    assert await desk.stories("nyc") == []
    assert_problem(await desk.story(story["story_id"], holder="nyc"), 404, "not-found")
    assert_problem(await desk.stories_answer("nyc", field_office="LOS"), 403, "forbidden")
    assert [entry["story_id"] for entry in await desk.stories("ops", field_office="LOS")] == [story["story_id"]]
    assert await desk.stories("ops", field_office="NYC") == []
    assert_problem(await desk.stories_answer("jail"), 403, "forbidden")


async def test_a_booking_corrected_to_someone_else_neither_moves_the_person_nor_reads_in_custody(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    """The subject is held at the old facility; a booking at another jail named them by mistake and was corrected
    to the person really booked there. The row still says where the subject is, not the jail of the mistake."""
    someone_else = samples.person(
        last_name="NGUYEN", first_name="THANH", middle_name=None, date_of_birth="1978-02-03", aliases=[],
        fbi_number="987654CD1", state_id={"state": "CA", "number": "B7654321"}, a_number="A098765432",
    )  # fmt: skip
    mistaken = {"facility_ori": NEW_FACILITY, "booking_number": NEW_BOOKING}
    await desk.lodge_detainer()
    await desk.submit(
        samples.booking(),
        samples.booking(event_id="evt-0100", occurred_at="2026-11-22T11:30:00-08:00", **mistaken),
    )
    await catch_up(notifier, streams)
    await desk.submit(
        samples.booking_updated(
            event_id="evt-0101", occurred_at="2026-11-22T12:00:00-08:00", person=someone_else, charges=None, **mistaken
        )
    )
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert kinds_and_places(story)[0] == ("in_custody", NEW_FACILITY, NEW_BOOKING)  # kept, closed: the record
    assert story["alerts"][0]["outcome"] == "not_the_person"
    assert (story["facility_ori"], story["booking_number"]) == (OLD_FACILITY, "2026-004512")
    assert (story["now"]["state"], story["now"]["facility_ori"]) == ("in_custody", OLD_FACILITY)
    assert story["headline"]["booking_number"] == "2026-004512"


async def test_a_story_whose_every_alert_was_about_someone_else_says_so(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    """The only booking that matched was corrected to someone else: the row no longer says the subject is in
    custody there."""
    someone_else = samples.person(
        last_name="NGUYEN", first_name="THANH", middle_name=None, date_of_birth="1978-02-03", aliases=[],
        fbi_number="987654CD1", state_id={"state": "CA", "number": "B7654321"}, a_number="A098765432",
    )  # fmt: skip
    await desk.lodge_detainer()
    await desk.submit(samples.booking(), samples.release_scheduled())
    await catch_up(notifier, streams)
    await desk.submit(samples.booking_updated(person=someone_else, charges=None))
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert {alert["outcome"] for alert in story["alerts"]} == {"not_the_person"}
    assert (story["now"]["state"], story["now"]["summary"]) == ("not_the_person", "not the detainer's subject")
    assert story["now"]["needs_review"] is False


async def test_a_rejected_possible_match_no_longer_reads_as_one_to_review(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    assert (await desk.reject(alert_id)).status_code == 200
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert (story["now"]["state"], story["now"]["summary"]) == ("not_the_person", "not the detainer's subject")
    assert story["now"]["needs_review"] is False


async def test_a_possible_match_withdrawn_by_a_correction_no_longer_reads_as_one_to_review(
    desk: StoryDesk, notifier: NotifierInstance, streams: Streams
) -> None:
    someone_else = samples.person(
        last_name="NGUYEN", first_name="THANH", middle_name=None, date_of_birth="1978-02-03", aliases=[],
        fbi_number="987654CD1", state_id={"state": "CA", "number": "B7654321"}, a_number="A098765432",
    )  # fmt: skip
    await booked_for_review(desk, notifier, streams)
    await desk.submit(samples.booking_updated(person=someone_else, charges=None))
    await catch_up(notifier, streams)

    (story,) = await desk.stories()
    assert story["alerts"][0]["outcome"] == "not_the_person"
    assert (story["now"]["state"], story["now"]["needs_review"]) == ("not_the_person", False)
