"""Booking states in Redis, one hash per booking, saved by compare-and-set.

Two notifiers may process events of the same booking at once (a booking and
its release in different batches). Each save names the version it read; a
save that lost the race is refused and the caller re-applies its events to
the newer state, so no fact is ever overwritten by a stale copy
(``save_booking.lua``).

The hash also keeps people's review decisions on the booking (one field per
detainer), read with the state and guarded by the same version: whoever saves
second, a state or a decision, has read the other's write (``record_review.lua``).

Beside the hashes, each facility's set of the bookings in custody there (what
a roster is reconciled against), written after the bookings' own saves.

The state and the decisions are the notifier's models (``BookingStore[BookingState, BookingReview]``); the
store keeps their JSON and needs of them only what ``BookingRecord`` and ``ReviewRecord`` say.

A state is stored compact (``store.compact_json``): its JSON without the fields at their defaults, compressed
with zstd against a dictionary of the words states are made of, behind a format marker; about 120 bytes where
the plain JSON was 820. States saved before, deflated against the same words (marker 1) or as plain JSON, are
read as they are, and written in the current format at their next save.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, Self, TypeVar, cast

from contracts import RedisNames
from contracts.stored_fields import REVIEW_FIELD_PREFIX, BookingField
from runtime import RedisClient
from runtime.redis import pipelined
from runtime.scripts import ScriptCall
from store.compact_json import CompactJson, DeflatedJson, ZstdJson
from store.scripts import SCRIPTS

__all__ = [
    "STATE_FORMAT",
    "BookingKey",
    "BookingRecord",
    "BookingStore",
    "ReviewRecord",
    "StoredBooking",
    "StoredStates",
]

BookingKey = tuple[str, str]  # (facility ORI, booking number)

_REVIEW_PREFIX = REVIEW_FIELD_PREFIX.encode()
_VERSION = BookingField.VERSION.encode()
_STATE = BookingField.STATE.encode()

# The words a booking's state is made of (the notifier's ``BookingState`` as JSON, defaults left out: field
# names, enumerations, the shape of a stamp), the most frequent last, where deflate reaches them cheapest. A
# word missing here costs a few bytes, never a wrong read. Part of the stored formats (markers 1 and 2): never
# edited; a better dictionary takes a new marker, and this one stays to read what was stored with it.
_STATE_WORDS_1 = b"".join(
    (
        b'"cancellations_seen":[{"at":"","event_id":"',
        b'"transferred_to":"","transferred_at":"","transfer_stamp":["',
        b'"release_withheld_by":"","in_custody_notice":false,"in_custody_notice":true,"schedule_withheld_by":"',
        b'"aliases":[{"last_name":"","first_name":"","middle_name":"","date_of_birth":"19',
        b'"fbi_number":"","state_id":{"state":"","number":"',
        b'"charges":[{"statute":"","description":"","severity":"misdemeanor","ncic_code":"","severity":"felony"},{',
        b'"release_reason":"own_recognizance","release_reason":"sentence_complete","release_reason":"court_order",',
        b'"release_reason":"charges_dropped","release_reason":"other","release_reason":"inferred_from_roster",',
        b'"scheduled_release_reason":"bail_posted","released_at":"","release_reason":"bail_posted","release_stamp":["',
        b'"schedules_seen":[{"scheduled_release_at":"","release_reason":"bail_posted","known_at":"","event_id":"',
        b'"scheduled_release_at":"","schedule_stamp":["',
        b'"charges_stamp":["',
        b'{"facility_ori":"","booking_number":"","person":{"last_name":"","first_name":"","middle_name":"",',
        b'"date_of_birth":"19","sex":"F","sex":"M","place_of_birth":"","a_number":"A"},"person_stamp":["20',
        b':00Z",0,"","booked_at":"20',
    )
)
# Written: zstd against the words (marker 2; deflate's records were 13 bytes smaller on average, and took two
# and a half times as long to write: `python -m bench.state_formats`). Read too: deflate against the same words
# (marker 1).
STATE_FORMAT = CompactJson(ZstdJson(b"\x02", _STATE_WORDS_1), DeflatedJson(b"\x01", _STATE_WORDS_1))


class BookingRecord(Protocol):
    """What the store needs of a booking's state: where it lives, how long to keep it, and its JSON."""

    @property
    def key(self) -> BookingKey: ...

    @property
    def in_custody(self) -> bool: ...  # kept for good while in custody, for the retention after

    # Stored without the fields at their defaults: reading the JSON back must give the same state (a field's
    # default is then part of the stored format).
    def stored_json(self) -> bytes: ...

    @classmethod
    def model_validate_json(cls, json_data: bytes) -> Self: ...

    @classmethod
    def empty(cls, facility_ori: str, booking_number: str) -> Self: ...


class ReviewRecord(Protocol):
    """What the store needs of a person's decision on a booking: the detainer it is about, and its JSON."""

    @property
    def detainer_ref(self) -> str: ...

    def model_dump_json(self) -> str: ...

    @classmethod
    def model_validate_json(cls, json_data: bytes) -> Self: ...


State = TypeVar("State", bound=BookingRecord)
Review = TypeVar("Review", bound=ReviewRecord)


@dataclass(frozen=True, slots=True)
class StoredBooking(Generic[State, Review]):
    state: State
    version: int  # 0: never saved
    reviews: Mapping[str, Review] = field(default_factory=dict)  # by detainer reference


class StoredStates:
    """The bookings' states as the notifier last saved them, read as JSON (``BookingRecord.stored_json``: the
    fields at their defaults left out) by a reader outside the notifier that needs a few of their fields and
    parses those with a model of its own. Reads only: one command on the booking's own key."""

    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def json_of(self, facility_ori: str, booking_number: str) -> bytes | None:
        """The JSON of the booking's state; None when none was saved (or it was forgotten since)."""
        key = self._names.booking(facility_ori, booking_number)
        raw = cast(bytes | None, await self._client.hget(key, BookingField.STATE))
        return None if raw is None else STATE_FORMAT.decode(raw)


class BookingStore(Generic[State, Review]):
    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        state_type: type[State],
        review_type: type[Review],
        retention_seconds: int,
    ) -> None:
        self._client = client
        self._names = names
        self._state_type = state_type
        self._review_type = review_type
        self._retention = retention_seconds
        self._save = SCRIPTS.on(client, "save_booking")
        self._record_review = SCRIPTS.on(client, "record_review")

    def key_of(self, booking: BookingKey) -> str:
        """The booking's key: what the index of bookings by person files (``BookingIndex``)."""
        return self._names.booking(*booking)

    def _stored(self, fields: Mapping[bytes, bytes], state: State) -> StoredBooking[State, Review]:
        """A booking hash as read (HGETALL), its state parsed: version and review decisions, if any."""
        version = fields.get(_VERSION)
        reviews = [
            self._review_type.model_validate_json(value)
            for name, value in fields.items()
            if name.startswith(_REVIEW_PREFIX)
        ]
        return StoredBooking(state, 0 if version is None else int(version), {r.detainer_ref: r for r in reviews})

    def _state(self, fields: Mapping[bytes, bytes]) -> State | None:
        return self._state_of(fields.get(_STATE))

    def _state_of(self, raw: bytes | None) -> State | None:
        """A state as stored (its hash's ``state`` field), or None for none."""
        return None if raw is None else self._state_type.model_validate_json(STATE_FORMAT.decode(raw))

    async def load_many(self, bookings: Iterable[BookingKey]) -> dict[BookingKey, StoredBooking[State, Review]]:
        """Each booking as stored; one never saved is its empty state at version 0."""
        wanted = list(dict.fromkeys(bookings))
        if not wanted:
            return {}
        replies = await pipelined(self._client, [("HGETALL", self.key_of(booking)) for booking in wanted])
        empty = self._state_type.empty
        return {
            # No hash (most bookings of a batch of new ones): no state, version or decision to read from it.
            booking: self._stored(fields, self._state(fields) or empty(*booking))
            if fields
            else StoredBooking(empty(*booking), 0, {})
            for booking, fields in zip(wanted, replies, strict=True)
        }

    async def load_keys(
        self, keys: Sequence[str], *, where: Callable[[str, bytes, Collection[str]], bool] | None = None
    ) -> dict[str, StoredBooking[State, Review]]:
        """Bookings stored under booking keys (as the index of bookings by person holds them), with the review
        decisions on them, by key; those without a state are left out. ``where(key, state_json, reviewed)``, given
        a booking's state as JSON and the detainer references of the decisions on it, says whether to read it in
        full: those it refuses are left out too, their states not parsed (a caller looking at a few fields of
        many bookings parses just those)."""
        if not keys:
            return {}
        replies = await pipelined(self._client, [("HGETALL", key) for key in keys])
        loaded: dict[str, StoredBooking[State, Review]] = {}
        prefix = len(_REVIEW_PREFIX)
        for key, fields in zip(keys, replies, strict=True):
            if (raw := fields.get(_STATE)) is None:
                continue
            state_json = STATE_FORMAT.decode(raw)
            if where is not None:
                reviewed = [name[prefix:].decode() for name in fields if name.startswith(_REVIEW_PREFIX)]
                if not where(key, state_json, reviewed):
                    continue
            loaded[key] = self._stored(fields, self._state_type.model_validate_json(state_json))
        return loaded

    async def reviews_of(self, pairs: Iterable[tuple[BookingKey, str]]) -> dict[tuple[BookingKey, str], Review]:
        """The decision kept on each (booking, detainer reference) among ``pairs`` that has one; one round trip (a
        command a booking)."""
        wanted: dict[BookingKey, list[str]] = {}
        for booking, detainer_ref in pairs:
            refs = wanted.setdefault(booking, [])
            if detainer_ref not in refs:
                refs.append(detainer_ref)
        if not wanted:
            return {}
        replies = await pipelined(
            self._client,
            [
                ("HMGET", self.key_of(booking), *(REVIEW_FIELD_PREFIX + ref for ref in refs))
                for booking, refs in wanted.items()
            ],
        )
        return {
            (booking, ref): self._review_type.model_validate_json(value)
            for (booking, refs), values in zip(wanted.items(), replies, strict=True)
            for ref, value in zip(refs, values, strict=True)
            if value is not None
        }

    async def save_review(self, stored: StoredBooking[State, Review], review: Review) -> bool:
        """Keep ``review`` with the booking read as ``stored``; False where the booking moved on since."""
        reply = await self._record_review(
            keys=[self.key_of(stored.state.key)],
            args=[
                stored.version,
                stored.version + 1,
                REVIEW_FIELD_PREFIX + review.detainer_ref,
                review.model_dump_json(),
                self._retention,
            ],
        )
        return bool(reply)

    async def save_many(self, changes: Sequence[tuple[StoredBooking[State, Review], State]]) -> list[bool]:
        """Save each new state over the stored one it was derived from; False where that one moved on."""
        key_of, encode, retention = self.key_of, STATE_FORMAT.encode, str(self._retention)
        calls: list[ScriptCall] = [
            (
                [key_of(new_state.key)],
                [
                    stored.version,
                    stored.version + 1,
                    encode(new_state.stored_json()),
                    "" if new_state.in_custody else retention,
                ],
            )
            for stored, new_state in changes
        ]
        return [bool(reply) for reply in await self._save.many(calls)]

    async def file_custody(self, states: Iterable[State]) -> None:
        """Put each booking in its facility's in-custody set, or take it out once it left.

        Single-key commands (the set and the booking live in different slots), after the booking's own save,
        and idempotent: callers file every state a batch left, changed or not, so a
        redelivery repairs what a crash between the two writes left behind. A booking filed late by a
        notifier that read a stale state may stay in the set after it left; the set is a list of candidates
        that rosters check against each booking's state (and correct), never a fact of its own.
        """
        # One SADD and one SREM per facility, of all its bookings of the batch (a command per booking costs
        # the client more than the server).
        joining: defaultdict[str, list[str]] = defaultdict(list)
        leaving: defaultdict[str, list[str]] = defaultdict(list)
        latest = {state.key: state for state in states}  # a booking given twice: as its last state says
        for (facility_ori, booking_number), state in latest.items():
            (joining if state.in_custody else leaving)[facility_ori].append(booking_number)
        commands = [
            *(("SADD", self._names.facility_in_custody(facility), *numbers) for facility, numbers in joining.items()),
            *(("SREM", self._names.facility_in_custody(facility), *numbers) for facility, numbers in leaving.items()),
        ]
        await pipelined(self._client, commands)

    async def every_state(self, chunk: int = 500) -> AsyncIterator[list[tuple[State, int | None]]]:
        """Every stored state, ``chunk`` at a time (SCAN, so a state saved meanwhile may or may not be in it), with
        how long it is kept still (ms; None: for good, while the person is held)."""
        keys: list[str] = []
        async for raw in self._client.scan_iter(match=self._names.every_booking_pattern, count=1000):
            keys.append(raw.decode() if isinstance(raw, bytes) else str(raw))
            if len(keys) >= chunk:
                yield await self._states_with_ttl(keys)
                keys = []
        if keys:
            yield await self._states_with_ttl(keys)

    async def _states_with_ttl(self, keys: Sequence[str]) -> list[tuple[State, int | None]]:
        commands = [command for key in keys for command in (("HGET", key, BookingField.STATE.value), ("PTTL", key))]
        replies = await pipelined(self._client, commands)
        return [
            (state, None if ttl < 0 else int(ttl))
            for raw, ttl in zip(replies[::2], replies[1::2], strict=True)
            if (state := self._state_of(raw)) is not None  # (gone since the scan: none)
        ]

    async def in_custody_at(self, facility_ori: str) -> set[str]:
        """The booking numbers the facility's in-custody set holds."""
        members = cast(set[bytes], await self._client.smembers(self._names.facility_in_custody(facility_ori)))
        return {member.decode() for member in members}
