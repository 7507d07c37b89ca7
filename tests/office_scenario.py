"""A realistic field office for the office page: a few dozen people, each kind of alert, times around now.

Every name, date of birth and number is generated: none is a real person's. Each person has a detainer
lodged by the office and a stay at a county jail whose events tell one of the stories a duty desk sees: a
release days, hours or minutes away, a release time gone by (within the grace, or closed as passed), a
release with or without notice, a cancelled or rescheduled release, a transfer, someone simply in custody,
and possible matches waiting for review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["KINDS", "OfficePerson", "realistic_office"]

LAST_NAMES = [
    "GARCIA LOPEZ", "HERNANDEZ", "MARTINEZ RUIZ", "NGUYEN", "RODRIGUEZ", "TRAN", "PEREZ DE LA CRUZ", "KIM",
    "GONZALEZ", "RAMIREZ", "FLORES", "MORALES", "CASTILLO", "ORTIZ", "CHAVEZ", "VARGAS", "MENDOZA", "REYES",
    "CRUZ", "ALVAREZ", "JIMENEZ", "ROMERO", "HERRERA", "MEDINA", "AGUILAR", "VASQUEZ", "CASTRO", "GUZMAN",
    "SALAZAR", "DOMINGUEZ", "ESTRADA", "ROJAS", "CONTRERAS", "LUNA", "MOLINA", "DELGADO",
]  # fmt: skip
FIRST_NAMES = ["JOSE", "MARIA", "JUAN", "ANA", "LUIS", "CARMEN", "MIGUEL", "ROSA", "CARLOS", "ELENA", "DUC", "MINH"]
JAILS = ["CA0194200", "CA0190000", "CA0330000"]

# The stories, in the order they are dealt out to people.
KINDS = [
    "release_in_days",
    "release_soon",
    "release_today",
    "release_time_passed",
    "released_with_notice",
    "released_without_notice",
    "cancelled",
    "rescheduled",
    "transferred",
    "in_custody",
    "possible_match",
    "passed_no_release",
]


@dataclass
class OfficePerson:
    kind: str
    detainer: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class _Events:
    """The events of one person's stay at one jail."""

    index: int
    jail: str
    booking_number: str

    def event(self, kind: str, at: datetime, number: int, **fields: Any) -> dict[str, Any]:
        return {
            "event_id": f"evt-{self.index:03d}-{number}",
            "type": kind,
            "occurred_at": _iso(at),
            "facility_ori": self.jail,
            "booking_number": self.booking_number,
            **fields,
        }

    def scheduled(
        self, at: datetime, release_at: datetime, number: int = 2, reason: str = "bail_posted"
    ) -> dict[str, Any]:
        fields = {"scheduled_release_at": _iso(release_at), "release_reason": reason}
        return self.event("release_scheduled", at, number, **fields)


def realistic_office(now: datetime, *, people: int = 36, office: str = "LOS") -> list[OfficePerson]:
    """``people`` people of ``office``, dealt the stories of ``KINDS`` in turn, their times around ``now``."""
    everyone = []
    for index in range(people):
        kind = KINDS[index % len(KINDS)]
        jail = JAILS[index % len(JAILS)]
        booking_number = f"2026-{700000 + index:06d}"
        born = datetime(1968, 1, 1, tzinfo=UTC) + timedelta(days=397 * index + 11)
        person = {
            "last_name": LAST_NAMES[index % len(LAST_NAMES)],
            "first_name": FIRST_NAMES[index % len(FIRST_NAMES)],
            "date_of_birth": born.date().isoformat(),
            "sex": "F" if FIRST_NAMES[index % len(FIRST_NAMES)] in ("MARIA", "ANA", "CARMEN", "ROSA", "ELENA") else "M",
            "place_of_birth": ["MX", "GT", "HN", "SV", "VN"][index % 5],
            "a_number": f"A{201555000 + index * 7919:09d}",
        }
        lodged = dict(person)
        booked = dict(person)
        if kind == "possible_match":  # known by name and birth date only, the jail's birth date a day off
            lodged.pop("a_number")
            booked.pop("a_number")
            booked["date_of_birth"] = (born + timedelta(days=1)).date().isoformat()
        detainer = {
            "detainer_id": f"{office}-2026-{1000 + index:06d}",
            "form": "I-247A",
            "field_office": office,
            "person": lodged,
            "lodged_with_ori": jail,
            "issued_at": _iso(now - timedelta(days=20)),
        }
        booked_at = now - timedelta(days=3, hours=index % 7)
        stay = OfficePerson(kind, detainer)

        events = _Events(index, jail, booking_number)
        event, scheduled = events.event, events.scheduled

        stay.events.append(event("booking", booked_at, 1, person=booked))
        known = booked_at + timedelta(hours=5)
        if kind == "release_in_days":
            stay.events.append(scheduled(known, now + timedelta(days=2, hours=index % 9), reason="sentence_complete"))
        elif kind == "release_soon":
            stay.events.append(scheduled(known, now + timedelta(hours=1, minutes=13 * index % 50)))
        elif kind == "release_today":
            stay.events.append(scheduled(known, now + timedelta(hours=9 + index % 8), reason="court_order"))
        elif kind == "release_time_passed":
            stay.events.append(scheduled(known, now - timedelta(minutes=25)))
        elif kind == "released_with_notice":
            stay.events.append(scheduled(known, now - timedelta(hours=3)))
            stay.events.append(event("release", now - timedelta(hours=3), 3, release_reason="bail_posted"))
        elif kind == "released_without_notice":
            stay.events.append(event("release", now - timedelta(hours=6), 3, release_reason="own_recognizance"))
        elif kind == "cancelled":
            stay.events.append(scheduled(known, now + timedelta(hours=30)))
            stay.events.append(event("release_cancelled", known + timedelta(hours=20), 3))
        elif kind == "rescheduled":
            stay.events.append(scheduled(known, now + timedelta(hours=6)))
            stay.events.append(scheduled(known + timedelta(hours=30), now + timedelta(days=1, hours=14), number=3))
        elif kind == "transferred":
            stay.events.append(event("transfer", now - timedelta(hours=10), 3, to_facility_ori="CA0371000"))
        elif kind == "passed_no_release":
            stay.events.append(scheduled(known, now - timedelta(hours=5)))
        everyone.append(stay)
    return everyone
