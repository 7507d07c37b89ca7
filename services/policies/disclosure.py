"""Custody events under a sharing policy: shared or withheld, and exactly what is published.

Intake calls ``disclose`` for each event of a facility a policy covers, with
what it keeps of the booking (``BookingDisclosure``, read and written by
intake alone), before anything is stored or published:

- the event's kind has a rule (``share``); ``never_share`` conditions
  withhold every event of the booking; conditions are judged on the charges
  known for the booking *at that moment* (the booking's, as corrected since);
- a withheld event is never published; a booking (or a correction of it)
  whose identity may not be published yet is **held**, stripped, and published
  together with the first later event the policy shares (a release notice of a
  booking whose in-custody notice was withheld needs to say who was released);
- a ``release_cancelled`` is shared when it cancels a release schedule that
  was shared; otherwise it is held until one is (a cancellation may arrive
  before the schedule it cancels);
- every published person keeps only the policy's identity fields;
- every event published under a policy carries a ``PolicyMark``: whether the
  booking's in-custody notice may be given, and what of it was withheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts import Booking, BookingUpdated, Charge, CustodyEvent, ReleaseCancelled, ReleaseScheduled
from contracts.events import FactStamp, fact_stamp
from contracts.policies import JurisdictionPolicy, PolicyMark, ShareRule, WithheldFact
from policies.conditions import BookingFacts, describe_condition, judge_condition
from policies.identity import strip_person
from policies.verdicts import NO_POLICY, Verdict, rule_of

__all__ = [
    "EVENT_WORDS",
    "BookingDisclosure",
    "Disclosure",
    "HeldCount",
    "disclose",
    "judge_inferred_release",
    "share_verdict",
]

EVENT_WORDS = {
    "booking": "in-custody notices (booking)",
    "release_scheduled": "release schedules (release_scheduled)",
    "release": "releases (release)",
    "transfer": "transfers (transfer)",
}

HeldIdentity = Annotated[Booking | BookingUpdated, Field(discriminator="type")]


class HeldCount(BaseModel):
    """A held event, counted withheld on ``day`` under ``rule`` until it is published."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    day: date
    rule: str


class BookingDisclosure(BaseModel):
    """What intake keeps of one booking of a facility under a policy: the facts conditions are judged on,
    what was published, and what is held. Never read by any consumer of the custody stream."""

    model_config = ConfigDict(frozen=True)

    facility_ori: str
    booking_number: str
    first_seen_at: datetime | None = None  # the earliest event's occurred_at: the longest hold counts from it
    charges: tuple[Charge, ...] = ()
    charges_stamp: FactStamp | None = None
    date_of_birth: date | None = None
    person_stamp: FactStamp | None = None
    booked_at: datetime | None = None
    left_at: datetime | None = None  # released or transferred, as reported
    identity_published: bool = False
    in_custody_shared: bool = False
    held: tuple[HeldIdentity, ...] = ()  # the booking and its corrections, stripped, waiting to be published
    held_cancellations: tuple[ReleaseCancelled, ...] = ()  # waiting for a schedule they cancel to be shared
    schedules_published: tuple[FactStamp, ...] = ()
    withheld: tuple[WithheldFact, ...] = ()
    # the held events counted withheld (by intake, on the day it held them): uncounted once published
    held_counted: tuple[HeldCount, ...] = ()

    @property
    def facts(self) -> BookingFacts:
        return BookingFacts(self.charges, self.date_of_birth, self.booked_at)

    def kept_until(self, *, retention: timedelta, longest: timedelta) -> datetime | None:
        """When intake may forget the booking (its hold included): ``retention`` after it left custody, and
        ``longest`` after its first event at most. None before any event."""
        limits = [self.first_seen_at + longest] if self.first_seen_at is not None else []
        if self.left_at is not None:
            limits.append(self.left_at + retention)
        return min(limits, default=None)


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What to do with one event: the verdict, the events to publish now (in order, each with ``mark``), the
    fields stripped from this event's person, the booking's record to keep (None: nothing to keep), and whether
    the event is ``held``: withheld for now, kept (stripped) to be published with a later event the policy
    shares."""

    verdict: Verdict
    publish: tuple[CustodyEvent, ...]
    mark: PolicyMark | None
    stripped: tuple[str, ...]
    state: BookingDisclosure | None
    held: bool = False


def _later(stamp: FactStamp, current: FactStamp | None) -> bool:
    return current is None or stamp >= current


def _learn(state: BookingDisclosure, event: CustodyEvent) -> BookingDisclosure:
    """``state`` with what ``event`` tells of the booking (whatever order the events arrive in)."""
    stamp = fact_stamp(event)
    update: dict[str, object] = {}
    if state.first_seen_at is None or event.occurred_at < state.first_seen_at:
        update["first_seen_at"] = event.occurred_at
    if isinstance(event, Booking | BookingUpdated):
        if event.charges is not None and _later(stamp, state.charges_stamp):
            update |= {"charges": event.charges, "charges_stamp": stamp}
        if event.person is not None and _later(stamp, state.person_stamp):
            update |= {"date_of_birth": event.person.date_of_birth, "person_stamp": stamp}
        if isinstance(event, Booking) and (state.booked_at is None or event.occurred_at < state.booked_at):
            update["booked_at"] = event.occurred_at
    elif event.type in {"release", "transfer"} and (state.left_at is None or event.occurred_at < state.left_at):
        update["left_at"] = event.occurred_at
    return state.model_copy(update=update) if update else state


def share_verdict(policy: JurisdictionPolicy, event_type: str, facts: BookingFacts) -> Verdict:
    """The ``share`` rule of ``event_type`` (booking, release_scheduled, release, transfer) judged on ``facts``,
    after the policy's ``never_share`` conditions."""
    for index, condition in enumerate(policy.never_share):
        judged = judge_condition(condition, facts)
        if judged.holds is not False:
            what = "cannot tell whether" if judged.holds is None else "holds:"
            reason = f"nothing about a booking is shared when {describe_condition(condition)}; {what} {judged.why}"
            return Verdict(False, rule_of(policy, f"never_share[{index}]"), reason)
    rule: ShareRule = getattr(policy.share, event_type)
    words = EVENT_WORDS[event_type]
    clause = rule_of(policy, f"share.{event_type}")
    if rule.always is not None:
        return Verdict(rule.always, clause, f"{words} are {'always' if rule.always else 'never'} shared")
    assert rule.when is not None
    judged = judge_condition(rule.when, facts)
    wanted = describe_condition(rule.when)
    if judged.holds:
        return Verdict(True, clause, f"{words} are shared when {wanted}: {judged.why}")
    return Verdict(False, clause, f"{words} are shared only when {wanted}: {judged.why}")


def judge_inferred_release(policy: JurisdictionPolicy | None, facts: BookingFacts) -> Verdict:
    """A release the notifier infers from a roster follows the ``release`` rule (for the notifier, which
    raises no alert for one withheld)."""
    if policy is None:
        return NO_POLICY
    return share_verdict(policy, "release", facts)


def _stripped(policy: JurisdictionPolicy, event: CustodyEvent) -> tuple[CustodyEvent, tuple[str, ...]]:
    if not isinstance(event, Booking | BookingUpdated) or event.person is None:
        return event, ()
    stripped = strip_person(event.person, policy.shared_identity)
    if not stripped.stripped:
        return event, ()
    return event.model_copy(update={"person": stripped.person}), stripped.stripped


def _mark(policy: JurisdictionPolicy, state: BookingDisclosure) -> PolicyMark:
    return PolicyMark(
        jurisdiction=policy.jurisdiction,
        policy=policy.name,
        in_custody=state.in_custody_shared,
        withheld=state.withheld,
    )


def _withheld(
    policy: JurisdictionPolicy,
    state: BookingDisclosure,
    event: CustodyEvent,
    verdict: Verdict,
    stripped: tuple[str, ...],
    *,
    held: bool = False,
) -> Disclosure:
    assert verdict.rule is not None
    fact = WithheldFact(event_type=event.type, rule=verdict.rule.rule)
    if fact not in state.withheld:
        state = state.model_copy(update={"withheld": (*state.withheld, fact)})
    return Disclosure(verdict, (), None, stripped, state, held)


def _published(
    policy: JurisdictionPolicy,
    state: BookingDisclosure,
    events: tuple[CustodyEvent, ...],
    verdict: Verdict,
    stripped: tuple[str, ...],
) -> Disclosure:
    """Publish ``events``, after the held identity if it was not published yet."""
    if not state.identity_published:
        events = (*state.held, *events)
        state = state.model_copy(update={"identity_published": True, "held": ()})
    return Disclosure(verdict, events, _mark(policy, state), stripped, state)


def disclose(policy: JurisdictionPolicy | None, state: BookingDisclosure | None, event: CustodyEvent) -> Disclosure:
    """What to publish of ``event`` under ``policy`` (None: no policy covers the facility), given what is kept of
    its booking (None: nothing yet), and the booking's record to keep."""
    if policy is None:
        return Disclosure(NO_POLICY, (event,), None, (), state)
    known = state or BookingDisclosure(facility_ori=event.facility_ori, booking_number=event.booking_number)
    state = _learn(known, event)
    shareable, stripped = _stripped(policy, event)
    if isinstance(shareable, Booking | BookingUpdated):
        return _identity_event(policy, state, shareable, stripped)
    if isinstance(shareable, ReleaseCancelled):
        return _cancellation(policy, state, shareable)
    verdict = share_verdict(policy, shareable.type, state.facts)
    if not verdict.shared:
        return _withheld(policy, state, shareable, verdict, stripped)
    if isinstance(shareable, ReleaseScheduled):
        stamp = fact_stamp(shareable)
        cancelling = tuple(c for c in state.held_cancellations if fact_stamp(c) > stamp)
        state = state.model_copy(
            update={
                "schedules_published": (*state.schedules_published, stamp),
                "held_cancellations": tuple(c for c in state.held_cancellations if c not in cancelling),
            }
        )
        return _published(policy, state, (shareable, *cancelling), verdict, stripped)
    return _published(policy, state, (shareable,), verdict, stripped)


def _identity_event(
    policy: JurisdictionPolicy, state: BookingDisclosure, event: Booking | BookingUpdated, stripped: tuple[str, ...]
) -> Disclosure:
    """A booking or a correction: published with the booking rule, or once the identity was; held otherwise."""
    verdict = share_verdict(policy, "booking", state.facts)
    if verdict.shared:
        state = state.model_copy(update={"in_custody_shared": True})
        return _published(policy, state, (event,), verdict, stripped)
    if state.identity_published and not verdict.by_never_share:
        reason = "a correction of a booking whose identity was shared with an earlier event is shared with it"
        return _published(policy, state, (event,), Verdict(True, verdict.rule, reason), stripped)
    if state.identity_published:
        return _withheld(policy, state, event, verdict, stripped)
    state = state.model_copy(update={"held": (*state.held, event)})
    reason = f"{verdict.reason}; the booking is held, to be published only with a later event this policy shares"
    return _withheld(policy, state, event, Verdict(False, verdict.rule, reason), stripped, held=True)


def _cancellation(policy: JurisdictionPolicy, state: BookingDisclosure, event: ReleaseCancelled) -> Disclosure:
    stamp = fact_stamp(event)
    blocked = share_verdict(policy, "release_scheduled", state.facts)
    if blocked.by_never_share:
        return _withheld(policy, state, event, blocked, ())
    rule = rule_of(policy, "share.release_scheduled")
    if any(published < stamp for published in state.schedules_published):
        verdict = Verdict(True, rule, "a release cancellation is shared when it cancels a release schedule that was")
        return _published(policy, state, (event,), verdict, ())
    state = state.model_copy(update={"held_cancellations": (*state.held_cancellations, event)})
    reason = (
        "a release cancellation is shared only when it cancels a release schedule that was shared, and no earlier "
        "schedule of this booking was; it is held, to be published if one is"
    )
    return _withheld(policy, state, event, Verdict(False, rule, reason), (), held=True)
