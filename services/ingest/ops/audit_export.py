"""The audit trail exported: NDJSON or CSV, oldest first, streamed a page at a time, so an export of any size
starts at once and holds little memory. The JSON pages (newest first) are the route's own."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from enum import StrEnum

from store.audit import AuditEntry, AuditFilter, AuditTrail

__all__ = ["CSV_COLUMNS", "AuditFormat", "export_lines", "format_asked", "media_type_of"]

CSV_COLUMNS = ("id", "at", "actor", "action", "target", "detail")

# A spreadsheet reads a cell starting with one of these as a formula: such a cell is written with a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AuditFormat(StrEnum):
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"


_MEDIA_TYPES = {
    AuditFormat.JSON: "application/json",
    AuditFormat.NDJSON: "application/x-ndjson",
    AuditFormat.CSV: "text/csv; charset=utf-8",
}
_ACCEPTED = {"text/csv": AuditFormat.CSV, "application/x-ndjson": AuditFormat.NDJSON, "application/json": None}


def media_type_of(export: AuditFormat) -> str:
    return _MEDIA_TYPES[export]


def format_asked(format_param: AuditFormat | None, accept: str | None) -> AuditFormat:
    """``format=`` wins; else the first of CSV, NDJSON or JSON the Accept header names; else JSON pages."""
    if format_param is not None:
        return format_param
    for part in (accept or "").split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in _ACCEPTED:
            return _ACCEPTED[media] or AuditFormat.JSON
    return AuditFormat.JSON


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _csv_line(values: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_cell(value) for value in values])
    return buffer.getvalue()


def _row(entry: AuditEntry) -> tuple[str, ...]:
    return (entry.id, entry.at.isoformat(), entry.actor, entry.action, entry.target, entry.detail)


async def export_lines(trail: AuditTrail, wanted: AuditFilter, export: AuditFormat) -> AsyncIterator[str]:
    """The entries ``wanted`` admits, oldest first, one line each (CSV: after a header line)."""
    if export is AuditFormat.CSV:
        yield _csv_line(CSV_COLUMNS)
    async for entry in trail.oldest_first(wanted):
        if export is AuditFormat.CSV:
            yield _csv_line(_row(entry))
        else:
            yield json.dumps(entry.model_dump(mode="json"), ensure_ascii=False) + "\n"
