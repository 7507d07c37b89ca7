"""One row of an import file, as the importer carries it from the file to the API and into the report."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FieldError", "RejectedRow", "SourceRow", "UnusableFile", "WarnedRow"]


@dataclass(frozen=True, slots=True)
class FieldError:
    """What is wrong with a row: the field (a CSV column or a JSON pointer into the event) and why."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A row of the file: where it starts, its event as one line of JSON, and what the file held.

    ``event_json`` is ``None`` when the row could not even be turned into JSON;
    ``unreadable`` then says why, and the row is rejected without being sent.
    """

    line: int  # 1-based line of the file where the row starts (the header of a CSV is line 1)
    event_id: str | None  # the record's id as the file gives it (a detainer's ``detainer_id`` in a detainer file)
    event_json: bytes | None
    original: tuple[str, ...] | str  # the CSV cells or the NDJSON line, for the rejects file
    unreadable: tuple[FieldError, ...] = ()
    charge_from_columns: bool = field(default=False)  # CSV: the charge came from the charge_* columns


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row the API (or the importer, when it was not JSON) refused, with every reason."""

    row: SourceRow
    errors: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True)
class WarnedRow:
    """A row the API accepted without some optional fields it could not read, each named with why."""

    row: SourceRow
    warnings: tuple[FieldError, ...]


class UnusableFile(Exception):
    """The file cannot be imported at all (not UTF-8, a CSV header naming unknown columns...)."""
