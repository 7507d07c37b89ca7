"""The active detainers, held in memory by every notifier and kept current.

Ingest appends every lodge and lift to the detainer changelog stream. Each
notifier loads the active detainers once, then reads the changelog (plain
XREAD, no group: every instance needs every change) before it matches each
batch, so a lodge or lift answered by the API is seen by the very next
event any instance processes.

What is held per detainer is compact: its id, its office and the subject
pre-normalised for matching (``MatchRecord``), not the whole record: a million
active detainers fit in memory (``make bench-match`` measures it).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from pydantic import ValidationError

from contracts import (
    Detainer,
    DetainerLodged,
    DetainerStatus,
    MatchEvidence,
    Person,
    RedisNames,
    detainer_change_adapter,
)
from contracts.detainers import DETAINER_REF_FIELD, detainer_id_in
from notifier.adapters.stream_entries import DATA_FIELD
from notifier.matching import MatchConfig, MatchRecord, PersonIndex, fitted_model, match_record
from runtime import RedisClient

__all__ = ["ActiveDetainer", "DetainerIndex", "MatchThresholds", "detainer_ref_of_change"]

log = logging.getLogger(__name__)

_LOAD_CHUNK = 1000  # detainer records per MGET at start-up
_SEQ_FIELD = b"seq"
_REF_FIELD = DETAINER_REF_FIELD.encode()  # each changelog entry's number (see RedisNames.detainer_change_count)
_SYNC_CHUNK = 1000  # changelog entries per XREAD
_FREEZE_AT = 50_000  # active detainers from which the loaded index is moved out of the garbage collector's way


@dataclass(frozen=True, slots=True)
class MatchThresholds:
    """In bits: an automatic match scores at least ``auto_min_score`` and leads the runner-up by
    ``min_margin``; a possible match scores at least ``review_min_score``."""

    auto_min_score: float
    review_min_score: float
    min_margin: float


@dataclass(frozen=True, slots=True)
class ActiveDetainer:
    """What an alert needs of an active detainer besides the match evidence."""

    detainer_ref: str  # unique across offices: what the index, alert ids and stories key by
    field_office: str

    @property
    def detainer_id(self) -> str:
        """The office's own id."""
        return detainer_id_in(self.detainer_ref)


class DetainerIndex:
    def __init__(self, client: RedisClient, names: RedisNames, *, config: MatchConfig | None = None) -> None:
        self._client = client
        self._names = names
        self._config = config
        self._people = PersonIndex(config=config)  # each detainer filed by reference, its field office as tag
        self._read_up_to = "0-0"  # changelog id applied so far
        self._last_seq: int | None = None  # the changelog number (``seq``) of the newest change applied
        self._syncing = asyncio.Lock()  # the timer and the batches both sync: one at a time

    def __len__(self) -> int:
        return len(self._people)

    @property
    def thresholds(self) -> MatchThresholds:
        """The thresholds decisions are made with now: the configured ones, else those fitted with the
        weights, raised for the number of active detainers (``MatchConfig``)."""
        auto, review, margin = (self._config or MatchConfig()).at_scale(fitted_model(), len(self))
        return MatchThresholds(auto_min_score=auto, review_min_score=review, min_margin=margin)

    def get(self, detainer_ref: str) -> ActiveDetainer | None:
        office = self._people.tag(detainer_ref)
        return None if office is None else ActiveDetainer(detainer_ref, office)

    def matches(self, person: Person | MatchRecord) -> list[tuple[ActiveDetainer, MatchEvidence]]:
        """The active detainers whose subject is (or may be) ``person``, each with the evidence."""
        return [
            (ActiveDetainer(detainer_ref, self._people.tag(detainer_ref) or ""), evidence)
            for detainer_ref, evidence in self._people.matches(person)
        ]

    async def load(self) -> None:
        """Read every active detainer, then catch up on changes made meanwhile."""
        async with self._syncing:
            await self._load()

    async def _load(self) -> None:
        latest = cast(
            list[tuple[bytes, dict[bytes, bytes]]], await self._client.xrevrange(self._names.detainer_changes, count=1)
        )
        read_up_to = latest[0][0].decode() if latest else "0-0"
        # No entry left to read it from (an empty changelog): the counter says where numbering is.
        latest_seq = (
            latest[0][1].get(_SEQ_FIELD) if latest else await self._client.get(self._names.detainer_change_count)
        )
        self._last_seq = int(latest_seq) if latest_seq is not None and latest_seq.isdigit() else None
        members = cast(set[bytes], await self._client.smembers(self._names.active_detainers))
        refs = sorted(member.decode() for member in members)
        self._people = PersonIndex(config=self._config)
        loaded: list[tuple[str, MatchRecord, str]] = []
        for start in range(0, len(refs), _LOAD_CHUNK):
            chunk = refs[start : start + _LOAD_CHUNK]
            records = await self._client.mget([self._names.detainer(ref) for ref in chunk])
            for ref, raw in zip(chunk, records, strict=True):
                if raw is None:
                    continue
                detainer = Detainer.model_validate_json(raw, extra="ignore")
                if detainer.status is DetainerStatus.ACTIVE:
                    loaded.append((ref, match_record(detainer.person), detainer.field_office))
        self._people.add_many(loaded)  # one sort for all, rather than a merge per thousand
        del loaded
        self._read_up_to = read_up_to
        await self._sync()
        if len(self._people) >= _FREEZE_AT:
            # The index is then most of the heap and lives as long as the process: keep the cyclic
            # garbage collector from walking a million records on every full collection (pauses of
            # tens of ms in the middle of a batch).
            gc.collect()
            gc.freeze()
        log.info("detainer index loaded", extra={"active_detainers": len(self._people)})

    async def sync(self) -> int:
        """Apply changelog entries not applied yet; returns how many.

        If the changelog was trimmed past what this index applied (an instance that
        stood still longer than the retention), the changes in between are gone:
        the index is then rebuilt from the detainer records instead.
        """
        async with self._syncing:
            return await self._sync()

    async def _sync(self) -> int:
        applied = 0
        while True:
            reply = cast(
                list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]],
                await self._client.xread({self._names.detainer_changes: self._read_up_to}, count=_SYNC_CHUNK),
            )
            if not reply:
                return applied
            (_, entries) = reply[0]
            for message_id, fields in entries:
                if self._skipped_trimmed_changes(fields.get(_SEQ_FIELD)):
                    log.warning(
                        "detainer changelog trimmed past this index: reloading",
                        extra={"applied_up_to": self._read_up_to},
                    )
                    await self._load()
                    return len(self._people)
                self._read_up_to = message_id.decode()
                data = fields.get(DATA_FIELD)
                try:
                    change = detainer_change_adapter.validate_json(data or b"", extra="ignore")
                except ValidationError:
                    # The changelog consumer group dead-letters it; here it is only skipped.
                    log.warning("unreadable detainer change skipped", extra={"message_id": self._read_up_to})
                    continue
                self._apply(change.detainer, detainer_ref_of_change(fields, change.detainer))
                applied += 1
            if len(entries) < _SYNC_CHUNK:
                return applied

    def _skipped_trimmed_changes(self, raw_seq: bytes | None) -> bool:
        """Whether this entry's number jumps past the next one expected (updating the last seen)."""
        if raw_seq is None or not raw_seq.isdigit():
            return False  # not numbered (written by hand, or before numbering): nothing to tell
        seq = int(raw_seq)
        skipped = self._last_seq is not None and seq > self._last_seq + 1
        if self._last_seq is None or seq > self._last_seq:  # a replayed old entry does not move it back
            self._last_seq = seq
        return skipped

    def _apply(self, detainer: Detainer, detainer_ref: str) -> None:
        if detainer.status is DetainerStatus.ACTIVE:
            self._people.add(detainer_ref, detainer.person, tag=detainer.field_office)
        else:
            self._people.remove(detainer_ref)

    def apply_lodged(self, change: DetainerLodged, detainer_ref: str) -> None:
        self._apply(change.detainer, detainer_ref)


def detainer_ref_of_change(fields: Mapping[bytes, bytes], detainer: Detainer) -> str:
    """The reference of the detainer a changelog entry is about (an entry written before references
    existed is of a detainer whose reference is its id)."""
    ref = fields.get(_REF_FIELD)
    return ref.decode() if ref else detainer.detainer_id
