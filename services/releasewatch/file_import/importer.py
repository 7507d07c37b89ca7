"""Rows of a file, sent in chunks, tallied by what the API answered for each."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from releasewatch.file_import.formats import ImportFormat
from releasewatch.file_import.rows import FieldError, RejectedRow, SourceRow, WarnedRow
from releasewatch.file_import.upload import BatchUploader

__all__ = ["MAX_CHUNK_BYTES", "ImportTally", "import_rows"]

MAX_CHUNK_BYTES = 8 * 1024 * 1024  # half the API's default batch limit; a lower limit (413) splits chunks further


@dataclass
class ImportTally:
    """What happened to the rows so far. Only what the API answered counts as accepted or replayed."""

    read: int = 0
    accepted: int = 0
    replayed: int = 0
    withheld: dict[str, int] = field(default_factory=dict)  # by the sharing policy's rule: accepted, not published
    rejected: list[RejectedRow] = field(default_factory=list)
    warned: list[WarnedRow] = field(default_factory=list)  # accepted (or replayed) without fields it could not read
    unconfirmed: int = 0  # sent or about to be, with no answer yet (all of them when the import stops early)

    @property
    def answered(self) -> int:
        return self.accepted + self.replayed + sum(self.withheld.values()) + len(self.rejected)


def import_rows(
    rows: Iterable[SourceRow],
    file_format: ImportFormat,
    uploader: BatchUploader,
    tally: ImportTally,
    *,
    chunk_size: int,
    on_progress: Callable[[int], None] = lambda done: None,
) -> None:
    """Send every row (up to ``chunk_size`` per request) and record each outcome in ``tally``.

    Rows that could not be turned into JSON are rejected without being sent.
    Raises what the uploader raises when the API stays unreachable or refuses a
    chunk as a whole; ``tally`` then holds every answer received until then.
    """
    chunk: list[SourceRow] = []
    chunk_bytes = 0

    def send_chunk() -> None:
        nonlocal chunk, chunk_bytes
        outcomes = uploader.send([row.event_json for row in chunk if row.event_json is not None])
        for row, outcome in zip(chunk, outcomes, strict=True):
            if outcome.warnings:
                labelled = (FieldError(file_format.field_label(row, pointer), why) for pointer, why in outcome.warnings)
                tally.warned.append(WarnedRow(row, tuple(labelled)))
            if outcome.status == "accepted":
                tally.accepted += 1
            elif outcome.status == "replayed":
                tally.replayed += 1
            elif outcome.status == "withheld":
                rule = outcome.withheld_by or "a sharing policy"
                tally.withheld[rule] = tally.withheld.get(rule, 0) + 1
            else:
                errors = tuple(
                    FieldError(file_format.field_label(row, pointer), message) for pointer, message in outcome.errors
                )
                tally.rejected.append(RejectedRow(row, errors))
        tally.unconfirmed -= len(chunk)
        on_progress(len(chunk))
        chunk, chunk_bytes = [], 0

    for row in rows:
        tally.read += 1
        if row.event_json is None:
            tally.rejected.append(RejectedRow(row, row.unreadable))
            on_progress(1)
            continue
        if chunk and chunk_bytes + len(row.event_json) + 1 > MAX_CHUNK_BYTES:
            send_chunk()
        chunk.append(row)
        chunk_bytes += len(row.event_json) + 1
        tally.unconfirmed += 1
        if len(chunk) >= chunk_size:
            send_chunk()
    if chunk:
        send_chunk()
    tally.rejected.sort(key=lambda reject: reject.row.line)
    tally.warned.sort(key=lambda warned: warned.row.line)
