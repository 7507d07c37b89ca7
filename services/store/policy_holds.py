"""What intake keeps of bookings under sharing policies, where only intake reads it.

Per booking of a facility a policy covers: the facts its conditions are judged on and the policy hold (the
booking, stripped, withheld until a later event the policy shares needs it), as the caller's JSON
(``policies.BookingDisclosure``), saved by compare-and-set and forgotten when the caller says. Per event a
policy withheld: a receipt, so a retry gets the same answer, and its count per day and rule
(``store.policy_counts``), written with the booking in one script (``keep_policy_booking.lua``) so an event is
counted once however often it is sent. Nothing here is on a stream any consumer group reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import cast

from pydantic import BaseModel, ConfigDict

from contracts import RedisNames
from contracts.stored_fields import PolicyBookingField, PolicyReceiptField
from runtime import RedisClient
from store.policy_counts import count_field
from store.scripts import SCRIPTS

__all__ = ["KeptOutcome", "PolicyHolds", "RosterTerm", "StoredDisclosure", "WithheldReceipt"]


@dataclass(frozen=True, slots=True)
class StoredDisclosure:
    """A booking's record as read: its JSON (None: nothing kept) and the version to save against."""

    state: str | None
    version: str


@dataclass(frozen=True, slots=True)
class WithheldReceipt:
    """The receipt of a withheld event: the digest of the event as read, and the answer given (JSON)."""

    digest: str
    answer: str


class RosterTerm(BaseModel):
    """What a roster of the facility must say of one booking a sharing policy covers: that the policy holds it
    (never published: the notifier cannot know it), or the rule withholding its release (a release the roster
    implies is withheld too). ``until``: when intake forgets the booking (ms since the epoch; set when kept)."""

    model_config = ConfigDict(frozen=True)

    held: bool = False
    release_withheld_by: str | None = None
    until: int = 0


class KeptOutcome(StrEnum):
    SAVED = "saved"
    STALE = "stale"  # someone saved the booking since it was read: read again
    DUPLICATE = "duplicate"  # the withheld event was answered already (a racing retry): its answer stands
    CONFLICT = "conflict"  # another event was answered under its event_id


class PolicyHolds:
    def __init__(self, client: RedisClient, names: RedisNames, *, receipt_ttl_seconds: int) -> None:
        self._client = client
        self._names = names
        self._receipt_ttl = receipt_ttl_seconds
        self._keep = SCRIPTS.on(client, "keep_policy_booking")

    async def read(
        self, facility_ori: str, booking_number: str, event_id: str
    ) -> tuple[StoredDisclosure, WithheldReceipt | None]:
        """The booking's record and, if a policy withheld the facility's ``event_id``, its receipt: in one round
        trip (both under the facility's hash tag)."""
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hmget(
                self._names.policy_booking(facility_ori, booking_number),
                [PolicyBookingField.VERSION.value, PolicyBookingField.STATE.value],
            )
            pipe.hmget(
                self._names.policy_withheld_receipt(facility_ori, event_id),
                [PolicyReceiptField.DIGEST.value, PolicyReceiptField.ANSWER.value],
            )
            (version, state), (digest, answer) = cast(list[list[bytes | None]], await pipe.execute())
        record = StoredDisclosure(
            state.decode() if state is not None else None, version.decode() if version is not None else "0"
        )
        receipt = (
            WithheldReceipt(digest.decode(), answer.decode()) if digest is not None and answer is not None else None
        )
        return record, receipt

    async def withheld(self, facility_ori: str, event_id: str) -> WithheldReceipt | None:
        """The receipt of the facility's event ``event_id`` if a policy withheld it."""
        digest, answer = cast(
            list[bytes | None],
            await self._client.hmget(
                self._names.policy_withheld_receipt(facility_ori, event_id),
                [PolicyReceiptField.DIGEST.value, PolicyReceiptField.ANSWER.value],
            ),
        )
        if digest is None or answer is None:
            return None
        return WithheldReceipt(digest.decode(), answer.decode())

    async def keep(
        self,
        facility_ori: str,
        booking_number: str,
        read: StoredDisclosure,
        state: str | None,
        forget_at: datetime | None,
        *,
        event_id: str,
        withheld: WithheldReceipt | None = None,
        rule: str | None = None,
        at: datetime,
        uncount: Sequence[tuple[date, str]] = (),
        roster_term: RosterTerm | None = None,
    ) -> tuple[KeptOutcome, str | None]:
        """Save the booking's record (None, or no ``forget_at``: forget it) if unchanged since ``read``; for a
        ``withheld`` event also its receipt and a count for ``rule`` on the day of ``at``, once. Returns the
        outcome and, for a withheld event answered before, the answer given then. ``uncount``: (day, rule) of
        each held event published now, whose count is taken back with the record saved. ``roster_term``: what a
        roster of the facility must say of the booking (``roster_terms``), kept with the record."""
        forget = state is None or forget_at is None
        until = 0 if forget or forget_at is None else int(forget_at.timestamp() * 1000)
        args: list[str | int] = [
            read.version,
            "" if forget or state is None else state,
            until,
            booking_number,
            "" if forget or roster_term is None else roster_term.model_copy(update={"until": until}).model_dump_json(),
        ]
        if withheld is not None:
            assert rule is not None
            args += [
                "1",
                withheld.digest,
                withheld.answer,
                at.isoformat(),
                self._receipt_ttl,
                count_field(at.date(), rule),
            ]
        else:
            args += ["0"]
        args += [count_field(day, counted_rule) for day, counted_rule in uncount]
        reply = cast(
            list[bytes],
            await self._keep(
                keys=[
                    self._names.policy_booking(facility_ori, booking_number),
                    self._names.policy_withheld_receipt(facility_ori, event_id),
                    self._names.policy_withheld_days(facility_ori),
                    self._names.policy_roster_terms(facility_ori),
                ],
                args=args,
            ),
        )
        outcome = KeptOutcome(reply[0].decode())
        if outcome is KeptOutcome.SAVED and withheld is not None:
            await self._client.sadd(self._names.policy_withheld_facilities, facility_ori)
        answer = reply[1].decode() if len(reply) > 1 else None
        return outcome, answer

    async def roster_terms(self, facility_ori: str, *, now: datetime) -> dict[str, RosterTerm]:
        """What a roster of the facility must say of each booking a sharing policy holds or withholds the release
        of (those intake forgot by ``now`` left out, and removed)."""
        key = self._names.policy_roster_terms(facility_ori)
        raw = cast(dict[bytes, bytes], await self._client.hgetall(key))
        terms = {number.decode(): RosterTerm.model_validate_json(term) for number, term in raw.items()}
        cutoff = int(now.timestamp() * 1000)
        forgotten = [number for number, term in terms.items() if term.until <= cutoff]
        if forgotten:
            await self._client.hdel(key, *forgotten)
        return {number: term for number, term in terms.items() if term.until > cutoff}
