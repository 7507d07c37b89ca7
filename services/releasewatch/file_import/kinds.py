"""What a file imports: custody events (`releasewatch ingest`) or detainers (`releasewatch detainers import`).

Both go the same way (rows turned into the API's JSON, sent in chunks as NDJSON to a batch endpoint that
answers per item and is idempotent by the record's id); a kind says which endpoint, which id names a row,
which answers mean accepted or accepted before, and the words the summary uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["CUSTODY_EVENTS", "DETAINERS", "ItemStatus", "RecordKind"]

ItemStatus = Literal["accepted", "replayed", "withheld", "rejected"]


@dataclass(frozen=True, slots=True)
class RecordKind:
    plural: str  # "events", "detainers"
    id_field: str  # the field naming a row in the report: "event_id", "detainer_id"
    batch_path: str
    answered: frozenset[int]  # HTTP statuses whose body answers for each item
    statuses: Mapping[str, ItemStatus]  # the API's item status -> ours (others: rejected)
    accepted_word: str  # "accepted", "lodged"
    replayed_word: str  # how the summary names items accepted before
    forbidden_hint: str  # what to do after a 403


CUSTODY_EVENTS = RecordKind(
    plural="events",
    id_field="event_id",
    batch_path="/v1/custody-events:batch",
    answered=frozenset({202, 422}),
    statuses={"accepted": "accepted", "duplicate": "replayed", "withheld": "withheld"},
    accepted_word="accepted",
    replayed_word="replayed (accepted before)",
    forbidden_hint="use a key that may submit for these facilities (a source's key lists its own)",
)

DETAINERS = RecordKind(
    plural="detainers",
    id_field="detainer_id",
    batch_path="/v1/detainers:batch",
    answered=frozenset({200, 403, 409, 422}),  # 403 with results: every item another office's
    statuses={"created": "accepted", "unchanged": "replayed"},
    accepted_word="lodged",
    replayed_word="unchanged (lodged before)",
    forbidden_hint="use the key of the office that lodges them (a field office's key lodges its own)",
)
