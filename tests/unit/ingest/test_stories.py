"""How a story reads: where the person is, and which of its alerts to act on first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    AlertStep,
    AlertTrigger,
    MatchDecision,
    MatchEvidence,
    ReleaseReason,
    TimelineEntry,
)
from ingest.stories.story import headline_of, tell_story

OLD, NEW = ("CA0194200", "2026-004512"), ("CA0190000", "2026-B-0077")
NOW = datetime.fromisoformat("2026-11-23T12:00:00+00:00")


def alert(kind: AlertKind, occurred_at: str, booking: tuple[str, str] = OLD, **fields: Any) -> Alert:
    return Alert(
        alert_id=f"al_{kind.value}_{booking[1]}_{occurred_at}",
        kind=kind,
        field_office="LOS",
        detainer_id="LOS-2026-000871",
        facility_ori=booking[0],
        booking_number=booking[1],
        raised_at=datetime.fromisoformat("2026-11-25T12:00:00+00:00"),
        occurred_at=datetime.fromisoformat(occurred_at),
        trigger=AlertTrigger.CUSTODY_EVENT,
        story_id="st_one",
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
        **fields,
    )


def schedule(known_at: str, release_at: str, booking: tuple[str, str] = OLD, **fields: Any) -> Alert:
    return alert(
        AlertKind.RELEASE_SCHEDULED,
        known_at,
        booking,
        scheduled_release_at=datetime.fromisoformat(release_at),
        **fields,
    )


def test_the_release_still_scheduled_heads_the_story_over_the_later_booking() -> None:
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00")
    release = schedule("2026-11-21T10:00:00+00:00", "2026-11-24T09:00:00+00:00")

    assert headline_of([booked, release]) == release


def test_of_a_rescheduled_release_the_schedule_known_last_stands() -> None:
    first = schedule("2026-11-21T10:00:00+00:00", "2026-11-24T09:00:00+00:00")
    moved_later = schedule("2026-11-22T10:00:00+00:00", "2026-11-27T09:00:00+00:00")

    assert headline_of([first, moved_later]) == moved_later


def test_a_schedule_at_a_facility_the_person_left_gives_way_to_the_latest_alert() -> None:
    release = schedule("2026-11-21T10:00:00+00:00", "2026-11-24T09:00:00+00:00")
    transferred = alert(AlertKind.TRANSFERRED, "2026-11-22T07:00:00+00:00", to_facility_ori=NEW[0])
    booked_there = alert(AlertKind.IN_CUSTODY, "2026-11-22T11:00:00+00:00", NEW)

    story = tell_story(now=NOW, story_id="st_one", alerts=[release, transferred, booked_there])

    assert story.headline == booked_there
    assert (story.facility_ori, story.booking_number) == NEW
    assert story.alerts == [booked_there, transferred, release]


def test_resolved_alerts_never_head_a_story_while_another_is_unresolved() -> None:
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00")
    release = schedule("2026-11-21T10:00:00+00:00", "2026-11-24T09:00:00+00:00", status=AlertStatus.RESOLVED)

    story = tell_story(now=NOW, story_id="st_one", alerts=[booked, release])

    assert story.headline == booked
    assert story.open_alerts == 1


def test_after_a_transfer_the_person_is_at_the_new_facility_with_no_booking_yet() -> None:
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00")
    transferred = alert(AlertKind.TRANSFERRED, "2026-11-22T07:00:00+00:00", to_facility_ori=NEW[0])

    story = tell_story(now=NOW, story_id="st_one", alerts=[booked, transferred])

    assert (story.facility_ori, story.booking_number) == (NEW[0], None)
    assert story.headline == transferred


def test_a_possible_match_elsewhere_does_not_move_the_person() -> None:
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00")
    suggestion = alert(AlertKind.POSSIBLE_MATCH, "2026-11-23T08:00:00+00:00", NEW)

    story = tell_story(now=NOW, story_id="st_one", alerts=[booked, suggestion])

    assert (story.facility_ori, story.booking_number) == OLD
    assert story.headline == suggestion  # still the newest thing to act on: someone must review it


def test_a_lifted_detainers_story_says_so_even_after_the_news_of_it_was_delivered() -> None:
    """The webhook's delivery of the update appends a step after the lift's: the row still reads lifted, with no
    countdown and nothing to review."""
    lifted_at = datetime.fromisoformat("2026-11-23T11:00:00+00:00")
    steps = (
        TimelineEntry(at=lifted_at, what=AlertStep.DETAINER_LIFTED, detail="detainer lifted: custody_assumed"),
        TimelineEntry(at=NOW, what=AlertStep.DELIVERED, detail="webhook alert_updated detainer_lifted"),
    )
    closed = {"status": AlertStatus.RESOLVED, "outcome": AlertOutcome.DETAINER_LIFTED, "timeline": steps}
    story = tell_story(
        "st_one",
        [
            alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00", **closed),
            schedule("2026-11-21T08:00:00+00:00", "2026-11-24T17:00:00+00:00", **closed),
            alert(AlertKind.POSSIBLE_MATCH, "2026-11-20T08:00:00+00:00", **closed),
        ],
        now=NOW,
    )

    assert (story.now.state, story.now.summary, story.now.at) == (
        "detainer_lifted",
        "detainer lifted 1 h ago",
        lifted_at,
    )
    assert story.now.needs_review is False


def _not_the_person(**fields: Any) -> dict[str, Any]:
    return {"status": AlertStatus.RESOLVED, "outcome": AlertOutcome.NOT_THE_PERSON, **fields}


def test_an_alert_found_to_be_about_someone_else_does_not_move_the_person() -> None:
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00", status=AlertStatus.RESOLVED)
    mistaken = alert(AlertKind.IN_CUSTODY, "2026-11-22T11:00:00+00:00", NEW, **_not_the_person())

    story = tell_story(now=NOW, story_id="st_one", alerts=[booked, mistaken])

    assert (story.facility_ori, story.booking_number) == OLD
    assert (story.now.state, story.now.facility_ori) == ("in_custody", OLD[0])
    assert story.headline == booked  # every alert resolved: the latest about the subject


def test_a_story_of_alerts_all_about_someone_else_has_nothing_to_act_on_or_review() -> None:
    rejected = alert(AlertKind.POSSIBLE_MATCH, "2026-11-20T08:00:00+00:00", **_not_the_person())
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00", **_not_the_person())
    withdrawn = schedule("2026-11-21T10:00:00+00:00", "2026-11-24T09:00:00+00:00", **_not_the_person())

    for alerts in ([rejected], [withdrawn, booked]):
        story = tell_story(now=NOW, story_id="st_one", alerts=alerts)

        assert (story.now.state, story.now.summary) == ("not_the_person", "not the detainer's subject")
        assert story.now.at is None


def test_a_possible_match_withdrawn_by_a_correction_is_no_longer_one_to_review() -> None:
    """Closed by releasewatch when the facility corrected the person booked: nobody reviewed it, and nobody is to."""
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00")
    step = TimelineEntry(at=NOW, what=AlertStep.IDENTITY_CORRECTED, detail="corrected", event_id="evt-fix")
    withdrawn = alert(AlertKind.POSSIBLE_MATCH, "2026-11-22T08:00:00+00:00", NEW, **_not_the_person(timeline=(step,)))

    assert tell_story(now=NOW, story_id="st_one", alerts=[booked, withdrawn]).now.needs_review is False
    assert tell_story(now=NOW, story_id="st_one", alerts=[withdrawn]).now.needs_review is False


def test_a_release_inferred_from_a_roster_says_the_person_was_missing_from_it_not_when_they_left() -> None:
    # The roster drawn up 3 h ago no longer listed the booking: the person left by then, when is not known.
    booked = alert(AlertKind.IN_CUSTODY, "2026-11-20T08:00:00+00:00")
    inferred = alert(
        AlertKind.RELEASED,
        "2026-11-23T09:00:00+00:00",
        released_at=datetime.fromisoformat("2026-11-23T09:00:00+00:00"),
        release_reason=ReleaseReason.INFERRED_FROM_ROSTER,
        notice_given=False,
        released_without_notice=True,
    )

    story = tell_story(now=NOW, story_id="st_one", alerts=[booked, inferred])

    assert story.now.state.value == "released"
    assert story.now.summary == "missing from the roster of 3 h ago: left by then, without notice"
    assert "released 3 h ago" not in story.now.summary
