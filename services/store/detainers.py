"""Detainers in Redis: lodged and lifted atomically with their listings and changelog; read by office and id,
by listing, and (by every notifier) as the active set and the changelog.

Scripts: ``lodge_detainer.lua`` (one detainer or a chunk of a batch per call), ``lift_detainer.lua``. Each
changelog entry carries the detainer's reference and its number (``seq``, from the changelog's counter), so a
reader sees entries trimmed before it read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import cast

from pydantic import ValidationError

from contracts import (
    Detainer,
    DetainerLifted,
    DetainerLodged,
    DetainerStatus,
    LiftDetainer,
    LodgeDetainer,
    RedisNames,
    detainer_change_adapter,
)
from contracts.detainers import DetainerChange, detainer_ref_for
from contracts.envelope import StreamEntry
from contracts.stored_fields import EntryField
from runtime import RedisClient, as_text
from runtime.clock import Clock, epoch_ms, utc_now
from runtime.compare_and_set import compare_and_set
from runtime.redis import pipelined
from runtime.scripts import ScriptCall
from store.listings import ListingPage, ListingPosition, newest_first
from store.scripts import SCRIPTS

__all__ = [
    "ChangelogEntry",
    "DetainerConflictError",
    "DetainerNotFoundError",
    "DetainerStore",
    "LodgeOutcome",
    "LodgeStatus",
    "StoredDetainer",
    "detainer_ref_of",
]


_READ_CHUNK = 1000  # members per read of an index


class DetainerNotFoundError(LookupError):
    pass


class LodgeStatus(StrEnum):
    CREATED = "created"  # lodged by this call
    UNCHANGED = "unchanged"  # the office lodged this very detainer before: nothing written
    CONFLICT = "conflict"  # the office lodged another body under this detainer_id, or lifted it: nothing written


class LodgeOutcome:
    """What lodging one detainer did, and the detainer as it now stands (as lodged before, when not created)."""

    __slots__ = ("_detainer", "_lodged", "status")

    def __init__(self, status: LodgeStatus, detainer: Detainer | None = None, *, lodged: _Lodged | None = None) -> None:
        """``detainer``, or for one lodged now its request and when it was lodged: the record is made only when
        asked for (a batch answers with each one's status alone)."""
        self.status = status
        self._detainer = detainer
        self._lodged = lodged

    @property
    def detainer(self) -> Detainer:
        if self._detainer is None:
            if self._lodged is None:
                raise TypeError("a LodgeOutcome needs the detainer, or what was lodged")
            self._detainer = _lodged(*self._lodged)
        return self._detainer


_Lodged = tuple[LodgeDetainer, datetime]  # a request, and when it was lodged


_LODGE_CHUNK = 250  # detainers per call of the lodge script (a call holds Redis a few milliseconds)


def _lodged(request: LodgeDetainer, lodged_at: datetime) -> Detainer:
    """The detainer ``request`` lodges (its fields validated already, not validated again)."""
    return Detainer.model_construct(**request.__dict__, status=DetainerStatus.ACTIVE, lodged_at=lodged_at)


_LODGING_FIELDS = set(Detainer.model_fields) - set(LodgeDetainer.model_fields)  # what lodging adds


@dataclass(frozen=True, slots=True)
class _LodgedJson:
    """How a lodged detainer's record and changelog entry are written, from the request's JSON: the record is
    the request's fields, then the ones lodging adds (the same for every detainer lodged at one time), as
    ``Detainer.model_dump_json`` writes them; the entry wraps the record as ``DetainerLodged`` does (the lodge
    script puts each record between ``change_head`` and ``change_tail``). Taken from pydantic's own output for
    the first detainer, then each other costs one serialisation (the request's) instead of a model built and
    serialised twice."""

    record_tail: str  # what follows the request's fields in the record, closing brace included
    change_head: str  # the entry's JSON before the record
    change_tail: str  # ... and after it
    first: LodgeDetainer  # the request it was taken from, and its detainer and record
    first_lodged: Detainer
    first_record: str

    @classmethod
    def at(cls, first: LodgeDetainer, lodged_at: datetime) -> _LodgedJson:
        detainer = _lodged(first, lodged_at)
        record = detainer.model_dump_json()
        tail = "," + detainer.model_dump_json(include=_LODGING_FIELDS)[1:]
        change = DetainerLodged(detainer=detainer).model_dump_json()
        start = change.index(record)
        if record != first.model_dump_json()[:-1] + tail or change.count(record) != 1:  # pragma: no cover
            raise AssertionError("a lodged detainer's JSON is not the request's, then what lodging adds")
        return cls(tail, change[:start], change[start + len(record) :], first, detainer, record)

    def record(self, request: LodgeDetainer) -> str:
        if request is self.first:
            return self.first_record
        return request.model_dump_json()[:-1] + self.record_tail

    def outcome(self, request: LodgeDetainer, lodged_at: datetime, created: bool, value: bytes | str) -> LodgeOutcome:
        if created:
            if request is self.first:
                return LodgeOutcome(LodgeStatus.CREATED, self.first_lodged)
            return LodgeOutcome(LodgeStatus.CREATED, lodged=(request, lodged_at))
        existing = _parse(value)
        asked = LodgeDetainer(**{field: getattr(existing, field) for field in LodgeDetainer.model_fields})
        # A lifted detainer lodged again is no retry of its lodge: the office means a detainer in force, which this
        # one is not any more (its alerts and reminders stopped with the lift).
        unchanged = asked == request and existing.status is DetainerStatus.ACTIVE
        return LodgeOutcome(LodgeStatus.UNCHANGED if unchanged else LodgeStatus.CONFLICT, existing)


class DetainerConflictError(Exception):
    def __init__(self, message: str, current: Detainer) -> None:
        super().__init__(message)
        self.current = current


def _parse(raw: bytes | str) -> Detainer:
    return Detainer.model_validate_json(raw, extra="ignore")


@dataclass(frozen=True, slots=True)
class StoredDetainer:
    """A detainer as kept: the record, and the reference its keys and listings use."""

    ref: str
    detainer: Detainer
    raw: bytes | str  # as read: the compare-and-swap of a lift compares it


class DetainerStore:
    """Detainers by office: an office's ``detainer_id`` names one of its own detainers, never another's.

    Each detainer is kept under its reference (``contracts.detainers.detainer_ref_for``): ``OFFICE/ID``,
    or the id alone for a detainer lodged when ids were global. Both are looked for, the former one
    only if it is the same office's, so a store of the former layout keeps working unchanged.
    """

    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Clock = utc_now) -> None:
        self._client = client
        self._names = names
        self._clock = clock
        self._lodge = SCRIPTS.on(client, "lodge_detainer")
        self._lift = SCRIPTS.on(client, "lift_detainer")

    async def lodge(self, request: LodgeDetainer) -> tuple[Detainer, bool]:
        """Lodge ``request``; returns the detainer and whether this call lodged it.

        Lodging the same detainer again is answered with the record as it is
        now; a different body under the office's used detainer_id, or any body under the id of a detainer it
        lifted, raises a conflict.
        """
        (outcome,) = await self.lodge_many([request])
        if outcome.status is LodgeStatus.CONFLICT:
            if outcome.detainer.status is DetainerStatus.LIFTED:
                message = (
                    f"detainer_id {request.detainer_id!r} was lifted by {request.field_office}: a detainer lodged anew "
                    "needs a new detainer_id"
                )
            else:
                message = (
                    f"detainer_id {request.detainer_id!r} is already lodged by {request.field_office} with a "
                    "different body"
                )
            raise DetainerConflictError(message, outcome.detainer)
        return outcome.detainer, outcome.status is LodgeStatus.CREATED

    async def lodge_many(self, requests: Sequence[LodgeDetainer]) -> list[LodgeOutcome]:
        """Lodge each of ``requests``; each one's outcome, in order. ``_LODGE_CHUNK`` detainers go in one call of
        the script (every key is under the ``{detainers}`` tag), the chunks in one pipeline.

        A detainer already lodged by its office with the same body is ``unchanged`` (no changelog entry);
        with another body, or lifted since, ``conflict`` (the record as it is). Two items of one call with one id: the
        first lodges it, the second is decided against it."""
        if not requests:
            return []
        lodged_at = self._clock()
        written = _LodgedJson.at(requests[0], lodged_at)
        calls = [
            self._lodge_call(requests[start : start + _LODGE_CHUNK], written, epoch_ms(lodged_at))
            for start in range(0, len(requests), _LODGE_CHUNK)
        ]
        replies = [answer for reply in await self._lodge.many(calls) for answer in reply]
        return [
            written.outcome(request, lodged_at, bool(created), value)
            for request, (created, value, _) in zip(requests, replies, strict=True)
        ]

    def _lodge_call(self, requests: Sequence[LodgeDetainer], written: _LodgedJson, score: int) -> ScriptCall:
        """One call of the lodge script for ``requests``: what they share once (the set, the changelog, each
        office's listings), then three keys and three arguments a detainer (see the script)."""
        names, active = self._names, DetainerStatus.ACTIVE.value
        offices = list(dict.fromkeys(request.field_office for request in requests))
        keys = [names.active_detainers, names.detainer_changes, names.detainer_change_count]
        for office in offices:
            keys += names.listings("detainers", office, active)
        args: list[str | int | float | bytes] = [score, written.change_head, written.change_tail, len(offices)]
        args += offices
        for request in requests:
            office, detainer_id = request.field_office, request.detainer_id
            keys += (
                names.detainer(detainer_ref_for(office, detainer_id)),
                names.detainer(detainer_id),
                names.detainer_offices(detainer_id),
            )
            args += (detainer_id, office, written.record(request))
        return keys, args

    async def find(self, field_office: str, detainer_id: str) -> StoredDetainer | None:
        """The office's detainer of that id, or None."""
        ref = detainer_ref_for(field_office, detainer_id)
        scoped, former = await self._client.mget([self._names.detainer(ref), self._names.detainer(detainer_id)])
        if scoped is not None:
            return StoredDetainer(ref, _parse(scoped), scoped)
        if former is not None:
            detainer = _parse(former)
            if detainer.field_office == field_office:
                return StoredDetainer(detainer_id, detainer, former)
        return None

    async def offices_of(self, detainer_id: str) -> set[str]:
        """Every office that lodged a detainer under ``detainer_id``."""
        offices = {as_text(member) for member in await self._client.smembers(self._names.detainer_offices(detainer_id))}
        former = await self._client.get(self._names.detainer(detainer_id))
        if former is not None:
            offices.add(_parse(former).field_office)
        return offices

    async def lift(self, field_office: str, detainer_id: str, request: LiftDetainer) -> tuple[Detainer, bool]:
        """Lift the office's detainer; returns it and whether this call lifted it.

        Lifting again for the same reason and note is answered with the record
        as it is; for another reason it raises a conflict.
        """
        names = self._names
        answer: tuple[Detainer, bool] | None = None

        async def lift_unchanged(_: list[str]) -> list[str]:
            nonlocal answer
            stored = await self.find(field_office, detainer_id)
            if stored is None:
                raise DetainerNotFoundError(detainer_id)
            current = stored.detainer
            if current.status is DetainerStatus.LIFTED:
                if (current.lift_reason, current.lift_note) == (request.reason, request.note):
                    answer = (current, False)
                    return []
                raise DetainerConflictError(f"detainer {detainer_id!r} was already lifted differently", current)
            lifted = current.model_copy(
                update={
                    "status": DetainerStatus.LIFTED,
                    "lifted_at": self._clock(),
                    "lift_reason": request.reason,
                    "lift_note": request.note,
                }
            )
            leaving = names.listings("detainers", current.field_office, DetainerStatus.ACTIVE.value)[2:]
            joining = names.listings("detainers", current.field_office, DetainerStatus.LIFTED.value)[2:]
            outcome = await self._lift(
                keys=[
                    names.detainer(stored.ref),
                    names.active_detainers,
                    names.detainer_changes,
                    *leaving,
                    *joining,
                    names.detainer_change_count,
                    names.detainers_lifted_at(),
                    names.detainers_lifted_at(field_office=current.field_office),
                ],
                args=[
                    stored.ref,
                    stored.raw,
                    lifted.model_dump_json(),
                    epoch_ms(current.lodged_at),
                    DetainerLifted(detainer=lifted).model_dump_json(),
                    detainer_id,
                    epoch_ms(lifted.lifted_at) if lifted.lifted_at is not None else 0,
                ],
            )
            if outcome[0] == -1:
                raise DetainerNotFoundError(detainer_id)
            if outcome[0] == 1:
                answer = (lifted, True)
                return []
            return [detainer_id]  # changed since read: read and decide again

        await compare_and_set([detainer_id], lift_unchanged, what="detainer(s) being lifted")
        assert answer is not None  # every round that writes nothing raised or answered
        return answer

    async def page(
        self, *, field_office: str | None, status: DetainerStatus | None, limit: int, after: ListingPosition | None
    ) -> tuple[list[Detainer], ListingPage]:
        """A page of detainers newest first (by the time lodged), narrowed by office and/or status."""
        listing = self._names.detainer_listing(
            field_office=field_office, status=status.value if status is not None else None
        )
        page = await newest_first(self._client, listing, limit=limit, after=after)
        if not page.ids:
            return [], page
        records = await self._client.mget([self._names.detainer(ref) for ref in page.ids])
        return [_parse(raw) for raw in records if raw is not None], page

    async def records(self, detainer_refs: Sequence[str]) -> dict[str, Detainer | None]:
        """The detainers of ``detainer_refs`` that exist, by reference, in one MGET (None: a record that cannot
        be read)."""
        if not detainer_refs:
            return {}
        raw = cast(list[bytes | None], await self._client.mget([self._names.detainer(r) for r in detainer_refs]))
        found: dict[str, Detainer | None] = {}
        for detainer_ref, record in zip(detainer_refs, raw, strict=True):
            if record is None:
                continue
            try:
                found[detainer_ref] = _parse(record)
            except ValidationError:
                found[detainer_ref] = None
        return found

    async def lifted_between(self, start_ms: int, end_ms: int, *, field_office: str | None = None) -> list[str]:
        """The references of the detainers lifted in [start_ms, end_ms], oldest lift first (the office's only,
        when given). Lifts from before this index existed are not in it."""
        key = self._names.detainers_lifted_at(field_office=field_office)
        refs: list[str] = []
        while True:
            chunk = cast(
                list[bytes], await self._client.zrangebyscore(key, start_ms, end_ms, start=len(refs), num=_READ_CHUNK)
            )
            refs += [ref.decode() for ref in chunk]
            if len(chunk) < _READ_CHUNK:
                return refs

    async def active_refs(self) -> list[str]:
        """The references of every active detainer, sorted."""
        members = cast(set[bytes], await self._client.smembers(self._names.active_detainers))
        return sorted(member.decode() for member in members)

    async def changelog_tail(self) -> tuple[str, int | None]:
        """Where the changelog ends: the newest entry's id ("0-0" when there is none) and the number of the newest
        change (from the counter when no entry is left to carry it; None when unknown)."""
        latest = cast(
            list[tuple[bytes, dict[bytes, bytes]]], await self._client.xrevrange(self._names.detainer_changes, count=1)
        )
        if latest:
            entry = StreamEntry(self._names.detainer_changes, latest[0][0].decode(), latest[0][1])
            return entry.message_id, _seq_of(entry)
        count = cast(bytes | None, await self._client.get(self._names.detainer_change_count))
        return "0-0", int(count) if count is not None and count.isdigit() else None

    async def changes_after(self, position: str, *, count: int) -> list[ChangelogEntry]:
        """Up to ``count`` changelog entries after ``position`` (an entry id), oldest first."""
        stream = self._names.detainer_changes
        # Through ``pipelined``: in the round trip of whatever is filed before it (``runtime.redis.together``).
        (reply,) = await pipelined(self._client, [("XREAD", "COUNT", count, "STREAMS", stream, position)])
        streams = cast(list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]], reply or [])
        entries = [StreamEntry(stream, i.decode(), fields) for _, read in streams for i, fields in read]
        return [_changelog_entry(entry) for entry in entries]


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    """One entry of the detainer changelog."""

    message_id: str
    seq: int | None  # its number; None when not numbered (written by hand, or before numbering)
    change: DetainerChange | None  # None: not a readable change (the changelog's consumer group dead-letters it)
    detainer_ref: str | None  # the reference of the change's detainer (None with the change)


def _seq_of(entry: StreamEntry) -> int | None:
    raw = entry.field(EntryField.SEQ)
    return int(raw) if raw is not None and raw.isdigit() else None


def _changelog_entry(entry: StreamEntry) -> ChangelogEntry:
    try:
        change = detainer_change_adapter.validate_json(entry.data or b"", extra="ignore")
    except ValidationError:
        return ChangelogEntry(entry.message_id, _seq_of(entry), None, None)
    return ChangelogEntry(entry.message_id, _seq_of(entry), change, detainer_ref_of(entry, change.detainer))


def detainer_ref_of(entry: StreamEntry, detainer: Detainer) -> str:
    """The reference of the detainer a changelog entry is about (an entry written before references existed is of
    a detainer whose reference is its id)."""
    return entry.field(EntryField.DETAINER_REF) or detainer.detainer_id
