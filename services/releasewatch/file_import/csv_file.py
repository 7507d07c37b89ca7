"""CSV import files: one custody event per row, in flat columns, turned into the event's wire JSON (detainers:
``detainer_csv``, the same reader with its own columns).

The columns (a header row names them, in any order, any letter case; all
are optional) are the event's own fields, the person's fields, and either one
charge in ``charge_*`` columns or any number in a ``charges`` JSON column.
An empty cell is an absent field. Nothing here checks a value: the API does,
and its pointers are mapped back to the columns they came from.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from releasewatch.file_import.json_text import NotJsonError, read_json_text
from releasewatch.file_import.rows import FieldError, RejectedRow, SourceRow, UnusableFile

__all__ = [
    "ALIASES_COLUMN",
    "CHARGE_COLUMNS",
    "COMMON_COLUMNS",
    "CSV_COLUMNS",
    "CUSTODY_EVENT_LAYOUT",
    "EVENT_COLUMNS",
    "PERSON_COLUMNS",
    "REJECT_COLUMNS",
    "RELEASE_AND_TRANSFER_COLUMNS",
    "STATE_ID_COLUMNS",
    "CsvFormat",
    "CsvLayout",
    "RowNotConvertible",
    "column_of_pointer",
    "event_from_cells",
    "person_column",
    "person_from_cells",
    "pointer_path",
]

COMMON_COLUMNS = ("event_id", "type", "occurred_at", "facility_ori", "booking_number")  # every event's
RELEASE_AND_TRANSFER_COLUMNS = ("scheduled_release_at", "release_reason", "to_facility_ori")
EVENT_COLUMNS = (*COMMON_COLUMNS, *RELEASE_AND_TRANSFER_COLUMNS)
PERSON_COLUMNS = (
    "last_name",
    "first_name",
    "middle_name",
    "date_of_birth",
    "sex",
    "place_of_birth",
    "fbi_number",
    "a_number",
)
STATE_ID_COLUMNS = {"state_id": "number", "state_id_state": "state"}  # column -> field of person.state_id
ALIASES_COLUMN = "aliases"  # a JSON array of aliases, as the API takes person.aliases
CHARGES_COLUMN = "charges"  # a JSON array of charges, as the API takes them
CHARGE_COLUMNS = {  # column -> field of the one charge these columns describe
    "charge_statute": "statute",
    "charge_description": "description",
    "charge_severity": "severity",
    "charge_ncic_code": "ncic_code",
}
REJECT_COLUMNS = ("rejected_line", "rejected_reason")  # added by --rejects; ignored when the file is sent again
CSV_COLUMNS = (
    *EVENT_COLUMNS,
    *PERSON_COLUMNS,
    *STATE_ID_COLUMNS,
    ALIASES_COLUMN,
    CHARGES_COLUMN,
    *CHARGE_COLUMNS,
)

_FIELD_OF_STATE_ID_COLUMN = {field: column for column, field in STATE_ID_COLUMNS.items()}
_COLUMN_OF_CHARGE_FIELD = {field: column for column, field in CHARGE_COLUMNS.items()}


class RowNotConvertible(Exception):
    """The row's cells cannot be put together as JSON (a JSON column that is not JSON, say)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{error.field}: {error.message}" for error in errors))
        self.errors = tuple(errors)


def _json_array(cells: Mapping[str, str], column: str) -> list[Any]:
    try:
        value = read_json_text(cells[column])
    except NotJsonError as error:
        # The reason names a position, never the text, so no personal data is echoed.
        raise RowNotConvertible([FieldError(column, f"is not JSON: {error}")]) from None
    if not isinstance(value, list):
        raise RowNotConvertible([FieldError(column, "must be a JSON array")])
    return value


def person_from_cells(present: Mapping[str, str]) -> dict[str, Any]:
    """The person of a row from its non-empty cells (empty: no person column filled)."""
    person: dict[str, Any] = {column: present[column] for column in PERSON_COLUMNS if column in present}
    state_id = {field: present[column] for column, field in STATE_ID_COLUMNS.items() if column in present}
    if state_id:
        person["state_id"] = state_id
    if ALIASES_COLUMN in present:
        try:
            person["aliases"] = _json_array(present, ALIASES_COLUMN)
        except RowNotConvertible:
            # Aliases are optional: ones the API cannot read cost it a warning (kept as sent), never the row.
            person["aliases"] = present[ALIASES_COLUMN]
    return person


def event_from_cells(cells: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
    """The event's wire JSON from one row's cells (column -> text), and whether its charge came from charge_*.

    Empty (or blank) cells are absent fields. Raises ``RowNotConvertible`` when a JSON
    column does not hold a JSON array, or a row has both ``charges`` and ``charge_*``.
    """
    present = {column: value for column, value in cells.items() if value.strip()}
    errors: list[FieldError] = []
    event: dict[str, Any] = {column: present[column] for column in COMMON_COLUMNS if column in present}

    person = person_from_cells(present)
    if person:
        event["person"] = person

    charge = {field: present[column] for column, field in CHARGE_COLUMNS.items() if column in present}
    if charge and CHARGES_COLUMN in present:
        errors.append(FieldError(CHARGES_COLUMN, "give the charges either here or in the charge_* columns, not both"))
    elif charge:
        event["charges"] = [charge]
    elif CHARGES_COLUMN in present:
        try:
            event["charges"] = _json_array(present, CHARGES_COLUMN)
        except RowNotConvertible as error:
            errors.extend(error.errors)

    event.update({column: present[column] for column in RELEASE_AND_TRANSFER_COLUMNS if column in present})
    if errors:
        raise RowNotConvertible(errors)
    return event, bool(charge)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer_path(pointer: str) -> list[str]:
    """The tokens of a JSON pointer (``#/person/state_id/state`` -> ``["person", "state_id", "state"]``)."""
    return [_unescape(token) for token in pointer.removeprefix("#").split("/")[1:]]


def person_column(path: Sequence[str]) -> str | None:
    """The column a path inside the person came from (None: none does)."""
    match list(path):
        case [name] if name in PERSON_COLUMNS:
            return name
        case ["state_id"]:
            return "state_id"
        case ["state_id", field] if field in _FIELD_OF_STATE_ID_COLUMN:
            return _FIELD_OF_STATE_ID_COLUMN[field]
        case ["aliases", *inner]:
            return ALIASES_COLUMN + ("#/" + "/".join(inner) if inner else "")
    return None


def column_of_pointer(pointer: str, *, charge_from_columns: bool) -> str:
    """The CSV column a JSON pointer into an event came from (``#/person/date_of_birth`` -> ``date_of_birth``).

    A pointer into a JSON column is that column and a pointer into its array
    (``charges#/1/severity``); the event as a whole is ``row``; a pointer no
    column accounts for is returned as it is.
    """
    match pointer_path(pointer):
        case []:
            return "row"
        case [name] if name in EVENT_COLUMNS or name == "person":
            return name
        case ["person", *inner] if (column := person_column(inner)) is not None:
            return column
        case ["charges", "0", field] if charge_from_columns and field in _COLUMN_OF_CHARGE_FIELD:
            return _COLUMN_OF_CHARGE_FIELD[field]
        case ["charges", *inner] if not charge_from_columns:
            return CHARGES_COLUMN + ("#/" + "/".join(inner) if inner else "")
    return pointer


class _Utf8Lines:
    """The file's lines as text, each decoded on its own, noting those that are not UTF-8 (line number ->
    why) so the record holding one is rejected alone, naming it. A line break byte is never part of a
    multi-byte character, so a quoted cell spanning lines decodes the same line by line."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.not_utf8: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self._stream, start=1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")  # a BOM from a spreadsheet is fine
            except UnicodeDecodeError as error:
                self.not_utf8[number] = f"line {number} is not UTF-8 (byte {error.start + 1} of the line)"
                yield raw.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """The columns of one kind of record's CSV file, and how a row becomes its JSON and back."""

    columns: tuple[str, ...]
    id_column: str
    convert: Callable[[Mapping[str, str]], tuple[dict[str, Any], bool]]  # cells -> (record, charge from columns)
    column_of: Callable[[str, bool], str]  # (pointer into the record, charge from columns) -> column


CUSTODY_EVENT_LAYOUT = CsvLayout(
    CSV_COLUMNS,
    "event_id",
    event_from_cells,
    lambda pointer, charge_from_columns: column_of_pointer(pointer, charge_from_columns=charge_from_columns),
)


class CsvFormat:
    """Reads CSV rows as records (custody events unless told), labels the API's pointers with columns,
    writes rejects as CSV."""

    name = "csv"

    def __init__(self, layout: CsvLayout = CUSTODY_EVENT_LAYOUT) -> None:
        self.header: tuple[str, ...] = ()  # as the file spells it, known once rows are read
        self._layout = layout

    def count_rows(self, stream: BinaryIO) -> int:
        """How many rows ``read_rows`` will yield (for the progress bar)."""
        return sum(1 for _ in self.read_rows(stream))

    def read_rows(self, stream: BinaryIO) -> Iterator[SourceRow]:
        """Every non-empty record after the header, converted; raises ``UnusableFile`` for a bad header. A
        record on a line that is not UTF-8 is rejected, naming the line; the others go on."""
        lines = _Utf8Lines(stream)
        records = csv.reader(lines)
        header = self._header_of(records)
        if header is None:
            return
        if lines.not_utf8:
            raise UnusableFile(f"the header: {next(iter(lines.not_utf8.values()))}; save or export the file as UTF-8")
        self.header = tuple(header)
        columns = self._columns(header, self._layout.columns)
        line = records.line_num + 1  # where the next record starts
        for cells in records:
            row_line, line = line, records.line_num + 1
            if not any(cells):
                continue
            undecodable = [why for number, why in lines.not_utf8.items() if row_line <= number < line]
            if undecodable:
                original, event_id = tuple(cells), None  # a cell may be garbled: no id read from it
                errors = tuple(FieldError("row", f"{why}: save or export the file as UTF-8") for why in undecodable)
                yield SourceRow(row_line, event_id, None, original, unreadable=errors)
                continue
            yield self._row(row_line, columns, cells, self._layout)

    @staticmethod
    def _header_of(records: Iterator[list[str]]) -> list[str] | None:
        for cells in records:
            if any(cells):
                return cells
        return None

    @staticmethod
    def _columns(header: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
        columns = tuple(name.strip().lower() for name in header)
        unknown = [name for name in columns if name not in known and name not in REJECT_COLUMNS]
        if unknown:
            raise UnusableFile(
                f"unknown column(s) {', '.join(repr(name) for name in unknown)}; the columns are: {', '.join(known)}"
            )
        repeated = sorted({name for name in columns if columns.count(name) > 1})
        if repeated:
            raise UnusableFile(f"column(s) named twice: {', '.join(repeated)}")
        return columns

    @staticmethod
    def _row(line: int, columns: Sequence[str], cells: list[str], layout: CsvLayout) -> SourceRow:
        original = tuple(cells)
        by_column = dict(zip(columns, cells, strict=False))
        event_id = by_column.get(layout.id_column, "").strip() or None
        if len(cells) != len(columns):
            error = FieldError("row", f"has {len(cells)} cells; the header has {len(columns)}")
            return SourceRow(line, event_id, None, original, unreadable=(error,))
        try:
            event, charge_from_columns = layout.convert(
                {column: cell for column, cell in by_column.items() if column not in REJECT_COLUMNS}
            )
        except RowNotConvertible as error:
            return SourceRow(line, event_id, None, original, unreadable=error.errors)
        event_json = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        return SourceRow(line, event_id, event_json, original, charge_from_columns=charge_from_columns)

    def field_label(self, row: SourceRow, pointer: str) -> str:
        return self._layout.column_of(pointer, row.charge_from_columns)

    def write_rejects(self, path: Path, rejected: Sequence[RejectedRow]) -> None:
        """The rejected rows as they were, after their line and reasons: fix them and send this file again.

        The line and the reason come first, so they stay in their columns even on a row with more or fewer
        cells than the header (rejected for that very reason); the reader ignores both columns by name."""
        kept = [index for index, name in enumerate(self.header) if name.strip().lower() not in REJECT_COLUMNS]
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([*REJECT_COLUMNS, *(self.header[index] for index in kept)])
            for reject in rejected:
                cells = reject.row.original
                assert isinstance(cells, tuple)
                if len(cells) == len(self.header):
                    cells = tuple(cells[index] for index in kept)
                reason = "; ".join(f"{error.field}: {error.message}" for error in reject.errors)
                writer.writerow([str(reject.row.line), reason, *cells])
