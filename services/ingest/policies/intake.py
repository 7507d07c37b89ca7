"""Custody events of facilities a sharing policy covers, taken at intake before anything is published.

For each such event, in order: a retry is answered as the first time (a withheld event keeps a receipt like an
accepted one); otherwise the booking's record is read (none yet: started from what the notifier knows of the
booking, ``known``), ``policies.disclose`` decides, what it allows is published
(stripped to the policy's identity fields, with the policy's mark beside each event), and the record is kept by
compare-and-set with, for a withheld event, its receipt and its count per day and rule. A record that changed
meanwhile is read and decided again: what was published already comes back as a replay, never twice.

Nothing of a withheld event is published; a withheld booking is held (``store.policy_holds``, read by intake
alone) until a later event the policy shares needs it, then published with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from contracts import Booking, BookingUpdated, CustodyEvent, RosterSubmitted
from contracts.policies import JurisdictionPolicy, Withholding
from ingest.metrics import EVENTS_WITHHELD
from ingest.policies.known import seed
from policies import BookingDisclosure, Disclosure, HeldCount, disclose, judge_inferred_release, strip_person
from policies.enforcement import PolicyEnforcement
from runtime.clock import Clock, utc_now
from runtime.compare_and_set import COMPARE_AND_SET_ROUNDS, ConcurrentChangeError
from store.audit import AuditTrail
from store.bookings import StoredStates
from store.custody_stream import BacklogFullError, CustodyEventPublisher, PublishOutcome, PublishStatus, digest_of
from store.policy_holds import KeptOutcome, PolicyHolds, RosterTerm, WithheldReceipt

__all__ = ["AUDIT_ACTOR", "PolicyIntake", "Taken", "WithheldAnswer"]

log = logging.getLogger(__name__)

AUDIT_ACTOR = "ingest"  # who the audit trail says loaded the policies and withheld an event

_BOOKINGS_AT_ONCE = 32  # a batch's bookings decided side by side (each one's events in turn)


class WithheldAnswer(BaseModel):
    """The answer to an event a sharing policy withheld; a retry of the same event gets the same answer."""

    event_id: str
    status: Literal["withheld"] = "withheld"
    accepted_at: str = Field(description="When intake took (and withheld) the event.")
    withheld: Withholding


@dataclass(frozen=True, slots=True)
class Taken:
    """What became of one event: published (``outcome``) or withheld (``answer``), and whether this is the
    answer given before (a retry) or a conflict with another event under the same event_id."""

    outcome: PublishOutcome | None = None
    answer: WithheldAnswer | None = None
    replayed: bool = False
    conflict: bool = False

    @property
    def status(self) -> str:
        if self.conflict:
            return "conflict"
        if self.answer is not None:
            return "withheld"
        assert self.outcome is not None
        return self.outcome.status.value


def as_shared(policy: JurisdictionPolicy, event: CustodyEvent) -> CustodyEvent:
    """``event`` as it may be published under ``policy``: its person stripped to the identity fields."""
    if isinstance(event, Booking | BookingUpdated) and event.person is not None:
        stripped = strip_person(event.person, policy.shared_identity)
        if stripped.stripped:
            return event.model_copy(update={"person": stripped.person})
    return event


class PolicyIntake:
    def __init__(
        self,
        policies: PolicyEnforcement,
        publisher: CustodyEventPublisher,
        holds: PolicyHolds,
        *,
        retention: timedelta,
        longest_hold: timedelta,
        clock: Clock = utc_now,
        audit: AuditTrail | None = None,
        known: StoredStates | None = None,
    ) -> None:
        """``known``: the notifier's states of the bookings, what a booking intake has no record of is judged on
        (None: such a booking is judged as one of which nothing is known)."""
        self._policies = policies
        self._known = known
        self._publisher = publisher
        self._holds = holds
        self._audit = audit
        self._retention = retention
        self._longest = longest_hold
        self._clock = clock

    def policy_for(self, event: CustodyEvent) -> JurisdictionPolicy | None:
        """The policy covering the event's facility; None: it is published as sent."""
        return self._policies.book.policy_for(event.facility_ori)

    async def with_policy(self, roster: RosterSubmitted) -> RosterSubmitted:
        """``roster`` with what its facility's sharing policy means for it (``RosterSubmitted``): the bookings it
        lists that the policy holds, and those it leaves out whose release the policy withholds."""
        if self._policies.book.policy_for(roster.facility_ori) is None:
            return roster
        terms = await self._holds.roster_terms(roster.facility_ori, now=self._clock())
        if not terms:
            return roster
        listed = set(roster.booking_numbers)
        held = tuple(sorted(number for number, term in terms.items() if term.held and number in listed))
        withheld = {
            number: term.release_withheld_by
            for number, term in sorted(terms.items())
            if term.release_withheld_by is not None and number not in listed
        }
        return roster.model_copy(update={"held_by_policy": held, "releases_withheld": withheld})

    async def take(self, policy: JurisdictionPolicy, event: CustodyEvent, *, bulk: bool = False) -> Taken:
        """Publish what ``policy`` allows of ``event`` (and of its booking's hold), or withhold it. A retry gets
        the answer given the first time. Raises ``BacklogFullError`` (nothing of this event published, nothing
        kept) as publishing does (``bulk``: a batch's event, as ``CustodyEventPublisher.publish`` says)."""
        digest = digest_of(as_shared(policy, event))
        first: PublishOutcome | None = None  # our event's outcome in the first round that published it
        for _ in range(COMPARE_AND_SET_ROUNDS):
            taken, first = await self._round(policy, event, digest, first, bulk=bulk)
            if taken is not None:
                return taken
        raise ConcurrentChangeError(f"the booking kept changing concurrently ({COMPARE_AND_SET_ROUNDS} rounds)")

    async def take_many(
        self, items: Sequence[tuple[JurisdictionPolicy, CustodyEvent]], *, bulk: bool = False
    ) -> list[Taken | BacklogFullError | None]:
        """``take`` for each of a batch's events: those of one booking in turn, in the batch's order, the
        bookings side by side (each decided on its own record). Per item: what became of it, the
        ``BacklogFullError`` that stopped its booking's events there, or None for an event after that."""
        by_booking: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        for position, (_, event) in enumerate(items):
            by_booking[event.facility_ori, event.booking_number].append(position)
        taken: list[Taken | BacklogFullError | None] = [None] * len(items)
        room = asyncio.Semaphore(_BOOKINGS_AT_ONCE)

        async def take_booking(positions: list[int]) -> None:
            async with room:
                for position in positions:
                    policy, event = items[position]
                    try:
                        taken[position] = await self.take(policy, event, bulk=bulk)
                    except BacklogFullError as full:
                        taken[position] = full
                        return

        await asyncio.gather(*(take_booking(positions) for positions in by_booking.values()))
        return taken

    async def _round(
        self,
        policy: JurisdictionPolicy,
        event: CustodyEvent,
        digest: str,
        first: PublishOutcome | None,
        *,
        bulk: bool = False,
    ) -> tuple[Taken | None, PublishOutcome | None]:
        """One read-decide-write; no answer when the booking's record changed meanwhile (decided again)."""
        read, receipt = await self._holds.read(event.facility_ori, event.booking_number, event.event_id)
        if receipt is not None:  # withheld before: the same answer (or a conflict, for another body)
            answer = WithheldAnswer.model_validate_json(receipt.answer)
            return Taken(answer=answer, replayed=True, conflict=receipt.digest != digest), first
        known: BookingDisclosure | None
        if read.state is not None:
            known = BookingDisclosure.model_validate_json(read.state)
        else:  # no record (yet): what releasewatch knew of the booking before, if anything
            known = await self._known_before(event)
        decided = disclose(policy, known, event)
        now = self._clock()
        withholding = decided.verdict.withholding
        kept_state, uncount = _held_counts(decided, event.event_id, now)
        state = kept_state.model_dump_json() if kept_state is not None else None
        forget_at = self._forget_at(kept_state)
        roster_term = _roster_term(policy, kept_state)
        if withholding is None:  # shared: published first, the record kept after (a replay if decided again)
            outcomes = await self._publisher.publish(decided.publish, mark=decided.mark, bulk=bulk)
            ours = next(
                outcome
                for sent, outcome in zip(decided.publish, outcomes, strict=True)
                if sent.event_id == event.event_id  # the event as published (stripped), beside what was held
            )
            if ours.status is PublishStatus.CONFLICT:
                before = await self._answered_before(event, digest)
                if before is not None and before.status is PublishStatus.DUPLICATE:
                    return Taken(outcome=before, replayed=True), first
                return Taken(outcome=ours, conflict=True), first
            first = first or ours
            kept, _ = await self._holds.keep(
                event.facility_ori,
                event.booking_number,
                read,
                state,
                forget_at,
                event_id=event.event_id,
                at=now,
                uncount=uncount,
                roster_term=roster_term,
            )
            if kept is KeptOutcome.STALE:
                return None, first
            return Taken(outcome=first, replayed=first.status is PublishStatus.DUPLICATE), first
        published = await self._answered_before(event, digest)
        if published is not None:  # accepted before (the policy judged it otherwise then): that answer stands
            return Taken(outcome=published, replayed=True, conflict=published.status is PublishStatus.CONFLICT), first
        answer = WithheldAnswer(event_id=event.event_id, accepted_at=now.isoformat(), withheld=withholding)
        kept, given = await self._holds.keep(
            event.facility_ori,
            event.booking_number,
            read,
            state,
            forget_at,
            event_id=event.event_id,
            withheld=WithheldReceipt(digest, answer.model_dump_json()),
            rule=withholding.rule,
            at=now,
            roster_term=roster_term,
        )
        if kept is KeptOutcome.STALE:
            return None, first
        if kept is not KeptOutcome.SAVED:  # a retry of this event got there first
            assert given is not None
            answer = WithheldAnswer.model_validate_json(given)
            return Taken(answer=answer, replayed=True, conflict=kept is KeptOutcome.CONFLICT), first
        EVENTS_WITHHELD.labels(rule=withholding.rule).inc()
        if self._audit is not None:  # a policy's action on an event: the event's id and the rule, no person
            await self._audit.record(
                actor=self._policies.actor,
                action="event.withheld",
                target=f"{event.facility_ori}/{event.event_id}",
                detail=f"{event.type} withheld by {withholding.rule}" + ("; held" if decided.held else ""),
            )
        log.info(
            "event withheld by a sharing policy",
            extra={
                "event_id": event.event_id,
                "event_type": event.type,
                "rule": withholding.rule,
                "held": decided.held,
            },
        )
        return Taken(answer=answer), first

    async def _answered_before(self, event: CustodyEvent, digest: str) -> PublishOutcome | None:
        """The answer given before to the event's id, for this event (``digest``: of it as the policy shares it):
        a replay when it was accepted before with the same body, whether as the policy shares it now or, before
        the facility came under a policy that strips the person, as sent."""
        published = await self._publisher.answered_digest(event.facility_ori, event.event_id, digest)
        if published is None or published.status is not PublishStatus.CONFLICT:
            return published
        as_sent = digest_of(event)
        if as_sent == digest:
            return published
        before = await self._publisher.answered_digest(event.facility_ori, event.event_id, as_sent)
        return before if before is not None and before.status is PublishStatus.DUPLICATE else published

    async def _known_before(self, event: CustodyEvent) -> BookingDisclosure | None:
        """The record to start the booking with: its facts as the notifier knows them (sent before its facility
        came under the policy, or before intake forgot its record), or None (nothing known: judged as such).
        A state that cannot be read is passed over, said without a word of it (it holds personal data)."""
        if self._known is None:
            return None
        state_json = await self._known.json_of(event.facility_ori, event.booking_number)
        if state_json is None:
            return None
        try:
            return seed(event.facility_ori, event.booking_number, state_json)
        except ValueError as unreadable:  # a ValidationError's message quotes the input: only its kind is told
            log.warning(
                "the stored state of a booking could not be read: the event is judged without it",
                extra={"event_id": event.event_id, "error": type(unreadable).__name__},
            )
            return None

    def _forget_at(self, state: BookingDisclosure | None) -> datetime | None:
        if state is None:
            return None
        return state.kept_until(retention=self._retention, longest=self._longest)


def _roster_term(policy: JurisdictionPolicy, state: BookingDisclosure | None) -> RosterTerm | None:
    """What a roster of the facility must say of the booking, by what intake knows of it now: held (never
    published: the notifier cannot know it), or its release withheld by the policy's ``release`` rule on the
    booking's facts as corrected, withheld corrections included (the notifier judges on what was published)."""
    if state is None:
        return None
    if not state.identity_published:
        return RosterTerm(held=True)
    verdict = judge_inferred_release(policy, state.facts)
    if verdict.shared or verdict.rule is None:
        return None
    return RosterTerm(release_withheld_by=verdict.rule.rule)


def _held_counts(
    decided: Disclosure, event_id: str, now: datetime
) -> tuple[BookingDisclosure | None, tuple[tuple[date, str], ...]]:
    """The booking's record to keep, with what it counts withheld: an event held now is counted on today under
    its rule; held events published now were not withheld after all, so their counts are taken back ((day,
    rule) of each)."""
    state, withholding = decided.state, decided.verdict.withholding
    if state is None:
        return None, ()
    if withholding is not None:
        if not decided.held:
            return state, ()
        counted = HeldCount(event_id=event_id, day=now.date(), rule=withholding.rule)
        return state.model_copy(update={"held_counted": (*state.held_counted, counted)}), ()
    published = {sent.event_id for sent in decided.publish}
    taken_back = tuple(held for held in state.held_counted if held.event_id in published)
    if not taken_back:
        return state, ()
    left = tuple(held for held in state.held_counted if held.event_id not in published)
    return state.model_copy(update={"held_counted": left}), tuple((held.day, held.rule) for held in taken_back)
