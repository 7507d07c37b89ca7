"""Booking states in Redis, one hash per booking, saved by compare-and-set.

Two notifiers may process events of the same booking at once (a booking and
its release in different batches). Each save names the version it read; a
save that lost the race is refused and the caller re-applies its events to
the newer state, so no fact is ever overwritten by a stale copy.

The hash also keeps people's review decisions on the booking (one field per
detainer), read with the state and guarded by the same version: whoever saves
second, a state or a decision, has read the other's write.

Beside the hashes, each facility's set of the bookings in custody there (what
a roster is reconciled against), written after the bookings' own saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import cast

from contracts import RedisNames
from notifier.domain.custody import BookingState
from notifier.domain.reviews import BookingReview
from runtime import RedisClient
from runtime.scripts import ScriptCall, call_script_many

__all__ = ["BookingStore", "StoredBooking"]

_SAVE_SCRIPT = (files(__package__) / "save_booking.lua").read_text()
_REVIEW_SCRIPT = (files(__package__) / "record_review.lua").read_text()
REVIEW_FIELD_PREFIX = "review:"  # + detainer reference (for detainers lodged when ids were global: the id)
_REVIEW_FIELD_PREFIX_BYTES = REVIEW_FIELD_PREFIX.encode()

BookingKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StoredBooking:
    state: BookingState
    version: int  # 0: never saved
    reviews: Mapping[str, BookingReview] = field(default_factory=dict)  # by detainer reference


def _stored(fields: Mapping[bytes, bytes], state: BookingState) -> StoredBooking:
    """A booking hash as read (HGETALL), its state parsed: version and review decisions, if any."""
    version = fields.get(b"version")
    reviews = [
        BookingReview.model_validate_json(value)
        for name, value in fields.items()
        if name.startswith(_REVIEW_FIELD_PREFIX_BYTES)
    ]
    return StoredBooking(state, 0 if version is None else int(version), {r.detainer_ref: r for r in reviews})


def _state(fields: Mapping[bytes, bytes]) -> BookingState | None:
    raw = fields.get(b"state")
    return None if raw is None else BookingState.model_validate_json(raw)


class BookingStore:
    def __init__(self, client: RedisClient, names: RedisNames, *, retention_seconds: int) -> None:
        self._client = client
        self._names = names
        self._retention = retention_seconds
        self._save = client.register_script(_SAVE_SCRIPT)
        self._record_review = client.register_script(_REVIEW_SCRIPT)

    def key_of(self, booking: BookingKey) -> str:
        return self._names.booking(*booking)

    async def load_many(self, bookings: Iterable[BookingKey]) -> dict[BookingKey, StoredBooking]:
        wanted = list(dict.fromkeys(bookings))
        if not wanted:
            return {}
        async with self._client.pipeline(transaction=False) as pipe:
            for booking in wanted:
                pipe.hgetall(self.key_of(booking))
            replies = await pipe.execute()
        return {
            booking: _stored(fields, _state(fields) or BookingState.empty(*booking))
            for booking, fields in zip(wanted, replies, strict=True)
        }

    async def load_keys(self, keys: Sequence[str]) -> list[StoredBooking]:
        """Bookings stored under booking keys (as the in-custody index holds them), with the review
        decisions on them; those without a state are skipped."""
        if not keys:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(key)
            replies = await pipe.execute()
        return [_stored(fields, state) for fields in replies if (state := _state(fields)) is not None]

    async def save_review(self, stored: StoredBooking, review: BookingReview) -> bool:
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

    async def file_custody(self, states: Iterable[BookingState]) -> None:
        """Put each booking in its facility's in-custody set, or take it out once it left.

        One single-key command per booking (the set and the booking live in different slots), after the
        booking's own save, and idempotent: callers file every state a batch left, changed or not, so a
        redelivery repairs what a crash between the two writes left behind. A booking filed late by a
        notifier that read a stale state may stay in the set after it left; the set is a list of candidates
        that rosters check against each booking's state (and correct), never a fact of its own.
        """
        wanted = list(states)
        if not wanted:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for state in wanted:
                key = self._names.facility_in_custody(state.facility_ori)
                if state.in_custody:
                    pipe.sadd(key, state.booking_number)
                else:
                    pipe.srem(key, state.booking_number)
            await pipe.execute()

    async def in_custody_at(self, facility_ori: str) -> set[str]:
        """The booking numbers the facility's in-custody set holds."""
        members = cast(set[bytes], await self._client.smembers(self._names.facility_in_custody(facility_ori)))
        return {member.decode() for member in members}

    async def save_many(self, changes: Sequence[tuple[StoredBooking, BookingState]]) -> list[bool]:
        """Save each new state over the stored one it was derived from; False where that one moved on."""
        calls: list[ScriptCall] = [
            (
                [self.key_of(new_state.key)],
                [
                    stored.version,
                    stored.version + 1,
                    new_state.model_dump_json(),
                    "" if new_state.in_custody else str(self._retention),
                ],
            )
            for stored, new_state in changes
        ]
        return [bool(reply) for reply in await call_script_many(self._client, self._save, calls)]
