"""An alert's lifecycle as people move it: confirmed or rejected, acknowledged, resolved; never backwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    AlertStep,
    AlertTrigger,
    MatchDecision,
    MatchEvidence,
    Person,
    ReleaseStatus,
    ReviewDecision,
    Sex,
    TimelineEntry,
)
from ingest.alerts.states import (
    AlertLifecycleConflictError,
    AlertNotReviewableError,
    AlertReviewConflictError,
    acknowledged,
    decided,
    resolved,
)
from notifier.domain.alert_rules import closed_by_releasewatch

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def _alert(kind: AlertKind = AlertKind.IN_CUSTODY, status: AlertStatus = AlertStatus.OPEN) -> Alert:
    return Alert(
        alert_id="al_1",
        kind=kind,
        status=status,
        field_office="LOS",
        detainer_id="LOS-2026-000871",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=AT,
        occurred_at=AT,
        trigger=AlertTrigger.CUSTODY_EVENT,
        person=Person(last_name="GARCIA", first_name="JOSE", date_of_birth=datetime(1990, 4, 17).date(), sex=Sex.MALE),
        match=MatchEvidence(decision=MatchDecision.POSSIBLE_MATCH, rule="score"),
    )


def test_acknowledging_an_open_alert_names_who_and_when_and_again_changes_nothing() -> None:
    after = acknowledged(_alert(), by="LOS duty desk", at=LATER)

    assert after is not None
    assert (after.status, after.acknowledged_by, after.acknowledged_at) == (
        AlertStatus.ACKNOWLEDGED,
        "LOS duty desk",
        LATER,
    )
    assert (after.timeline[-1].what.value, after.timeline[-1].by) == ("acknowledged", "LOS duty desk")
    assert acknowledged(after, by="someone else", at=LATER) is None


def test_a_resolved_alert_cannot_be_acknowledged() -> None:
    closed = resolved(_alert(), AlertOutcome.CUSTODY_ASSUMED, None, by="desk", at=LATER)
    assert closed is not None

    with pytest.raises(AlertLifecycleConflictError, match="already resolved by desk"):
        acknowledged(closed, by="desk", at=LATER)


def test_resolving_keeps_the_outcome_and_note_and_a_different_outcome_later_is_a_conflict_on_the_outcome() -> None:
    closed = resolved(_alert(), AlertOutcome.CUSTODY_ASSUMED, "picked up at 9", by="desk", at=LATER)
    assert closed is not None
    assert (closed.status, closed.outcome, closed.resolution_note) == (
        AlertStatus.RESOLVED,
        AlertOutcome.CUSTODY_ASSUMED,
        "picked up at 9",
    )
    assert closed.timeline[-1].detail == "custody_assumed: picked up at 9"
    assert resolved(closed, AlertOutcome.CUSTODY_ASSUMED, None, by="desk", at=LATER) is None

    with pytest.raises(AlertLifecycleConflictError) as conflict:
        resolved(closed, AlertOutcome.RELEASED, None, by="desk", at=LATER)
    assert conflict.value.pointer == "#/outcome"


def test_a_possible_match_is_confirmed_or_rejected_before_it_is_resolved() -> None:
    possible = _alert(AlertKind.POSSIBLE_MATCH)

    with pytest.raises(AlertLifecycleConflictError, match="confirm or reject it first"):
        resolved(possible, AlertOutcome.NOT_THE_PERSON, None, by="desk", at=LATER)


def test_confirming_acknowledges_the_possible_match_and_rejecting_resolves_it_as_not_the_person() -> None:
    possible = _alert(AlertKind.POSSIBLE_MATCH)

    confirmed = decided(possible, ReviewDecision.CONFIRMED, by="desk", at=LATER)
    rejected = decided(possible, ReviewDecision.REJECTED, by="desk", at=LATER)

    assert confirmed is not None
    assert rejected is not None
    assert (confirmed.status, confirmed.review and confirmed.review.decision) == (
        AlertStatus.ACKNOWLEDGED,
        ReviewDecision.CONFIRMED,
    )
    assert (rejected.status, rejected.outcome) == (AlertStatus.RESOLVED, AlertOutcome.NOT_THE_PERSON)
    assert decided(confirmed, ReviewDecision.CONFIRMED, by="desk", at=LATER) is None


def test_deciding_the_other_way_or_on_an_alert_that_is_no_possible_match_is_refused() -> None:
    confirmed = decided(_alert(AlertKind.POSSIBLE_MATCH), ReviewDecision.CONFIRMED, by="desk", at=LATER)
    assert confirmed is not None

    with pytest.raises(AlertReviewConflictError):
        decided(confirmed, ReviewDecision.REJECTED, by="desk", at=LATER)
    with pytest.raises(AlertNotReviewableError):
        decided(_alert(AlertKind.IN_CUSTODY), ReviewDecision.CONFIRMED, by="desk", at=LATER)


def test_a_possible_match_releasewatch_closed_unreviewed_is_neither_confirmed_nor_rejected() -> None:
    # (the facility corrected the person booked to someone else: a confirmation would raise alerts about them)
    resolved_already = _alert(AlertKind.POSSIBLE_MATCH, status=AlertStatus.RESOLVED).model_copy(
        update={"outcome": AlertOutcome.NOT_THE_PERSON}
    )

    for decision in ReviewDecision:
        with pytest.raises(AlertLifecycleConflictError, match="not the detainer's subject: nothing is left to review"):
            decided(resolved_already, decision, by="desk", at=LATER)


@pytest.mark.parametrize(
    ("step", "outcome", "said", "not_said"),
    [
        pytest.param(
            AlertStep.DETAINER_LIFTED,
            AlertOutcome.DETAINER_LIFTED,
            "by releasewatch: the detainer was lifted",
            "the release is cancelled",
            id="lifted",
        ),
        pytest.param(
            AlertStep.IDENTITY_CORRECTED,
            AlertOutcome.NOT_THE_PERSON,
            "by releasewatch: the person booked is not the detainer's subject",
            "the release is cancelled",
            id="corrected",
        ),
        pytest.param(
            AlertStep.RELEASE_CANCELLED,
            AlertOutcome.RELEASE_SUPERSEDED,
            "by releasewatch: the release is cancelled",
            "lifted",
            id="cancelled",
        ),
    ],
)
def test_a_release_schedule_releasewatch_closed_is_refused_saying_why_it_was_closed(
    step: AlertStep, outcome: AlertOutcome, said: str, not_said: str
) -> None:
    # An officer acknowledges from a row the live feed had not refreshed yet.
    schedule = _alert(AlertKind.RELEASE_SCHEDULED).model_copy(
        update={"release_status": ReleaseStatus.SCHEDULED, "scheduled_release_at": LATER}
    )
    closed = closed_by_releasewatch(schedule, TimelineEntry(at=LATER, what=step), outcome)

    with pytest.raises(AlertLifecycleConflictError) as refused:
        acknowledged(closed, by="desk", at=LATER)

    assert said in str(refused.value)
    assert not_said not in str(refused.value)


@pytest.mark.parametrize(
    ("step", "said"),
    [
        pytest.param(AlertStep.RELEASE_CANCELLED, "the person was transferred before the release", id="transfer"),
        pytest.param(AlertStep.RELEASE_WITHDRAWN, "the person was still held", id="roster"),
    ],
)
def test_a_release_releasewatch_withdrew_is_refused_saying_why(step: AlertStep, said: str) -> None:
    released = _alert(AlertKind.RELEASED)
    closed = closed_by_releasewatch(released, TimelineEntry(at=LATER, what=step), AlertOutcome.RELEASE_SUPERSEDED)

    with pytest.raises(AlertLifecycleConflictError, match=said):
        acknowledged(closed, by="desk", at=LATER)
