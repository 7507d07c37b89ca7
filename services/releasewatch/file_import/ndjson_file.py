"""NDJSON import files: one custody event per line, exactly as the API takes it.

Each line is sent as it is; the importer only reads it to find the
``event_id`` for the report and to keep a line that is not JSON at all from
being sent (it is rejected with the parser's reason, which names a position,
never the text).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from releasewatch.file_import.rows import FieldError, RejectedRow, SourceRow

__all__ = ["NdjsonFormat"]

_UTF8_BOM = b"\xef\xbb\xbf"


def _event_id_of(document: Any) -> str | None:
    if isinstance(document, dict) and isinstance(document.get("event_id"), str):
        return str(document["event_id"])
    return None


class NdjsonFormat:
    """Reads NDJSON lines as events, reports the API's pointers as they are, writes rejects as NDJSON."""

    name = "ndjson"

    def count_rows(self, stream: BinaryIO) -> int:
        """How many rows ``read_rows`` will yield (for the progress bar)."""
        return sum(1 for raw in stream if raw.strip())

    def read_rows(self, stream: BinaryIO) -> Iterator[SourceRow]:
        """Every non-blank line; blank lines are skipped but counted, so line numbers are the file's."""
        for line, raw in enumerate(stream, start=1):
            text = raw.removeprefix(_UTF8_BOM) if line == 1 else raw
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
                document = json.loads(decoded)
            except json.JSONDecodeError as error:
                reason = FieldError("#", f"is not JSON: {error.msg} at character {error.pos}")
                yield SourceRow(line, None, None, decoded, unreadable=(reason,))
                continue
            yield SourceRow(line, _event_id_of(document), text, decoded)

    def field_label(self, row: SourceRow, pointer: str) -> str:
        return pointer

    def write_rejects(self, path: Path, rejected: Sequence[RejectedRow]) -> None:
        """One object per rejected line: its ``line``, ``event_id``, ``errors`` and the ``event`` as sent.

        A line that was not JSON is kept as text in ``raw`` instead of ``event``.
        ``jq -c .event`` turns the fixed file back into events to send.
        """
        with path.open("w", encoding="utf-8") as out:
            for reject in rejected:
                record: dict[str, Any] = {
                    "line": reject.row.line,
                    "event_id": reject.row.event_id,
                    "errors": [{"field": error.field, "message": error.message} for error in reject.errors],
                }
                assert isinstance(reject.row.original, str)
                if reject.row.event_json is None:
                    record["raw"] = reject.row.original
                else:
                    record["event"] = json.loads(reject.row.original)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
