"""The alert stream's ``alert_raised`` and ``alert_updated`` messages, written around the alert's record
rather than from the alert."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import (
    Alert,
    AlertRaised,
    AlertStep,
    AlertTrigger,
    AlertUpdated,
    FieldAgreement,
    MatchDecision,
    MatchEvidence,
)
from notifier.domain.alert_rules import alert_conditions, build_alert
from notifier.domain.custody import BookingState
from store.alerts import parse_alert, raised_message, updated_message
from tests import samples
from tests.unit.notifier.builders import active_detainer, event, fold

RAISED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EVIDENCE = MatchEvidence(
    decision=MatchDecision.MATCH, rule="identifier", fields=(FieldAgreement(field="a_number", level="exact"),)
)
POSSIBLE = MatchEvidence(decision=MatchDecision.POSSIBLE_MATCH, rule="name_and_date_of_birth", fields=())


def _stays() -> list[BookingState]:
    accented = samples.person(last_name="NÚÑEZ O'BRIEN", first_name="JOSÉ 李")
    return [
        fold(event("booking")),
        fold(event("booking", person=accented)),
        fold(event("booking"), event("release_scheduled")),
        fold(event("booking"), event("release_scheduled"), event("release")),
        fold(event("booking"), event("release")),
        fold(event("booking"), event("transfer")),
    ]


def _alerts() -> list[Alert]:
    built = [
        build_alert(condition, state, active_detainer(), evidence, trigger=trigger, event_id=event_id, raised_at=at)
        for state in _stays()
        for evidence in (EVIDENCE, POSSIBLE)
        for condition in alert_conditions(state, evidence.decision, every_schedule_seen=True)
        for trigger, event_id, at in (
            (AlertTrigger.CUSTODY_EVENT, "evt-1", RAISED_AT),
            (AlertTrigger.ROSTER, None, RAISED_AT),
        )
    ]
    # As built (their raised step first), and without a timeline at all: both shapes of a record.
    return built + [alert.model_copy(update={"timeline": ()}) for alert in built]


def test_the_message_around_a_record_is_the_message_of_its_alert() -> None:
    alerts = _alerts()
    assert len({alert.kind for alert in alerts}) == 5  # every kind of alert
    for alert in alerts:
        message = raised_message(alert.model_dump_json())
        assert message == AlertRaised(alert=alert).model_dump_json()
        assert AlertRaised.model_validate_json(message).alert == alert


def test_the_update_message_around_a_record_is_the_message_of_its_alert() -> None:
    for alert in _alerts():
        for change in AlertStep:
            message = updated_message(alert.model_dump_json(), change)
            assert message == AlertUpdated(alert=alert, change=change).model_dump_json()
            assert AlertUpdated.model_validate_json(message).alert == alert


def test_an_alert_as_written_is_the_alert_read_back() -> None:
    # A schedule raised and closed in one batch is closed from the alert as written, not read back: the same
    # record either way.
    for alert in _alerts():
        record = alert.model_dump_json()
        assert parse_alert(record) == alert
        assert parse_alert(record).model_dump_json() == record
