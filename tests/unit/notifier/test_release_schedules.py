"""Where a release time stands, by the booking's facts, whatever order they arrived in."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from contracts import (
    Alert,
    AlertOutcome,
    AlertStatus,
    AlertStep,
    AlertTrigger,
    MatchDecision,
    MatchEvidence,
    ReleaseStatus,
)
from notifier.domain.alert_rules import alert_conditions, build_alert
from notifier.domain.custody import BookingState
from notifier.domain.release_schedules import closed, release_change
from tests.unit.notifier.builders import active_detainer, at, event, fold

GRACE = timedelta(minutes=60)
RELEASE_AT = at("2026-11-24T09:00:00-08:00")  # samples.release_scheduled
LATER_RELEASE = "2026-11-26T09:00:00-08:00"
BEFORE_RELEASE = RELEASE_AT - timedelta(hours=5)

EVIDENCE = MatchEvidence(decision=MatchDecision.MATCH, rule="identifier")


def schedule_alert(state: BookingState, release_at: str = "2026-11-24T09:00:00-08:00") -> Alert:
    """The release_scheduled alert of ``release_at`` as first raised for ``state``'s booking."""
    (condition,) = [
        c
        for c in alert_conditions(state, every_schedule_seen=True)
        if c.scheduled_release_at is not None and c.scheduled_release_at == at(release_at)
    ]
    return build_alert(
        condition,
        state,
        active_detainer(),
        EVIDENCE,
        trigger=AlertTrigger.CUSTODY_EVENT,
        event_id="evt-0003",
        raised_at=at("2026-11-21T10:00:01-08:00"),
    )


def moved(**overrides: Any) -> Any:
    """The release moved to a later time, a day after it was first scheduled."""
    fields = {"event_id": "evt-0007", "occurred_at": "2026-11-22T10:00:00-08:00", "scheduled_release_at": LATER_RELEASE}
    return event("release_scheduled", **{**fields, **overrides})


def change_of(state: BookingState, now: Any = BEFORE_RELEASE) -> tuple[ReleaseStatus, str | None, str | None] | None:
    change = release_change(schedule_alert(state), state, now=now, overdue_after=GRACE)
    return None if change is None else (change.status, change.event_id, change.superseded_by)


def test_a_release_time_nothing_replaced_stands_until_the_grace_after_it_has_run() -> None:
    state = fold(event("booking"), event("release_scheduled"))

    assert change_of(state) is None
    assert change_of(state, now=RELEASE_AT + GRACE - timedelta(seconds=1)) is None
    assert change_of(state, now=RELEASE_AT + GRACE) == (ReleaseStatus.PASSED, None, None)
    assert change_of(state, now=None) is None  # without a clock only the facts are judged


def test_a_cancellation_cancels_it_naming_the_cancellation() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release_cancelled"))

    assert change_of(state) == (ReleaseStatus.CANCELLED, "evt-0004", None)


def test_a_new_release_time_reschedules_it_pointing_to_the_new_times_alert() -> None:
    state = fold(event("booking"), event("release_scheduled"), moved())

    assert change_of(state) == (ReleaseStatus.RESCHEDULED, "evt-0007", schedule_alert(state, LATER_RELEASE).alert_id)


def test_a_release_releases_it_pointing_to_the_released_alert() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release"))

    status, event_id, superseded_by = change_of(state) or (None, None, None)
    (released,) = [c for c in alert_conditions(state) if c.kind.value == "released"]
    released_alert = build_alert(
        released,
        state,
        active_detainer(),
        EVIDENCE,
        trigger=AlertTrigger.CUSTODY_EVENT,
        event_id=None,
        raised_at=RELEASE_AT,
    )
    assert (status, event_id, superseded_by) == (ReleaseStatus.RELEASED, "evt-0005", released_alert.alert_id)


def test_a_transfer_before_the_release_cancels_it() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("transfer"))

    assert change_of(state) == (ReleaseStatus.CANCELLED, "evt-0006", None)


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(["release_cancelled"], id="cancelled"),
        pytest.param(["moved"], id="rescheduled"),
        pytest.param(["release"], id="released"),
        pytest.param(["moved", "release_cancelled"], id="cancelled-then-moved"),
        pytest.param(["moved", "release"], id="moved-then-released"),
    ],
)
def test_what_became_of_a_release_time_does_not_depend_on_the_order_its_facts_arrived_in(facts: list[str]) -> None:
    events = [event("booking"), event("release_scheduled"), *(moved() if f == "moved" else event(f) for f in facts)]

    outcomes = {change_of(fold(*order)) for order in itertools.permutations(events)}

    assert len(outcomes) == 1, outcomes


def test_a_schedule_cancelled_then_replaced_reads_cancelled_and_its_replacement_stands() -> None:
    later = moved(occurred_at="2026-11-21T14:00:00-08:00")  # after the cancellation at 12:00
    state = fold(event("booking"), event("release_scheduled"), event("release_cancelled"), later)

    assert change_of(state) == (ReleaseStatus.CANCELLED, "evt-0004", None)
    assert release_change(schedule_alert(state, LATER_RELEASE), state, now=BEFORE_RELEASE, overdue_after=GRACE) is None


def test_a_release_time_that_left_scheduled_never_changes_again() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release_cancelled"))
    alert = schedule_alert(state).model_copy(update={"release_status": ReleaseStatus.CANCELLED})

    released_since = fold(event("booking"), event("release_scheduled"), event("release_cancelled"), event("release"))

    assert release_change(alert, released_since, now=None, overdue_after=GRACE) is None


def test_closing_resolves_an_acknowledged_alert_keeping_the_acknowledgement_on_its_timeline() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release_cancelled"))
    acknowledged = schedule_alert(state).model_copy(
        update={"status": AlertStatus.ACKNOWLEDGED, "acknowledged_by": "LOS duty desk"}
    )
    change = release_change(acknowledged, state, now=None, overdue_after=GRACE)
    assert change is not None

    after = closed(acknowledged, change, at=BEFORE_RELEASE)

    assert (after.status, after.outcome, after.resolved_by) == (
        AlertStatus.RESOLVED,
        AlertOutcome.RELEASE_SUPERSEDED,
        None,
    )
    assert after.acknowledged_by == "LOS duty desk"
    assert after.timeline[-1].what is AlertStep.RELEASE_CANCELLED
    assert after.timeline[-1].event_id == "evt-0004"


def test_closing_an_alert_a_person_resolved_keeps_their_outcome() -> None:
    state = fold(event("booking"), event("release_scheduled"), event("release_cancelled"))
    resolved = schedule_alert(state).model_copy(
        update={"status": AlertStatus.RESOLVED, "outcome": AlertOutcome.CUSTODY_ASSUMED, "resolved_by": "LOS"}
    )
    change = release_change(resolved, state, now=None, overdue_after=GRACE)
    assert change is not None

    after = closed(resolved, change, at=BEFORE_RELEASE)

    assert (after.outcome, after.resolved_by, after.release_status) == (
        AlertOutcome.CUSTODY_ASSUMED,
        "LOS",
        ReleaseStatus.CANCELLED,
    )


# --- a release time announced again -------------------------------------------------------------------

AGAIN = "2026-11-23T10:00:00-08:00"  # a day after the time was moved (or cancelled)


def announced_again(**overrides: Any) -> Any:
    """The first release time announced again, after something superseded it."""
    return event("release_scheduled", **{"event_id": "evt-0009", "occurred_at": AGAIN, **overrides})


def schedules_of(state: BookingState) -> list[tuple[str, ReleaseStatus | None, str | None]]:
    """Each release_scheduled the state calls for, in the order announced: (its alert id, what became of it, the
    alert that superseded it)."""
    found = []
    for condition in alert_conditions(state, every_schedule_seen=True):
        if condition.scheduled_release_at is None:
            continue
        alert = build_alert(
            condition,
            state,
            active_detainer(),
            EVIDENCE,
            trigger=AlertTrigger.CUSTODY_EVENT,
            event_id=None,
            raised_at=at("2026-11-23T10:00:01-08:00"),
        )
        change = release_change(alert, state, now=BEFORE_RELEASE, overdue_after=GRACE)
        found.append(
            (
                condition.occurred_at,
                alert.alert_id,
                None if change is None else change.status,
                None if change is None else change.superseded_by,
            )
        )
    return [(alert_id, status, by) for _, alert_id, status, by in sorted(found)]


def test_a_time_announced_again_after_another_replaced_it_is_a_new_alert_that_stands_whatever_the_order() -> None:
    events = [event("booking"), event("release_scheduled"), moved(), announced_again()]

    outcomes = {tuple(schedules_of(fold(*order))) for order in itertools.permutations(events)}

    assert len(outcomes) == 1, outcomes
    ((first, first_became, first_by), (moved_id, moved_became, moved_by), (again, again_became, again_by)) = (
        outcomes.pop()
    )
    assert len({first, moved_id, again}) == 3
    assert (first_became, first_by) == (ReleaseStatus.RESCHEDULED, moved_id)
    assert (moved_became, moved_by) == (ReleaseStatus.RESCHEDULED, again)
    assert (again_became, again_by) == (None, None)  # it stands
    assert first == schedule_alert(fold(event("booking"), event("release_scheduled"))).alert_id  # as before


def test_a_time_announced_again_after_its_cancellation_is_a_new_alert_that_stands_whatever_the_order() -> None:
    events = [event("booking"), event("release_scheduled"), event("release_cancelled"), announced_again()]

    outcomes = {tuple(schedules_of(fold(*order))) for order in itertools.permutations(events)}

    assert len(outcomes) == 1, outcomes
    ((first, first_became, _), (again, again_became, _)) = outcomes.pop()
    assert first != again
    assert first_became is ReleaseStatus.CANCELLED
    assert again_became is None


def test_a_time_announced_twice_with_nothing_between_is_one_alert_known_from_the_first() -> None:
    events = [event("booking"), event("release_scheduled"), announced_again(occurred_at="2026-11-21T11:00:00-08:00")]

    outcomes = {tuple(schedules_of(fold(*order))) for order in itertools.permutations(events)}

    assert outcomes == {((schedule_alert(fold(*events)).alert_id, None, None),)}


def test_a_cancellation_arriving_late_between_two_announcements_of_a_time_splits_them_into_two_alerts() -> None:
    """Announced, announced again, and only then the cancellation sent between them: the same as in order."""
    events = [event("booking"), event("release_scheduled"), event("release_cancelled"), announced_again()]
    in_order = schedules_of(fold(*events))

    late = schedules_of(fold(events[0], events[1], events[3], events[2]))

    assert late == in_order
    assert [became for _, became, _ in late] == [ReleaseStatus.CANCELLED, None]
