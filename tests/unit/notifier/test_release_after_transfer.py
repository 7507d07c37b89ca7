"""A release that closed a booking the facility had moved, whichever arrived first: its released alert is one the
booking's facts no longer call for, and closing it says where the person went."""

from __future__ import annotations

from datetime import datetime

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    AlertStep,
    AlertTrigger,
    MatchDecision,
    MatchEvidence,
)
from notifier.domain.alert_rules import AlertFingerprint
from notifier.domain.transfers import closed_by_transfer, release_after_transfer_id
from tests.unit.notifier.builders import BOOKING_NUMBER, FACILITY, at, event, fold

DETAINER = "LOS/LOS-2026-000871"
RELEASED_ID = AlertFingerprint(AlertKind.RELEASED, DETAINER, FACILITY, BOOKING_NUMBER).alert_id
CLOSED_OUT = {"event_id": "evt-0007", "occurred_at": "2026-11-22T07:10:00-08:00", "release_reason": "transfer"}


def test_a_release_after_the_transfer_in_either_order_is_no_release_the_alert_rules_call_for() -> None:
    release_first = fold(event("booking"), event("release", **CLOSED_OUT), event("transfer"))
    transfer_first = fold(event("booking"), event("transfer"), event("release", **CLOSED_OUT))

    assert release_first == transfer_first
    assert release_after_transfer_id(DETAINER, release_first) == RELEASED_ID


def test_a_release_before_the_transfer_or_without_one_is_a_release() -> None:
    released_then_moved = fold(
        event("booking"), event("release", occurred_at="2026-11-22T06:00:00-08:00"), event("transfer")
    )

    assert release_after_transfer_id(DETAINER, released_then_moved) is None
    assert release_after_transfer_id(DETAINER, fold(event("booking"), event("release"))) is None
    assert release_after_transfer_id(DETAINER, fold(event("booking"), event("transfer"))) is None


def test_the_withdrawn_release_names_the_transfer_and_where_the_person_went() -> None:
    state = fold(event("booking"), event("release", **CLOSED_OUT), event("transfer", to_facility_ori="CA0190000"))
    raised = Alert(
        alert_id=RELEASED_ID,
        kind=AlertKind.RELEASED,
        field_office="LOS",
        detainer_id="LOS-2026-000871",
        detainer_ref=DETAINER,
        facility_ori=FACILITY,
        booking_number=BOOKING_NUMBER,
        raised_at=at("2026-11-22T07:11:00-08:00"),
        occurred_at=at(CLOSED_OUT["occurred_at"]),
        trigger=AlertTrigger.CUSTODY_EVENT,
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
    )
    now = datetime.fromisoformat("2026-11-22T08:00:00-08:00")

    closed = closed_by_transfer(raised, state, at=now)

    assert (closed.status, closed.outcome, closed.resolved_by, closed.resolved_at) == (
        AlertStatus.RESOLVED,
        AlertOutcome.RELEASE_SUPERSEDED,
        None,
        now,
    )
    step = closed.timeline[-1]
    assert (step.what, step.event_id) == (AlertStep.RELEASE_CANCELLED, "evt-0006")
    assert step.detail == "transferred to CA0190000 before the release: no release from custody"
