"""NDJSON import files: one record (a custody event, a detainer) per line, exactly as the API takes it.

Each line is sent as it is; the importer only reads it to find the
record's id (``event_id``, ``detainer_id``) for the report and to keep a line that is not JSON at all from
being sent (it is rejected with the parser's reason, which names a position,
never the text).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from releasewatch.file_import.json_text import NotJsonError, read_json_text
from releasewatch.file_import.rows import FieldError, RejectedRow, SourceRow

__all__ = ["NdjsonFormat"]

_UTF8_BOM = b"\xef\xbb\xbf"


def _id_of(document: Any, id_field: str) -> str | None:
    if isinstance(document, dict) and isinstance(document.get(id_field), str):
        return str(document[id_field])
    return None


class NdjsonFormat:
    """Reads NDJSON lines as records, reports the API's pointers as they are, writes rejects as NDJSON."""

    name = "ndjson"

    def __init__(self, id_field: str = "event_id") -> None:
        self._id_field = id_field

    def count_rows(self, stream: BinaryIO) -> int:
        """How many rows ``read_rows`` will yield (for the progress bar)."""
        return sum(1 for raw in stream if raw.strip())

    def read_rows(self, stream: BinaryIO) -> Iterator[SourceRow]:
        """Every non-blank line; blank lines are skipped but counted, so line numbers are the file's."""
        for line, raw in enumerate(stream, start=1):
            text = raw.removeprefix(_UTF8_BOM)  # (any line's: files from Windows tools joined end to end)
            text = text.rstrip(b"\r\n")
            if not text.strip():
                continue
            try:
                decoded = text.decode("utf-8")
            except UnicodeDecodeError as error:
                reason = FieldError("#", f"is not UTF-8 (bad byte at character {error.start})")
                yield SourceRow(line, None, None, text.decode("utf-8", errors="replace"), unreadable=(reason,))
                continue
            try:
                document = read_json_text(decoded)
            except NotJsonError as error:
                reason = FieldError("#", f"is not JSON: {error}")
                yield SourceRow(line, None, None, decoded, unreadable=(reason,))
                continue
            yield SourceRow(line, _id_of(document, self._id_field), text, decoded)

    def field_label(self, row: SourceRow, pointer: str) -> str:
        return pointer

    def write_rejects(self, path: Path, rejected: Sequence[RejectedRow]) -> None:
        """One object per rejected line: its ``line``, id (``event_id``, ``detainer_id``), ``errors`` and the
        record as sent (``event``, ``detainer``).

        A line that was not JSON is kept as text in ``raw`` instead.
        ``jq -c .event`` (``.detainer``) turns the fixed file back into records to send.
        """
        record_field = self._id_field.removesuffix("_id")
        with path.open("w", encoding="utf-8") as out:
            for reject in rejected:
                record: dict[str, Any] = {
                    "line": reject.row.line,
                    self._id_field: reject.row.event_id,
                    "errors": [{"field": error.field, "message": error.message} for error in reject.errors],
                }
                assert isinstance(reject.row.original, str)
                if reject.row.event_json is None:
                    record["raw"] = reject.row.original
                else:
                    record[record_field] = json.loads(reject.row.original)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
