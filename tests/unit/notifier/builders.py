"""Contract objects built from the sample payloads, the way they arrive on the wire."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from contracts import Booking, CustodyEvent, Detainer, Person, custody_event_adapter
from contracts.detainers import detainer_ref_for
from notifier.adapters.detainer_index import ActiveDetainer
from notifier.domain.custody import BookingState, apply_event
from tests import samples

FACILITY = "CA0194200"
BOOKING_NUMBER = "2026-004512"


def event(kind: str, **overrides: Any) -> CustodyEvent:
    """A custody event of ``kind`` as parsed from its JSON."""
    return custody_event_adapter.validate_json(json.dumps(samples.EVENT_BUILDERS[kind](**overrides)))


def booking_event(**overrides: Any) -> Booking:
    """A booking event as parsed from its JSON."""
    parsed = event("booking", **overrides)
    assert isinstance(parsed, Booking)
    return parsed


def person(**overrides: Any) -> Person:
    return Person.model_validate_json(json.dumps(samples.person(**overrides)))


def person_without_identifiers(**overrides: Any) -> Person:
    return person(fbi_number=None, state_id=None, a_number=None, **overrides)


def detainer(**overrides: Any) -> Detainer:
    """An active detainer as stored after ``POST /v1/detainers``."""
    record = {**samples.detainer(), "status": "active", "lodged_at": "2026-11-01T17:05:00+00:00", **overrides}
    return Detainer.model_validate_json(json.dumps(record))


def active_detainer(
    detainer_id: str = "LOS-2026-000871", field_office: str = "LOS", *, lodged_when_ids_were_global: bool = False
) -> ActiveDetainer:
    """An active detainer as the notifier's index holds it (lodged now, or before ids were per office)."""
    ref = detainer_id if lodged_when_ids_were_global else detainer_ref_for(field_office, detainer_id)
    return ActiveDetainer(ref, field_office)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def empty(facility_ori: str = FACILITY, booking_number: str = BOOKING_NUMBER) -> BookingState:
    return BookingState.empty(facility_ori, booking_number)


def fold(*events: CustodyEvent, start: BookingState | None = None) -> BookingState:
    """The state of the events' booking after applying them in the order given."""
    state = start if start is not None else empty(events[0].facility_ori, events[0].booking_number)
    for one in events:
        state = apply_event(state, one)
    return state
