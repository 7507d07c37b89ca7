"""Reviewing possible matches: a duty officer confirms or rejects, and the alerts follow.

The booked person is the detainer's subject but for a birth date one day off, and neither record
carries an identifier: the matcher sends the pair to review. Everything is driven as in production
(events and detainers through the ingest API with API keys, reviews through the alert endpoints,
the notifier's processors reading the streams with its consumer group) and asserted through what the
duty officer reads from ``/v1/alerts``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from contracts import Person, RedisNames, ReviewDecision
from contracts.stored_fields import EntryField
from notifier.bootstrap import build_notifier
from notifier.domain.reviews import BookingReview
from notifier.handlers.bookings import Bookings
from notifier.matching import decide
from store.bookings import BookingKey, StoredBooking
from tests import samples
from tests.integration.ingest.support import assert_problem
from tests.integration.notifier.desks import Desk, booked_for_review, booked_with_a_typo, wanted_person
from tests.integration.notifier.support import (
    DESK,
    RETENTION_SECONDS,
    AlertStoreWithAWindow,
    NotifierInstance,
    Outcome,
    Streams,
    WiredNotifier,
    as_,
    build_ports,
    catch_up,
    eventually,
    settings_for,
    without_identifiers_but,
)

DETAINER_ID = "LOS-2026-000871"
FACILITY, BOOKING_NUMBER = "CA0194200", "2026-004512"  # the sample booking's


# --- what the officer reviews ---------------------------------------------------------------------


async def test_a_booking_that_only_possibly_matches_raises_one_open_possible_match_for_review(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    await booked_for_review(desk, notifier, streams, samples.release_scheduled())

    alert = await desk.possible_match()
    assert alert["status"] == "open"
    assert alert["review"] is None
    assert alert["match"]["decision"] == "possible_match"
    assert ("date_of_birth", "day_or_month_typo") in [(f["field"], f["level"]) for f in alert["match"]["fields"]]


# --- confirming ---------------------------------------------------------------------------------


async def test_confirming_a_possible_match_raises_the_alerts_of_a_match_with_the_evidence_the_officer_saw(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams, samples.release_scheduled())
    shown = await desk.possible_match()

    answer = await desk.confirm(alert_id)
    await catch_up(notifier, streams)

    assert answer.status_code == 200, answer.text
    assert "Idempotent-Replayed" not in answer.headers
    assert await desk.kinds() == ["in_custody", "possible_match", "release_scheduled"]
    reviewed = await desk.possible_match()
    assert reviewed == answer.json()
    assert reviewed["status"] == "acknowledged"
    assert (reviewed["acknowledged_by"], reviewed["acknowledged_at"]) == (DESK, reviewed["review"]["reviewed_at"])
    assert reviewed["review"]["decision"] == "confirmed"
    assert reviewed["review"]["reviewed_by"] == DESK
    assert reviewed["outcome"] is None
    in_custody = await desk.alert("in_custody")
    assert in_custody["status"] == "open"
    assert in_custody["trigger"] == "match_confirmed"
    assert (in_custody["detainer_id"], in_custody["booking_number"]) == (DETAINER_ID, shown["booking_number"])
    assert in_custody["match"] == {**shown["match"], "decision": "match", "rule": "confirmed"}
    assert (await desk.alert("release_scheduled"))["scheduled_release_at"] == "2026-11-24T09:00:00-08:00"


async def test_a_possible_match_withdrawn_by_a_correction_cannot_be_confirmed_into_alerts_about_someone_else(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    # The facility corrects the booking to another man; an officer clicks Confirm on a row the page had not
    # refreshed yet. Confirming it would raise in_custody about the other man.
    alert_id = await booked_for_review(desk, notifier, streams)
    someone_else = samples.person(
        last_name="SMITH", first_name="JOHN", middle_name=None, date_of_birth="1971-02-03", aliases=[]
    ) | {"a_number": "A099999999", "fbi_number": "654321CD7", "state_id": {"state": "CA", "number": "B7654321"}}
    await desk.submit(samples.booking_updated(event_id="evt-fix", person=someone_else))
    await catch_up(notifier, streams)
    assert (await desk.possible_match())["outcome"] == "not_the_person"

    answer = await desk.confirm(alert_id)
    await catch_up(notifier, streams)

    problem = assert_problem(answer, 409, "alert-lifecycle-conflict")
    assert "not the detainer's subject" in problem["detail"]
    assert await desk.kinds() == ["possible_match"]
    assert (await desk.possible_match())["review"] is None


async def test_after_a_confirmation_a_later_release_raises_released(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    assert (await desk.confirm(alert_id)).status_code == 200
    await catch_up(notifier, streams)

    await desk.submit(samples.release())
    await catch_up(notifier, streams)

    assert await desk.kinds() == ["in_custody", "possible_match", "released"]
    released = await desk.alert("released")
    assert released["trigger"] == "custody_event"
    assert released["event_id"] == "evt-0005"
    assert (released["match"]["decision"], released["match"]["rule"]) == ("match", "confirmed")


async def test_a_confirmation_outlasts_a_correction_after_which_the_matcher_proposes_nothing(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    """People's decisions outrank the matcher: once an officer confirmed the pair, the booking's release is
    alerted even if a correction since leaves the matcher proposing no detainer for it."""
    alert_id = await booked_for_review(desk, notifier, streams)
    assert (await desk.confirm(alert_id)).status_code == 200
    await catch_up(notifier, streams)
    corrected = {**booked_with_a_typo(), "first_name": "MARIO", "date_of_birth": "1971-08-02"}
    await desk.submit(samples.booking_updated(person=corrected, charges=None))
    await catch_up(notifier, streams)
    assert await desk.kinds() == ["in_custody", "possible_match"]  # the correction itself raises nothing

    await desk.submit(samples.release())
    await catch_up(notifier, streams)

    assert await desk.kinds() == ["in_custody", "possible_match", "released"]
    released = await desk.alert("released")
    assert (released["detainer_id"], released["match"]["rule"]) == (DETAINER_ID, "confirmed")


async def test_a_release_that_came_before_the_confirmation_is_alerted_once_confirmed(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams, samples.release_scheduled(), samples.release())

    assert (await desk.confirm(alert_id)).status_code == 200
    await catch_up(notifier, streams)

    assert await desk.kinds() == ["in_custody", "possible_match", "release_scheduled", "released"]


async def test_confirming_twice_answers_the_same_alert_and_raises_nothing_new(
    desk: Desk, notifier: NotifierInstance, streams: Streams, outcome: Outcome, redis_client: Redis, names: RedisNames
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    first = await desk.confirm(alert_id)
    review_entries = await streams.new_alert_reviews()
    await notifier.reviews.process(review_entries)
    raised = len(await outcome.alerts_raised())

    again = await desk.confirm(alert_id)
    await notifier.reviews.process(review_entries)  # the review message redelivered, too
    await catch_up(notifier, streams)

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert await redis_client.xlen(names.alert_reviews) == 1
    assert len(await outcome.alerts_raised()) == raised
    assert await desk.kinds() == ["in_custody", "possible_match"]


async def test_a_confirmed_pair_the_matcher_later_matches_on_its_own_raises_nothing_twice(
    desk: Desk, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    assert (await desk.confirm(alert_id)).status_code == 200
    await catch_up(notifier, streams)

    corrected = samples.booking_updated(person=wanted_person())  # the jail fixes the birth date
    await desk.submit(corrected)
    await catch_up(notifier, streams)

    assert await desk.kinds() == ["in_custody", "possible_match"]
    assert [raised.alert.kind.value for raised in await outcome.alerts_raised()] == ["possible_match", "in_custody"]


async def test_confirming_a_possible_match_whose_detainer_was_lifted_since_raises_nothing(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    await desk.lift()

    assert (await desk.confirm(alert_id)).status_code == 200
    await catch_up(notifier, streams)

    assert await desk.kinds() == ["possible_match"]


# --- rejecting ----------------------------------------------------------------------------------


async def test_rejecting_resolves_the_possible_match_as_not_the_person(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)

    answer = await desk.reject(alert_id)
    await catch_up(notifier, streams)

    assert answer.status_code == 200, answer.text
    alert = await desk.possible_match()
    assert alert == answer.json()
    assert (alert["status"], alert["outcome"], alert["resolved_by"]) == ("resolved", "not_the_person", DESK)
    assert alert["review"]["decision"] == "rejected"
    assert await desk.kinds(status="open") == []
    assert await desk.kinds(status="resolved") == ["possible_match"]


async def test_after_a_rejection_nothing_is_raised_for_that_detainer_on_that_booking_again(
    desk: Desk, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    assert (await desk.reject(alert_id)).status_code == 200
    await catch_up(notifier, streams)

    # Even a correction that makes the booked person match outright does not bring the detainer back.
    await desk.submit(samples.booking_updated(person=wanted_person()), samples.release_scheduled(), samples.transfer())
    await catch_up(notifier, streams)

    assert await desk.kinds() == ["possible_match"]
    assert len(await outcome.alerts_raised()) == 1


async def test_rejecting_a_possible_match_closes_what_was_raised_for_that_detainer_on_the_booking_once(
    desk: Desk, notifier: NotifierInstance, streams: Streams, outcome: Outcome
) -> None:
    """The booking first matched outright (in custody, a release scheduled); the jail then corrected the birth date
    and the matcher only possibly matches it. The officer rejects: the person booked is not the detainer's subject,
    so nothing raised for that detainer on that booking is left counting down or waiting to be acknowledged."""
    await desk.lodge()
    await desk.submit(samples.booking(person=wanted_person()), samples.release_scheduled())
    await catch_up(notifier, streams)
    await desk.submit(samples.booking_updated(person=booked_with_a_typo(), charges=None))
    await catch_up(notifier, streams)
    assert await desk.kinds(status="open") == ["in_custody", "possible_match", "release_scheduled"]

    assert (await desk.reject((await desk.possible_match())["alert_id"])).status_code == 200
    await catch_up(notifier, streams)
    await notifier.reviews.process(await streams.new_alert_reviews())  # nothing new: closes nothing twice

    assert await desk.kinds(status="open") == []
    for kind in ("in_custody", "release_scheduled"):
        closed = await desk.alert(kind)
        assert (closed["status"], closed["outcome"], closed["resolved_by"]) == ("resolved", "not_the_person", None)
        step = closed["timeline"][-1]
        assert (step["what"], step["by"]) == ("reviewed", DESK)
        assert step["detail"] == "possible match rejected: not the detainer's subject"
    assert (await desk.alert("release_scheduled"))["release_status"] == "cancelled"
    updates = await outcome.alerts_updated()
    assert sorted((update.alert.kind.value, update.change.value) for update in updates) == [
        ("in_custody", "reviewed"),
        ("release_scheduled", "reviewed"),
    ]


async def test_rejecting_a_possible_match_a_correction_since_made_outright_closes_the_in_custody_it_raised(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    """The jail corrected the birth date while the possible match waited: the matcher now matches outright and
    raised in custody. The officer's rejection outranks the matcher: the in custody is closed with it."""
    alert_id = await booked_for_review(desk, notifier, streams)
    await desk.submit(samples.booking_updated(person=wanted_person(), charges=None))
    await catch_up(notifier, streams)
    assert await desk.kinds(status="open") == ["in_custody", "possible_match"]

    assert (await desk.reject(alert_id)).status_code == 200
    await catch_up(notifier, streams)

    assert await desk.kinds(status="open") == []
    assert (await desk.alert("in_custody"))["outcome"] == "not_the_person"


async def test_one_offices_rejection_leaves_another_offices_alerts_on_the_same_booking_as_they_were(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    nyc_detainer = samples.detainer(detainer_id="NYC-2026-000042", field_office="NYC", person=wanted_person())
    assert (await desk.api.post("/v1/detainers", json=nyc_detainer, headers=as_("nyc"))).status_code == 201
    await desk.lodge()
    await desk.submit(samples.booking(person=wanted_person()))
    await catch_up(notifier, streams)
    await desk.submit(samples.booking_updated(person=booked_with_a_typo(), charges=None))
    await catch_up(notifier, streams)
    assert await desk.kinds("nyc", status="open") == ["in_custody", "possible_match"]

    assert (await desk.reject((await desk.possible_match())["alert_id"])).status_code == 200
    await catch_up(notifier, streams)

    assert await desk.kinds(status="open") == []
    assert await desk.kinds("nyc", status="open") == ["in_custody", "possible_match"]


async def test_a_rejection_also_holds_when_the_detainer_lodge_is_processed_after_it(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    await desk.lodge()
    await desk.submit(samples.booking(person=booked_with_a_typo()))
    await notifier.custody.process(await streams.new_custody_events())  # sees the detainer in the changelog
    alert_id = (await desk.possible_match())["alert_id"]
    assert (await desk.reject(alert_id)).status_code == 200
    await notifier.reviews.process(await streams.new_alert_reviews())
    await desk.submit(samples.booking_updated(person=wanted_person()))
    await notifier.custody.process(await streams.new_custody_events())

    await notifier.lodges.process(await streams.new_detainer_changes())  # the lodge, processed last

    assert await desk.kinds() == ["possible_match"]


# --- who may, and what may be reviewed ------------------------------------------------------------


@pytest.mark.parametrize("action", ["confirm", "reject"])
async def test_another_office_cannot_review_the_possible_match_it_cannot_see(
    desk: Desk, notifier: NotifierInstance, streams: Streams, redis_client: Redis, names: RedisNames, action: str
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    before = await desk.possible_match()

    answer = await desk.api.post(f"/v1/alerts/{alert_id}/{action}", headers=as_("nyc"))

    problem = assert_problem(answer, 404, "not-found")
    assert alert_id in problem["detail"]
    assert await desk.possible_match() == before
    assert await redis_client.xlen(names.alert_reviews) == 0


async def test_a_jail_cannot_review_a_possible_match(desk: Desk, notifier: NotifierInstance, streams: Streams) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)

    assert_problem(await desk.confirm(alert_id, holder="jail"), 403, "forbidden")
    assert (await desk.possible_match())["review"] is None


async def test_an_operator_reviews_any_office_s_possible_match(
    desk: Desk, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)

    answer = await desk.confirm(alert_id, holder="ops")
    await catch_up(notifier, streams)

    assert answer.json()["review"]["reviewed_by"] == "night operator"
    assert await desk.kinds() == ["in_custody", "possible_match"]


@pytest.mark.parametrize("action", ["confirm", "reject"])
async def test_reviewing_an_alert_that_is_not_a_possible_match_is_a_409_problem(
    desk: Desk, notifier: NotifierInstance, streams: Streams, redis_client: Redis, names: RedisNames, action: str
) -> None:
    await desk.lodge()
    await desk.submit(samples.booking(person=wanted_person()))
    await catch_up(notifier, streams)
    alert = await desk.alert("in_custody")

    answer = await desk.api.post(f"/v1/alerts/{alert['alert_id']}/{action}", headers=as_("los"))

    problem = assert_problem(answer, 409, "not-reviewable")
    assert "in_custody" in problem["detail"]
    assert await desk.alert("in_custody") == alert
    assert await redis_client.xlen(names.alert_reviews) == 0


@pytest.mark.parametrize(("first", "then"), [("confirm", "reject"), ("reject", "confirm")])
async def test_deciding_a_possible_match_the_other_way_is_a_409_problem_naming_the_first_decision(
    desk: Desk, notifier: NotifierInstance, streams: Streams, first: str, then: str
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    decided = await desk.api.post(f"/v1/alerts/{alert_id}/{first}", headers=as_("los"))
    await catch_up(notifier, streams)
    kinds = await desk.kinds()

    answer = await desk.api.post(f"/v1/alerts/{alert_id}/{then}", headers=as_("ops"))
    await catch_up(notifier, streams)

    problem = assert_problem(answer, 409, "review-conflict")
    assert problem["review"] == decided.json()["review"]
    assert await desk.possible_match() == decided.json()
    assert await desk.kinds() == kinds


async def test_reviewing_an_unknown_alert_is_a_404_problem(desk: Desk) -> None:
    assert_problem(await desk.confirm("al_nothing_here"), 404, "not-found")


async def test_every_review_is_in_the_audit_trail(desk: Desk, notifier: NotifierInstance, streams: Streams) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    await desk.confirm(alert_id)
    await desk.confirm(alert_id)  # a replay is not a second action

    trail = (await desk.api.get("/v1/ops/audit", headers=as_("ops"))).json()

    reviews = [entry for entry in trail["entries"] if entry["action"].startswith("alert.") and entry["actor"] == DESK]
    assert [(entry["actor"], entry["action"], entry["target"]) for entry in reviews] == [
        (DESK, "alert.confirmed", alert_id)
    ]


async def test_an_entry_on_the_review_stream_that_is_no_review_is_dead_lettered_with_the_reason(
    notifier: NotifierInstance, streams: Streams, outcome: Outcome, names: RedisNames
) -> None:
    foreign_id = await streams.append_raw_entry(names.alert_reviews, {"__data__": '{"type": "alert_reviewed"}'})

    report = await notifier.reviews.process(await streams.new_alert_reviews())

    assert (report.processed, report.dead_lettered) == (0, 1)
    ((_, letter),) = await outcome.dead_letters()
    assert (letter.stream, letter.message_id) == (names.alert_reviews, foreign_id)
    assert letter.reason.startswith("not a valid alert review")


# --- a review and an event of the booking at once -------------------------------------------------


class BookingStoreWithAWindow(Bookings):
    """Runs ``meanwhile`` (another notifier's work) right after its first read of a booking."""

    def __init__(self, client: Redis, names: RedisNames, *, meanwhile: Callable[[], Awaitable[object]]) -> None:
        super().__init__(client, names, retention_seconds=RETENTION_SECONDS)
        self._meanwhile: Callable[[], Awaitable[object]] | None = meanwhile

    async def load_many(self, bookings: Iterable[BookingKey]) -> dict[BookingKey, StoredBooking]:
        loaded = await super().load_many(bookings)
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        return loaded


async def test_a_confirmation_kept_while_a_release_is_being_saved_still_raises_released(
    desk: Desk, notifier: NotifierInstance, streams: Streams, second_client: Redis, names: RedisNames
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    assert (await desk.confirm(alert_id)).status_code == 200
    confirmation = await streams.new_alert_reviews()
    await desk.submit(samples.release())
    release = await streams.new_custody_events()

    # This notifier reads the booking (not confirmed yet); meanwhile another one keeps the confirmation
    # and reads the booking (not released yet). Neither may conclude there is nothing to raise.
    other = await NotifierInstance.start(
        build_ports(
            second_client,
            names,
            bookings=BookingStoreWithAWindow(
                second_client, names, meanwhile=lambda: notifier.reviews.process(confirmation)
            ),
        )
    )
    await other.custody.process(release)

    assert await desk.kinds() == ["in_custody", "possible_match", "released"]


async def test_a_release_saved_while_a_confirmation_is_being_kept_still_raises_released(
    desk: Desk, notifier: NotifierInstance, streams: Streams, second_client: Redis, names: RedisNames
) -> None:
    alert_id = await booked_for_review(desk, notifier, streams)
    assert (await desk.confirm(alert_id)).status_code == 200
    confirmation = await streams.new_alert_reviews()
    await desk.submit(samples.release())
    release = await streams.new_custody_events()

    other = await NotifierInstance.start(
        build_ports(
            second_client,
            names,
            bookings=BookingStoreWithAWindow(second_client, names, meanwhile=lambda: notifier.custody.process(release)),
        )
    )
    await other.reviews.process(confirmation)

    assert await desk.kinds() == ["in_custody", "possible_match", "released"]


async def test_a_rejection_another_notifier_processes_while_a_correction_is_raised_leaves_no_alert_open(
    desk: Desk, notifier: NotifierInstance, streams: Streams, second_client: Redis, names: RedisNames
) -> None:
    """The jail corrects the birth date, and the batch matches the booking outright (in custody) while the pair is
    not decided yet; the officer rejects the possible match, and the other notifier closes what it finds of the
    pair, before the batch writes its in custody: the office must not be left with an open alert about a person it
    said is not the detainer's subject."""
    alert_id = await booked_for_review(desk, notifier, streams)
    await desk.submit(samples.booking_updated(person=wanted_person(), charges=None))
    correction = await streams.new_custody_events()

    async def reject_and_process_it() -> None:
        assert (await desk.reject(alert_id)).status_code == 200
        await notifier.reviews.process(await streams.new_alert_reviews())

    correcting = await NotifierInstance.start(
        build_ports(
            second_client, names, alerts=AlertStoreWithAWindow(second_client, names, before=reject_and_process_it)
        )
    )
    await correcting.custody.process(correction)

    assert await desk.kinds(status="open") == []
    closed = await desk.alert("in_custody")
    assert (closed["status"], closed["outcome"]) == ("resolved", "not_the_person")
    assert closed["timeline"][-1]["detail"] == "possible match rejected: not the detainer's subject"


# --- the notifier as it runs ----------------------------------------------------------------------


async def test_the_running_notifier_acts_on_a_confirmation(desk: Desk, redis_url: str) -> None:
    wired = WiredNotifier(build_notifier(settings_for(redis_url)))
    try:
        await wired.start()
        await desk.lodge()
        await desk.submit(samples.booking(person=booked_with_a_typo()))
        (alert,) = await eventually(desk.alerts, bool, what="the possible match")

        assert (await desk.confirm(alert["alert_id"])).status_code == 200

        kinds = await eventually(desk.kinds, lambda kinds: "in_custody" in kinds, what="the in_custody alert")
    finally:
        await wired.stop()
    assert kinds == ["in_custody", "possible_match"]


async def test_a_lodge_raises_the_alerts_of_a_pair_an_officer_confirmed_that_the_matcher_would_not_decide_on(
    desk: Desk, notifier: NotifierInstance, streams: Streams, redis_client: Redis, names: RedisNames
) -> None:
    """A lodge passes over the bookings it finds whose person is not even a possible match for its subject, but
    never one on which a person confirmed the pair: the confirmation outranks the matcher there too."""
    born_apart = samples.person(**without_identifiers_but(), date_of_birth="1961-04-17", aliases=[])
    await desk.submit(samples.booking(person=born_apart))  # the same names and day of the year: found by a lodge
    await catch_up(notifier, streams)
    await desk.lodge()
    (lodge,) = await streams.new_detainer_changes()
    detainer_ref = lodge.field(EntryField.DETAINER_REF)
    assert detainer_ref is not None
    await notifier.ports.detainers.sync()
    assert not notifier.ports.detainers.could_match(Person.model_validate(born_apart, strict=False), detainer_ref)
    bookings = Bookings(redis_client, names, retention_seconds=RETENTION_SECONDS)
    (stored,) = (await bookings.load_many([(FACILITY, BOOKING_NUMBER)])).values()
    wanted = Person.model_validate(wanted_person(), strict=False)
    evidence = decide(wanted, wanted)
    assert evidence is not None
    confirmed = BookingReview(
        detainer_id=DETAINER_ID,
        detainer_ref=detainer_ref,
        field_office="LOS",
        facility_ori=FACILITY,
        booking_number=BOOKING_NUMBER,
        decision=ReviewDecision.CONFIRMED,
        alert_id="al_reviewed",
        evidence=evidence,
        reviewed_by=DESK,
        reviewed_at=datetime(2026, 11, 30, tzinfo=UTC),
    )
    assert await bookings.save_review(stored, confirmed)

    await notifier.lodges.process([lodge])

    assert await desk.kinds() == ["in_custody"]
    assert (await desk.alert("in_custody"))["match"]["rule"] == "confirmed"
