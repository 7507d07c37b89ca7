"""Valid example payloads, built fresh for each use so a test can change one field."""

from __future__ import annotations

from typing import Any


def person(**overrides: Any) -> dict[str, Any]:
    return {
        "last_name": "GARCIA LOPEZ",
        "first_name": "JOSE",
        "middle_name": "LUIS",
        "date_of_birth": "1990-04-17",
        "sex": "M",
        "place_of_birth": "MX",
        "aliases": [{"last_name": "GARCIA", "first_name": "PEPE", "date_of_birth": "1990-04-17"}],
        "fbi_number": "123456AB9",
        "state_id": {"state": "CA", "number": "A1234567"},
        "a_number": "A012345678",
        **overrides,
    }


def charge(**overrides: Any) -> dict[str, Any]:
    return {
        "statute": "PC 459",
        "description": "Burglary, second degree",
        "severity": "felony",
        "ncic_code": "2299",
        **overrides,
    }


def booking(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": "evt-0001",
        "type": "booking",
        "occurred_at": "2026-11-20T08:15:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "person": person(),
        "charges": [charge()],
        **overrides,
    }


def booking_updated(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": "evt-0002",
        "type": "booking_updated",
        "occurred_at": "2026-11-20T09:00:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "charges": [charge(statute="PC 484", description="Petty theft", severity="misdemeanor", ncic_code="2399")],
        **overrides,
    }


def release_scheduled(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": "evt-0003",
        "type": "release_scheduled",
        "occurred_at": "2026-11-21T10:00:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "scheduled_release_at": "2026-11-24T09:00:00-08:00",
        "release_reason": "bail_posted",
        **overrides,
    }


def release_cancelled(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": "evt-0004",
        "type": "release_cancelled",
        "occurred_at": "2026-11-21T12:00:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        **overrides,
    }


def release(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": "evt-0005",
        "type": "release",
        "occurred_at": "2026-11-24T09:05:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "release_reason": "bail_posted",
        **overrides,
    }


def transfer(**overrides: Any) -> dict[str, Any]:
    return {
        "event_id": "evt-0006",
        "type": "transfer",
        "occurred_at": "2026-11-22T07:00:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "to_facility_ori": "CA0190000",
        **overrides,
    }


def detainer(**overrides: Any) -> dict[str, Any]:
    return {
        "detainer_id": "LOS-2026-000871",
        "form": "I-247A",
        "field_office": "LOS",
        "person": person(),
        "lodged_with_ori": "CA0194200",
        "issued_at": "2026-11-01T10:00:00-07:00",
        **overrides,
    }


EVENT_BUILDERS = {
    "booking": booking,
    "booking_updated": booking_updated,
    "release_scheduled": release_scheduled,
    "release_cancelled": release_cancelled,
    "release": release,
    "transfer": transfer,
}
