"""The benchmark's records: plain rows with known truth, for our matcher and for Splink alike."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from datetime import date

from notifier.matching import MatchRecord

__all__ = ["Dataset", "Row"]

AliasFields = tuple[str | None, str | None, str | None, date | None]  # first, middle, last, date of birth


@dataclass(frozen=True, slots=True)
class Row:
    record_id: str
    person_id: str  # the truth: two rows with one person_id are one person
    first_name: str | None
    last_name: str | None
    date_of_birth: date | None
    middle_name: str | None = None
    sex: str | None = None  # M, F or None
    place_of_birth: str | None = None
    fbi_number: str | None = None
    a_number: str | None = None
    state_id: tuple[str, str] | None = None
    aliases: tuple[AliasFields, ...] = ()

    @property
    def has_identifier(self) -> bool:
        return bool(self.fbi_number or self.a_number or self.state_id)

    @property
    def complete(self) -> bool:
        """Has what the API requires of a person: given name, surname, date of birth."""
        return bool(self.first_name and self.last_name and self.date_of_birth)

    def without_identifiers(self) -> Row:
        return replace(self, fbi_number=None, a_number=None, state_id=None)

    def record(self) -> MatchRecord:
        return MatchRecord.of(
            first_name=self.first_name,
            middle_name=self.middle_name,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            place_of_birth=self.place_of_birth,
            aliases=self.aliases,
            fbi_number=self.fbi_number,
            a_number=self.a_number,
            state_id=self.state_id,
        )


def _another_number(number: str) -> str:
    """A number of the same form that differs in every digit (no keying error: another number)."""
    return "".join(str((int(character) + 5) % 10) if character.isdigit() else character for character in number)


def _half_of(person_id: str) -> int:
    return zlib.crc32(person_id.encode()) % 2


@dataclass(frozen=True)
class Dataset:
    """Detainers (one per subject) and bookings: the subjects' own, and people with no detainer."""

    name: str
    detainers: list[Row]
    bookings: list[Row]
    has_sex: bool = True  # FEBRL carries no sex

    def half(self, which: int) -> Dataset:
        """The people whose id hashes to ``which`` (0: fit, 1: report); a person is never in both."""
        return Dataset(
            f"{self.name}[{'fit' if which == 0 else 'report'}]",
            [row for row in self.detainers if _half_of(row.person_id) == which],
            [row for row in self.bookings if _half_of(row.person_id) == which],
            self.has_sex,
        )

    def without_identifiers(self) -> Dataset:
        return Dataset(
            self.name + " (names and date of birth only)",
            [row.without_identifiers() for row in self.detainers],
            [row.without_identifiers() for row in self.bookings],
            self.has_sex,
        )

    def accepted_by_api(self) -> Dataset:
        """Only the records the API takes: a person on the wire has a given name, a surname and a date
        of birth (FEBRL has records without; a detainer left out makes its subject's booking another
        person's)."""
        return Dataset(
            self.name + ", records the API accepts",
            [row for row in self.detainers if row.complete],
            [row for row in self.bookings if row.complete],
            self.has_sex,
        )

    def with_conflicting_numbers(self, field_name: str) -> Dataset:
        """The subjects' bookings only, each carrying another ``field_name`` (``a_number`` or
        ``fbi_number``) than its detainer's: the same person's data, a number that conflicts. Only
        subjects whose detainer has that number are kept."""
        numbers = {row.person_id: getattr(row, field_name) for row in self.detainers if getattr(row, field_name)}
        bookings = [
            replace(row, **{field_name: _another_number(numbers[row.person_id])})
            for row in self.bookings
            if row.person_id in numbers
        ]
        what = {"a_number": "A-number", "fbi_number": "FBI number"}[field_name]
        return Dataset(f"{self.name}, another {what} on each subject's booking", self.detainers, bookings, self.has_sex)

    @property
    def has_identifiers(self) -> bool:
        return any(row.has_identifier for row in self.detainers)

    @property
    def subject_ids(self) -> set[str]:
        return {row.person_id for row in self.detainers}
