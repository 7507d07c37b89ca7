"""The ways feeds write coded fields, read into the contract's forms before a record is validated.

Booking systems write a person's sex as ``Male``, a charge's severity as ``F`` or ``Felony``, a release reason as
``Bail Posted``, a date of birth as ``04/17/1990`` or ``19900417``, and pad fixed-width columns with spaces. Each is
a value a reader understands at once, and none is worth a booking refused: intake reads these common forms into
the contract's (``M``, ``felony``, ``bail_posted``, ``1990-04-17``) before validating, silently, counted by field.
A release reason releasewatch does not know is read as ``other``, with a warning: the release still counts, its
reason is only a detail. Anything else keeps the value as sent, for validation to accept or refuse.

Dates written with slashes are read month first (``04/05/1990`` is April 5th), as booking systems in the United
States write them; a first number above 12 is not a month, and such a date is refused. Matching tolerates a
date of birth with day and month swapped, so a feed that writes day first still finds its people.

The document rewritten is intake's own reading of the body: nothing else holds it. A value already in the
contract's form is left at once (the common case costs a lookup or two).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from contracts.events import ChargeSeverity, CustodyEventType, ReleaseReason
from contracts.person import Sex

__all__ = ["CommonForms", "read_common_forms"]

Path = tuple[str | int, ...]

_SEX = {
    "M": "M",
    "MALE": "M",
    "F": "F",
    "FEMALE": "F",
    "X": "X",
    "NONBINARY": "X",
    "NON-BINARY": "X",
    "U": "U",
    "UNK": "U",
    "UNKNOWN": "U",
}
# A severity, and optionally its class or degree as jails add it: F, FEL, Felony, F3, F-2, M1, MISD A, INF.
_SEVERITY = re.compile(
    r"(?:(?P<felony>F|FEL|FELONY)|(?P<misdemeanor>M|MIS|MISD|MISDEMEANOR)|(?P<infraction>I|INF|INFRACTION))"
    r"(?:[\s-]*(?:CLASS\s*)?[0-9A-E])?"
)
_REASON_WORDS = re.compile(r"[\s\-/]+")
_REASONS = {reason.value for reason in ReleaseReason} - {ReleaseReason.INFERRED_FROM_ROSTER.value}
_REASON_SYNONYMS = {
    "bail": "bail_posted",
    "bond": "bail_posted",
    "bonded": "bail_posted",
    "bonded_out": "bail_posted",
    "bond_posted": "bail_posted",
    "bail_paid": "bail_posted",
    "or": "own_recognizance",
    "ror": "own_recognizance",
    "released_on_own_recognizance": "own_recognizance",
    "own_recognisance": "own_recognizance",
    "time_served": "sentence_complete",
    "sentence_served": "sentence_complete",
    "sentence_completed": "sentence_complete",
    "court_ordered": "court_order",
    "dismissed": "charges_dropped",
    "charges_dismissed": "charges_dropped",
    "transferred": "transfer",
}
_TYPES = frozenset(kind.value for kind in CustodyEventType)
_ORI = re.compile(r"[A-Za-z]{2}[A-Za-z0-9]{7}")
_CANONICAL_ORI = re.compile(r"[A-Z]{2}[A-Z0-9]{7}")
_YMD_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MDY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?", re.IGNORECASE)


_SEXES = frozenset(sex.value for sex in Sex)
_SEVERITIES = frozenset(severity.value for severity in ChargeSeverity)


def _sex(value: str) -> str | None:
    return _SEX.get(value.strip().upper())


def _severity(value: str) -> str | None:
    found = _SEVERITY.fullmatch(value.strip().upper())
    return None if found is None else found.lastgroup


def _iso_shaped(value: str) -> bool:
    """``YYYY-MM-DD`` in shape: the contract's form, or a date validation refuses as sent."""
    return len(value) == 10 and value[4] == "-" and value[7] == "-"


def _date(value: str) -> str | None:
    text = value.strip()
    if found := _YMD_DIGITS.fullmatch(text):
        year, month, day = found.groups()
    elif found := _MDY.fullmatch(text):
        month, day, year = found.groups()
    elif found := _YMD.fullmatch(text):
        year, month, day = found.groups()
    elif found := _MIDNIGHT.fullmatch(text):
        return found.group(1)
    else:
        return None
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None  # not a date in this order: validation refuses it as sent
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _ori(value: str) -> str | None:
    text = value.strip()
    return text.upper() if _ORI.fullmatch(text) else None


def _stripped(value: str) -> str | None:
    return value.strip() or None


def _type(value: str) -> str | None:
    text = value.strip().lower()
    return text if text in _TYPES else None


class CommonForms:
    """What reading the common forms of one record changed: the fields rewritten (by name, for the count) and
    the warnings (path within the record, reason)."""

    def __init__(self) -> None:
        self.rewritten: list[str] = []
        self.warnings: list[tuple[Path, str]] = []

    def _set(self, parent: dict[str, Any], key: str, read: Callable[[str], str | None], name: str) -> None:
        value = parent.get(key)
        if not isinstance(value, str):
            return
        canonical = read(value)
        if canonical is not None and canonical != value:
            parent[key] = canonical
            self.rewritten.append(name)

    def _release_reason(self, record: dict[str, Any]) -> None:
        value = record.get("release_reason")
        if not isinstance(value, str) or not value.strip():
            return  # missing or empty: validation says it is required
        words = _REASON_WORDS.sub("_", value.strip().lower())
        reason = words if words in _REASONS else _REASON_SYNONYMS.get(words)
        if reason is None:
            if words == ReleaseReason.INFERRED_FROM_ROSTER.value:
                return  # reserved for releasewatch: validation says so
            record["release_reason"] = ReleaseReason.OTHER.value
            self.warnings.append((("release_reason",), "not a release reason releasewatch knows: read as other"))
            self.rewritten.append("release_reason")
        elif reason != value:
            record["release_reason"] = reason
            self.rewritten.append("release_reason")

    def read(self, record: dict[str, Any], *, custody_event: bool) -> None:
        """Rewrite ``record`` in place. Each field is tested for the contract's form first, inline: a record as the
        contract writes it costs a few lookups, not a call a field."""
        get = record.get
        if custody_event:
            if (value := get("type")).__class__ is str and value not in _TYPES:
                self._set(record, "type", _type, "type")
            if (value := get("facility_ori")).__class__ is str and not _CANONICAL_ORI.fullmatch(value):
                self._set(record, "facility_ori", _ori, "facility_ori")
            if (value := get("to_facility_ori")).__class__ is str and not _CANONICAL_ORI.fullmatch(value):
                self._set(record, "to_facility_ori", _ori, "to_facility_ori")
            if (value := get("booking_number")).__class__ is str and value != value.strip():
                self._set(record, "booking_number", _stripped, "booking_number")
            if (value := get("release_reason")).__class__ is str and value not in _REASONS:
                self._release_reason(record)
        if (person := get("person")).__class__ is dict:
            if (value := person.get("sex")).__class__ is str and value not in _SEXES:
                self._set(person, "sex", _sex, "sex")
            if (value := person.get("date_of_birth")).__class__ is str and not _iso_shaped(value):
                self._set(person, "date_of_birth", _date, "date_of_birth")
            if (aliases := person.get("aliases")).__class__ is list:
                for alias in aliases:
                    value = alias.get("date_of_birth") if alias.__class__ is dict else None
                    if value.__class__ is str and not _iso_shaped(value):
                        self._set(alias, "date_of_birth", _date, "alias_date_of_birth")
        if (charges := get("charges")).__class__ is list:
            for charge in charges:
                value = charge.get("severity") if charge.__class__ is dict else None
                if value.__class__ is str and value not in _SEVERITIES:
                    self._set(charge, "severity", _severity, "charge_severity")


def read_common_forms(document: Any, *, custody_event: bool) -> CommonForms:
    """Read ``document``'s common forms into the contract's, in place; what changed."""
    forms = CommonForms()
    if document.__class__ is dict:
        forms.read(document, custody_event=custody_event)
    return forms
