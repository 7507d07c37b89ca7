"""The active detainers, held in memory by every notifier and kept current.

Ingest appends every lodge and lift to the detainer changelog stream. Each
notifier loads the active detainers once, then reads the changelog (plain
XREAD, no group: every instance needs every change) before it matches each
batch, so a lodge or lift answered by the API is seen by the very next
event any instance processes.

What is held per detainer is compact: its id, its office and the subject
pre-normalised for matching (``MatchRecord``), not the whole record: a million
active detainers fit in memory (``make bench-match`` measures it). What sharing
policies look at (the form, a judicial warrant) is kept only for the detainers
that differ from the usual I-247A without a warrant.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from contracts import Detainer, DetainerForm, DetainerLodged, DetainerStatus, MatchEvidence, Person, RedisNames
from contracts.detainers import JudicialWarrant, detainer_id_in
from notifier.matching import MatchConfig, MatchRecord, PersonIndex, fitted_model, match_record
from runtime import RedisClient
from store.detainers import DetainerStore

__all__ = ["ActiveDetainer", "DetainerIndex", "MatchThresholds"]

log = logging.getLogger(__name__)

_LOAD_CHUNK = 1000  # detainer records per MGET at start-up
_SYNC_CHUNK = 1000  # changelog entries per XREAD
_USUAL_TERMS = (DetainerForm.I_247A, None)
_FREEZE_AT = 50_000  # active detainers from which the loaded index is moved out of the garbage collector's way
# Changes whose reading is kept (by entry id) for the lodges' consumer, which reads the same entries through its
# group: a batch's entries are read by the index first (the consumer syncs before it looks at them), and kept
# at least until this many later changes were read.
_CHANGES_KEPT = 20_000


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
    form: DetainerForm = DetainerForm.I_247A  # what a sharing policy looks at (``policies.judge_detainer``)
    judicial_warrant: JudicialWarrant | None = None

    @property
    def detainer_id(self) -> str:
        """The office's own id."""
        return detainer_id_in(self.detainer_ref)


class DetainerIndex:
    def __init__(self, client: RedisClient, names: RedisNames, *, config: MatchConfig | None = None) -> None:
        self._detainers = DetainerStore(client, names)
        self._config = config
        self._people = PersonIndex(config=config)  # each detainer filed by reference, its field office as tag
        self._read_up_to = "0-0"  # changelog id applied so far
        self._last_seq: int | None = None  # the changelog number (``seq``) of the newest change applied
        self._syncing = asyncio.Lock()  # the timer and the batches both sync: one at a time
        self._generation = 0  # changes applied (a load counts as one)
        self._terms: dict[str, tuple[DetainerForm, JudicialWarrant | None]] = {}  # only the unusual ones
        self._changes_read: dict[str, tuple[bool, str]] = {}  # entry id -> (a lodge, its detainer's reference)

    def __len__(self) -> int:
        return len(self._people)

    @property
    def thresholds(self) -> MatchThresholds:
        """The thresholds decisions are made with now: the configured ones, else those fitted with the
        weights, raised for the number of active detainers (``MatchConfig``)."""
        auto, review, margin = (self._config or MatchConfig()).at_scale(fitted_model(), len(self))
        return MatchThresholds(auto_min_score=auto, review_min_score=review, min_margin=margin)

    def record(self, detainer_ref: str) -> MatchRecord | None:
        """The subject of an active detainer as the index keeps them (what its keys are made from), or None."""
        return self._people.record(detainer_ref)

    def get(self, detainer_ref: str) -> ActiveDetainer | None:
        office = self._people.tag(detainer_ref)
        return None if office is None else self._active(detainer_ref, office)

    def could_match(self, person: Person | MatchRecord, detainer_ref: str) -> bool:
        """Whether ``matches(person)`` could hold this detainer (``PersonIndex.could_match``): False, it does not."""
        return self._people.could_match(person, detainer_ref)

    def matches(self, person: Person | MatchRecord) -> list[tuple[ActiveDetainer, MatchEvidence]]:
        """The active detainers whose subject is (or may be) ``person``, each with the evidence."""
        return [
            (self._active(detainer_ref, self._people.tag(detainer_ref) or ""), evidence)
            for detainer_ref, evidence in self._people.matches(person)
        ]

    def matches_many(self, people: Sequence[Person | MatchRecord]) -> list[list[tuple[ActiveDetainer, MatchEvidence]]]:
        """``matches`` of each person (a batch's booked people: their candidates searched for at once)."""
        tag = self._people.tag
        return [
            [(self._active(detainer_ref, tag(detainer_ref) or ""), evidence) for detainer_ref, evidence in matched]
            for matched in self._people.matches_many(people)
        ]

    def _active(self, detainer_ref: str, office: str) -> ActiveDetainer:
        form, warrant = self._terms.get(detainer_ref, _USUAL_TERMS)
        return ActiveDetainer(detainer_ref, office, form, warrant)

    def _keep_terms(self, detainer_ref: str, detainer: Detainer) -> None:
        terms = (detainer.form, detainer.judicial_warrant)
        if terms == _USUAL_TERMS:
            self._terms.pop(detainer_ref, None)
        else:
            self._terms[detainer_ref] = terms

    @property
    def generation(self) -> int:
        """Moves on with every change to the index: a match found at one generation stands while it does not."""
        return self._generation

    async def lifted_among(self, detainer_refs: Collection[str]) -> list[tuple[str, Detainer]]:
        """Those of ``detainer_refs`` lifted as far as the changelog was read (``sync``), each with its record as
        lifted (its reason): no round trip while none of them is. Asked after a sync that read the changelog after
        alerts for them were written, it finds a lift that came in between; a lift that came later finds those
        alerts (its processor reads them after the lift was written)."""
        gone = sorted(ref for ref in detainer_refs if self._people.tag(ref) is None)
        if not gone:
            return []
        records = await self._detainers.records(gone)
        return [
            (ref, detainer)
            for ref, detainer in records.items()
            if detainer is not None and detainer.status is DetainerStatus.LIFTED
        ]

    def change_read(self, message_id: str) -> tuple[bool, str] | None:
        """What the changelog entry ``message_id`` was, as this index read it lately: whether a lodge (else a
        lift), and its detainer's reference. None: not read lately, or unreadable (the reader says why)."""
        return self._changes_read.get(message_id)

    async def load(self) -> None:
        """Read every active detainer, then catch up on changes made meanwhile."""
        async with self._syncing:
            await self._load()

    async def _load(self) -> None:
        read_up_to, self._last_seq = await self._detainers.changelog_tail()
        refs = await self._detainers.active_refs()
        self._people = PersonIndex(config=self._config)
        self._terms = {}
        self._generation += 1
        loaded: list[tuple[str, MatchRecord, str]] = []
        for start in range(0, len(refs), _LOAD_CHUNK):
            records = await self._detainers.records(refs[start : start + _LOAD_CHUNK])
            for ref, detainer in records.items():
                if detainer is None:
                    log.warning("unreadable detainer record left out of the index", extra={"detainer_ref": ref})
                elif detainer.status is DetainerStatus.ACTIVE:
                    loaded.append((ref, match_record(detainer.person), detainer.field_office))
                    self._keep_terms(ref, detainer)
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
            entries = await self._detainers.changes_after(self._read_up_to, count=_SYNC_CHUNK)
            if not entries:
                return applied
            for entry in entries:
                if self._skipped_trimmed_changes(entry.seq):
                    log.warning(
                        "detainer changelog trimmed past this index: reloading",
                        extra={"applied_up_to": self._read_up_to},
                    )
                    await self._load()
                    return len(self._people)
                self._read_up_to = entry.message_id
                if entry.change is None or entry.detainer_ref is None:
                    # The changelog consumer group dead-letters it; here it is only skipped.
                    log.warning("unreadable detainer change skipped", extra={"message_id": self._read_up_to})
                    continue
                self._apply(entry.change.detainer, entry.detainer_ref)
                self._remember(entry.message_id, isinstance(entry.change, DetainerLodged), entry.detainer_ref)
                applied += 1
            if len(entries) < _SYNC_CHUNK:
                return applied

    def _remember(self, message_id: str, lodged: bool, detainer_ref: str) -> None:
        kept = self._changes_read
        kept[message_id] = (lodged, detainer_ref)
        if len(kept) >= 2 * _CHANGES_KEPT:  # the newest half kept: no pop from the front of a dict an entry
            self._changes_read = dict(list(kept.items())[-_CHANGES_KEPT:])

    def _skipped_trimmed_changes(self, seq: int | None) -> bool:
        """Whether this entry's number jumps past the next one expected (updating the last seen)."""
        if seq is None:
            return False  # not numbered (written by hand, or before numbering): nothing to tell
        skipped = self._last_seq is not None and seq > self._last_seq + 1
        if self._last_seq is None or seq > self._last_seq:  # a replayed old entry does not move it back
            self._last_seq = seq
        return skipped

    def _apply(self, detainer: Detainer, detainer_ref: str) -> None:
        self._generation += 1
        if detainer.status is DetainerStatus.ACTIVE:
            self._people.add(detainer_ref, detainer.person, tag=detainer.field_office)
            self._keep_terms(detainer_ref, detainer)
        else:
            self._people.remove(detainer_ref)
            self._terms.pop(detainer_ref, None)
