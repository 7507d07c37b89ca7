"""CSV import files of detainers: one detainer per row, in flat columns, turned into the lodge request's JSON.

The detainer's own fields, the person's (the same columns as a custody event's person), and the judicial
warrant in two columns. An empty cell is an absent field; the API checks every value, and its pointers are
mapped back to the columns they came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from releasewatch.file_import.csv_file import (
    ALIASES_COLUMN,
    PERSON_COLUMNS,
    STATE_ID_COLUMNS,
    CsvLayout,
    person_column,
    person_from_cells,
    pointer_path,
)

__all__ = ["DETAINER_COLUMNS", "DETAINER_LAYOUT", "detainer_column_of_pointer", "detainer_from_cells"]

DETAINER_FIELD_COLUMNS = ("detainer_id", "form", "field_office", "lodged_with_ori", "issued_at")
WARRANT_COLUMNS = {"judicial_warrant_court": "court", "judicial_warrant_reference": "reference"}
DETAINER_COLUMNS = (*DETAINER_FIELD_COLUMNS, *PERSON_COLUMNS, *STATE_ID_COLUMNS, ALIASES_COLUMN, *WARRANT_COLUMNS)

_COLUMN_OF_WARRANT_FIELD = {field: column for column, field in WARRANT_COLUMNS.items()}


def detainer_from_cells(cells: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
    """The lodge request's JSON from one row's cells (column -> text). (The second value, a custody event's charge
    flag, is always False.)"""
    present = {column: value for column, value in cells.items() if value.strip()}
    detainer: dict[str, Any] = {column: present[column] for column in DETAINER_FIELD_COLUMNS if column in present}
    person = person_from_cells(present)
    if person:
        detainer["person"] = person
    warrant = {field: present[column] for column, field in WARRANT_COLUMNS.items() if column in present}
    if warrant:
        detainer["judicial_warrant"] = warrant
    return detainer, False


def detainer_column_of_pointer(pointer: str, _: bool = False) -> str:
    """The CSV column a JSON pointer into a detainer came from; ``row`` for the detainer as a whole; a pointer
    no column accounts for is returned as it is."""
    match pointer_path(pointer):
        case []:
            return "row"
        case [name] if name in DETAINER_FIELD_COLUMNS or name in ("person", "judicial_warrant"):
            return name
        case ["person", *inner] if (column := person_column(inner)) is not None:
            return column
        case ["judicial_warrant", field] if field in _COLUMN_OF_WARRANT_FIELD:
            return _COLUMN_OF_WARRANT_FIELD[field]
    return pointer


DETAINER_LAYOUT = CsvLayout(DETAINER_COLUMNS, "detainer_id", detainer_from_cells, detainer_column_of_pointer)
