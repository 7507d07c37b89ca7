"""The file formats `releasewatch ingest` reads, and how one is chosen for a file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

from releasewatch.file_import.csv_file import CUSTODY_EVENT_LAYOUT, CsvFormat
from releasewatch.file_import.detainer_csv import DETAINER_LAYOUT
from releasewatch.file_import.kinds import CUSTODY_EVENTS, DETAINERS, RecordKind
from releasewatch.file_import.ndjson_file import NdjsonFormat
from releasewatch.file_import.rows import RejectedRow, SourceRow

__all__ = ["FORMAT_NAMES", "ImportFormat", "format_for"]


class ImportFormat(Protocol):
    name: str

    def count_rows(self, stream: BinaryIO) -> int: ...

    def read_rows(self, stream: BinaryIO) -> Iterator[SourceRow]: ...

    def field_label(self, row: SourceRow, pointer: str) -> str:
        """How the report names the field an API pointer (``#/person/sex``, into the event) designates."""
        ...

    def write_rejects(self, path: Path, rejected: Sequence[RejectedRow]) -> None: ...


FORMAT_NAMES = ("csv", "ndjson")
_BY_EXTENSION = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}


_CSV_LAYOUTS = {CUSTODY_EVENTS.id_field: CUSTODY_EVENT_LAYOUT, DETAINERS.id_field: DETAINER_LAYOUT}


def format_for(file_name: str, name: str | None, kind: RecordKind = CUSTODY_EVENTS) -> ImportFormat | None:
    """The format ``name`` (``csv``, ``ndjson``) or, without one, the file's extension's, for files of
    ``kind``; None when unknown."""
    chosen = name or _BY_EXTENSION.get(Path(file_name).suffix.lower())
    if chosen == "csv":
        return CsvFormat(_CSV_LAYOUTS[kind.id_field])
    if chosen == "ndjson":
        return NdjsonFormat(kind.id_field)
    return None
