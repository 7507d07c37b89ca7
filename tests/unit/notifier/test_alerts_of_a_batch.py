"""The alerts a batch's events call for: an alert called for again is the copy built first, and only that one."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import Alert, AlertTrigger, FieldAgreement, MatchDecision, MatchEvidence
from notifier.domain.custody import BookingState
from notifier.handlers.detainer_index import ActiveDetainer
from notifier.handlers.raising import alerts_for_match
from tests.unit.notifier.builders import active_detainer, event, fold

RAISED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EVIDENCE = MatchEvidence(
    decision=MatchDecision.MATCH, rule="identifier", fields=(FieldAgreement(field="a_number", level="exact"),)
)


def _for(
    state: BookingState, detainer: ActiveDetainer, event_id: str, built: dict[str, Alert] | None = None
) -> list[Alert]:
    return alerts_for_match(
        state,
        detainer,
        EVIDENCE,
        trigger=AlertTrigger.CUSTODY_EVENT,
        event_id=event_id,
        raised_at=RAISED_AT,
        every_schedule_seen=True,
        built=built,
    )


def _stay(**where: str) -> list[BookingState]:
    """A stay's states, event after event: booked, a release scheduled, released."""
    events = [event("booking", **where), event("release_scheduled", **where), event("release", **where)]
    return [fold(*events[: count + 1]) for count in range(len(events))]


def test_a_batch_builds_each_alert_once_and_every_event_after_the_first_gets_that_copy() -> None:
    los, nyc = active_detainer(field_office="LOS"), active_detainer(detainer_id="NYC-2026-000001", field_office="NYC")
    here, there = _stay(), _stay(facility_ori="CA0190000", booking_number="2026-000077")
    steps = [(state, detainer, f"evt-{n}") for n, state in enumerate(here + there) for detainer in (los, nyc)]
    built: dict[str, Alert] = {}

    first: dict[str, Alert] = {}
    for state, detainer, event_id in steps:
        alone = _for(state, detainer, event_id)
        in_batch = _for(state, detainer, event_id, built)
        assert [alert.alert_id for alert in in_batch] == [alert.alert_id for alert in alone]
        for copy, made_alone in zip(in_batch, alone, strict=True):
            if copy.alert_id in first:
                assert copy is first[copy.alert_id]
            else:
                assert copy == made_alone
                first[copy.alert_id] = copy
    assert built == first
    # Each stay, each detainer: in custody, the release scheduled, released.
    assert len(first) == 2 * 2 * 3
    assert {(alert.detainer_id, alert.booking_number, alert.kind) for alert in first.values()} == {
        (alert.detainer_id, alert.booking_number, alert.kind)
        for state, detainer, _ in steps
        for alert in _for(state, detainer, "any")
    }
    assert all(
        alert.event_id == "evt-0"
        for alert in first.values()
        if alert.booking_number == here[0].booking_number and alert.kind.value == "in_custody"
    )
