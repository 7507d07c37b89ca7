"""The custody state of one booking, folded from its events.

Events may be redelivered and may arrive out of order (a source re-sends, a
batch file lands late), so the fold does not depend on arrival order: every
fact carries a stamp — when it happened at the facility, then a rank by
event type (a correction outranks the booking it corrects, a cancellation
the schedule it cancels), then the event id — and of two facts of one kind
the later stamp wins (the earlier, for the end of a stay). Applying an event
twice changes nothing.

An ``InferredRelease`` is not an event of the booking but releasewatch's
conclusion from a roster: it ends a stay only where no release or transfer is
known and the booking is older than the roster, so it never overrides what a
source reported (a reported release earlier than it still replaces it). Nor does
it stand against a later roster of the facility listing the booking again
(``ListedOnRoster``): the person was still held, and the inferred release is
withdrawn (``BookingState.releases_retracted``); one from a roster drawn up
before such a listing never applies. Only a roster refutes a roster: a jail
often cancels (or sends again) the release it had pending after the person
left, so what it sends about release times says nothing of who is still held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from contracts import (
    Booking,
    BookingUpdated,
    Charge,
    CustodyEvent,
    Person,
    Release,
    ReleaseCancelled,
    ReleaseReason,
    ReleaseScheduled,
    Transfer,
)
from contracts.events import FactStamp, fact_stamp
from contracts.policies import PolicyMark

__all__ = [
    "BookingState",
    "CustodyFact",
    "FactStamp",
    "InferredRelease",
    "ListedOnRoster",
    "RetractedRelease",
    "ScheduleEpisode",
    "SeenCancellation",
    "SeenSchedule",
    "apply_event",
    "apply_policy_mark",
    "episode_when_left",
    "release_qualifier",
    "same_state",
    "schedule_episodes",
    "standing_episode",
    "stored_person",
]


class SeenSchedule(BaseModel):
    """An announcement of a release time during this stay: the event that announced it, and which of the
    time's episodes it belongs to.

    A time announced again once something superseded it (a cancellation, another time announced) is announced
    anew: its next episode, a condition of its own. Announcements with nothing superseding between them are one
    episode, known from the earliest. States saved before episodes were kept hold one entry a release time, its
    earliest announcement, of its first episode."""

    model_config = ConfigDict(frozen=True)

    scheduled_release_at: datetime
    release_reason: ReleaseReason | None = None
    known_at: datetime
    event_id: str | None = None  # the event that announced it (none in states saved before it was kept)
    episode: int = 1  # the release time's first episode, second...

    @property
    def stamp(self) -> tuple[datetime, int, str]:
        """Its place among the stay's schedules and cancellations, as the fold stamps them (``fact_stamp``)."""
        return (self.known_at, 0, self.event_id or "")


class SeenCancellation(BaseModel):
    """A cancellation the facility sent during this stay: what replaced a release time may be one."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    event_id: str

    @property
    def stamp(self) -> tuple[datetime, int, str]:
        return (self.at, 1, self.event_id)  # (a cancellation at the instant of a schedule outranks it)


_SEEN_SCHEDULES_KEPT = 20  # a stay re-scheduled (or cancelled) more often keeps its latest twenty


def _schedule_order(seen: SeenSchedule) -> tuple[datetime, int, str, datetime]:
    return (*seen.stamp, seen.scheduled_release_at)


def _numbered(
    schedules: Iterable[SeenSchedule], cancellations: tuple[SeenCancellation, ...]
) -> tuple[SeenSchedule, ...]:
    """``schedules`` in the order announced, each in its release time's episode: that of the time's previous
    announcement, or the next one if a cancellation or another time's announcement came between them. A number
    kept on an entry is never lowered: facts added only split episodes, so a lower one can only come from facts
    kept no longer (more than the states keep), and an episode's alert keeps its id."""
    facts: list[tuple[tuple[datetime, int, str, datetime], SeenSchedule | None]] = [
        (_schedule_order(seen), seen) for seen in schedules
    ]
    facts += [((*cancelled.stamp, cancelled.at), None) for cancelled in cancellations]
    facts.sort(key=lambda fact: fact[0])
    superseding = 0  # facts so far that supersede a release time: cancellations, then every announcement
    announced: dict[datetime, int] = {}  # announcements so far, by release time
    last: dict[datetime, tuple[int, int]] = {}  # a time's latest announcement: (episode, what superseded by then)
    numbered: list[SeenSchedule] = []
    for _, seen in facts:
        if seen is None:
            superseding += 1
            continue
        time = seen.scheduled_release_at
        # Another time's announcements supersede this one; its own do not.
        since = superseding - announced.get(time, 0)
        episode = 1
        if (previous := last.get(time)) is not None:
            episode = previous[0] + (since != previous[1])
        episode = max(episode, seen.episode)
        numbered.append(seen if seen.episode == episode else seen.model_copy(update={"episode": episode}))
        superseding += 1
        announced[time] = announced.get(time, 0) + 1
        last[time] = (episode, since)
    return tuple(numbered)


def _seen(
    schedules: tuple[SeenSchedule, ...], event: ReleaseScheduled, cancellations: tuple[SeenCancellation, ...] = ()
) -> tuple[SeenSchedule, ...]:
    """``schedules`` with ``event``'s announcement in it, each in its release time's episode (the latest kept)."""
    seen = SeenSchedule(
        scheduled_release_at=event.scheduled_release_at,
        release_reason=event.release_reason,
        known_at=event.occurred_at,
        event_id=event.event_id,
    )
    if not schedules:  # (the stay's first schedule has nothing to compare with)
        return (seen,)
    if any(_schedule_order(s) == _schedule_order(seen) for s in schedules):
        return schedules  # announced already (a redelivery)
    kept = _numbered([*schedules, seen], cancellations)
    return kept[-_SEEN_SCHEDULES_KEPT:]


def _cancellation_seen(
    cancellations: tuple[SeenCancellation, ...], event: ReleaseCancelled
) -> tuple[SeenCancellation, ...]:
    seen = SeenCancellation(at=event.occurred_at, event_id=event.event_id)
    kept = sorted({*cancellations, seen}, key=lambda c: (c.at, c.event_id))
    return tuple(kept[-_SEEN_SCHEDULES_KEPT:])


def _renumbered(
    schedules: tuple[SeenSchedule, ...], cancellations: tuple[SeenCancellation, ...]
) -> tuple[SeenSchedule, ...]:
    """``schedules`` after a cancellation: one between two announcements of a time starts the time's next episode."""
    return _numbered(list(schedules), cancellations) if len(schedules) > 1 else schedules


@dataclass(frozen=True, slots=True)
class ScheduleEpisode:
    """A release time as announced once: from its first announcement until something superseded it."""

    scheduled_release_at: datetime
    episode: int  # 1: the time's first episode
    known_at: datetime  # when its earliest announcement happened
    event_id: str | None  # its earliest announcement
    release_reason: ReleaseReason | None  # as its latest announcement gave it


def schedule_episodes(state: BookingState) -> list[ScheduleEpisode]:
    """The episodes of the release times announced during the stay (those kept), in the order they began."""
    episodes: dict[tuple[datetime, int], ScheduleEpisode] = {}
    for seen in sorted(state.schedules_seen, key=_schedule_order):
        first = episodes.get((seen.scheduled_release_at, seen.episode))
        episodes[(seen.scheduled_release_at, seen.episode)] = ScheduleEpisode(
            scheduled_release_at=seen.scheduled_release_at,
            episode=seen.episode,
            known_at=seen.known_at if first is None else first.known_at,
            event_id=seen.event_id if first is None else first.event_id,
            release_reason=seen.release_reason,
        )
    return list(episodes.values())


def standing_episode(state: BookingState) -> int:
    """The episode of the release time as it stands: its latest (the schedule as it stands is the latest fact of
    its kind), the first for a time of which no announcement is kept."""
    time = state.scheduled_release_at
    return max((seen.episode for seen in state.schedules_seen if seen.scheduled_release_at == time), default=1)


def episode_when_left(state: BookingState) -> ScheduleEpisode | None:
    """The episode of the release time that stood when the person left (released or moved, whichever came first):
    the latest schedule or cancellation stamped before leaving decides, not what came after it. None: they have
    not left, or no release time stood then (none announced, or cancelled).

    A jail's system often cancels the release it had pending once the person is out, or sends the schedule again:
    what it sends after the release says nothing of the notice the release came with, in whatever order it
    arrives."""
    left = min((at for at in (state.released_at, state.transferred_at) if at is not None), default=None)
    if left is None:
        return None
    if not state.schedules_seen and not state.cancellations_seen:  # (a state saved before they were kept)
        stamp = state.schedule_stamp
        if state.scheduled_release_at is None or stamp is None or stamp[0] > left:
            return None
        return ScheduleEpisode(
            state.scheduled_release_at, 1, stamp[0], stamp[2] or None, state.scheduled_release_reason
        )
    # Known by the time they left (at that instant included), ordered as the fold orders them.
    facts: list[tuple[tuple[datetime, int, str], SeenSchedule | None]] = [
        (seen.stamp, seen) for seen in state.schedules_seen if seen.known_at <= left
    ]
    facts += [(cancelled.stamp, None) for cancelled in state.cancellations_seen if cancelled.at <= left]
    if not facts:
        return None
    _, last = max(facts, key=lambda fact: fact[0])
    if last is None:
        return None  # cancelled before the person left
    return next(
        episode
        for episode in schedule_episodes(state)
        if (episode.scheduled_release_at, episode.episode) == (last.scheduled_release_at, last.episode)
    )


@dataclass(frozen=True, slots=True)
class InferredRelease:
    """The booking was missing from its facility's roster as of ``occurred_at``: it left by then."""

    event_id: str  # the roster's id: the fact's stamp, and the alert's event_id
    occurred_at: datetime  # the roster's as_of
    facility_ori: str
    booking_number: str
    type: Literal["release"] = "release"  # ranked as a release
    release_reason: ReleaseReason = ReleaseReason.INFERRED_FROM_ROSTER
    withheld_by: str | None = None  # the facility's sharing policy withholds it: the rule (no released alert)

    @property
    def booking_key(self) -> tuple[str, str]:
        return (self.facility_ori, self.booking_number)


@dataclass(frozen=True, slots=True)
class ListedOnRoster:
    """The booking was on its facility's roster as of ``occurred_at``, after a release inferred from an earlier
    roster: the person was still held there then."""

    event_id: str  # the roster's id
    occurred_at: datetime  # the roster's as_of
    facility_ori: str
    booking_number: str
    type: Literal["roster_listing"] = "roster_listing"

    @property
    def booking_key(self) -> tuple[str, str]:
        return (self.facility_ori, self.booking_number)


class RetractedRelease(BaseModel):
    """A release inferred from a roster that a later roster contradicted: the person was still held."""

    model_config = ConfigDict(frozen=True)

    released_at: datetime  # the inferred release's time (its roster's as_of)
    roster_id: str  # the roster it was inferred from
    held_at: datetime  # when the person was still held: the later roster's as_of
    event_id: str  # the later roster, listing the booking


CustodyFact = CustodyEvent | InferredRelease | ListedOnRoster


class BookingState(BaseModel):
    """What we know of one stay of one person at one facility.

    Stored without the fields at their defaults (``store.bookings``): a default is part of the stored format, so
    a field's default never changes (a new field comes with the default that states saved before it mean).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    facility_ori: str
    booking_number: str
    person: Person | None = None
    person_stamp: FactStamp | None = None
    booked_at: datetime | None = None
    scheduled_release_at: datetime | None = None
    scheduled_release_reason: ReleaseReason | None = None
    schedule_stamp: FactStamp | None = None  # of the last schedule or cancellation
    # Every release time announced during the stay, cancelled or replaced since or not: that it was
    # announced is a fact, so a batch processed again after a crash raises the alerts it raised (or
    # would have raised) the first time, whatever it cancelled or replaced.
    schedules_seen: tuple[SeenSchedule, ...] = ()
    # Every cancellation, whatever it cancelled: whether a release time was cancelled or replaced by another
    # is then a function of the facts, not of the order the notifier saw them in.
    cancellations_seen: tuple[SeenCancellation, ...] = ()
    released_at: datetime | None = None
    release_reason: ReleaseReason | None = None
    release_stamp: FactStamp | None = None
    transferred_to: str | None = None
    transferred_at: datetime | None = None
    transfer_stamp: FactStamp | None = None
    charges: tuple[Charge, ...] = ()  # as last sent (booking, corrected since): what sharing policies judge
    charges_stamp: FactStamp | None = None
    # A release inferred from a roster that the facility's sharing policy withholds: the rule (no released alert).
    release_withheld_by: str | None = None
    # What the facility's sharing policy says of the in-custody notice, as marked by intake beside each event
    # published under a policy: None, no policy mark (the notice is given); False, every marked event said it
    # may not be (``booking: false``: no in_custody alert, ever); True, one said it may (it stays so).
    in_custody_notice: bool | None = None
    # The sharing-policy rule that withheld the booking's release schedule (from the marks): a release without
    # notice then says so, rather than passing for one nobody scheduled.
    schedule_withheld_by: str | None = None
    # The latest roster that listed the booking after a release inferred from an earlier one: its as_of.
    listed_at: datetime | None = None
    # The roster whose inferred release a release the facility reported replaced (an earlier one): the released
    # alert raised for the inference is brought to what the facility reported.
    inferred_release_replaced: str | None = None
    # Releases inferred from a roster that a later roster withdrew, oldest first: each one's released
    # alert is closed, and a release after them is an alert of its own (``release_qualifier``).
    releases_retracted: tuple[RetractedRelease, ...] = ()

    @classmethod
    def empty(cls, facility_ori: str, booking_number: str) -> BookingState:
        """No fact of the booking yet: every field at its default. A copy of one empty state validated once, with
        the two strings in it: the same fields and fields set as validating them, at half the cost (a batch
        starts hundreds of states)."""
        if cls is not BookingState:
            return cls(facility_ori=facility_ori, booking_number=booking_number)
        return _updated(_EMPTY, {"facility_ori": facility_ori, "booking_number": booking_number})

    def stored_json(self) -> bytes:
        """Its JSON without the fields at their defaults, as ``store.bookings`` keeps it: what
        ``model_dump_json(exclude_defaults=True)`` writes, as the serializer gives it (without a copy to text
        and back)."""
        return self.__pydantic_serializer__.to_json(self, exclude_defaults=True)

    @property
    def key(self) -> tuple[str, str]:
        return (self.facility_ori, self.booking_number)

    @property
    def in_custody(self) -> bool:
        """Booked here and neither released nor moved elsewhere since."""
        return self.booked_at is not None and self.released_at is None and self.transferred_at is None

    @property
    def left_by_transfer(self) -> bool:
        """Transferred before any release was reported: a release the facility reports after the transfer (closing
        the booking it moved) is no release from custody, the person being held at the facility moved to."""
        return self.transfer_stamp is not None and (
            self.release_stamp is None or self.transfer_stamp < self.release_stamp
        )

    @property
    def release_pending(self) -> datetime | None:
        """The scheduled release time while the person is still here."""
        return self.scheduled_release_at if self.in_custody else None

    @property
    def schedule_known_at(self) -> datetime | None:
        return self.schedule_stamp[0] if self.schedule_stamp is not None else None


_EMPTY = BookingState(facility_ori="", booking_number="")  # copied by ``BookingState.empty``


class _StoredPerson(BaseModel):
    """A stored state's person alone: the rest of its JSON is parsed past, not validated."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    person: Person | None = None


def stored_person(state_json: bytes) -> Person | None:
    """The person of a state as ``BookingState.stored_json`` wrote it, without reading the rest of it (a lodge
    looks at the people of many bookings to read in full the few that may be its subject)."""
    return _StoredPerson.model_validate_json(state_json).person


def apply_policy_mark(state: BookingState, mark: PolicyMark) -> BookingState:
    """The state after an event published under a sharing policy with ``mark``: once one event of the booking
    may give the in-custody notice it may, whatever order the marks arrive in; a release schedule the policy
    withheld is remembered by its rule."""
    update: dict[str, Any] = {}
    if mark.in_custody and state.in_custody_notice is not True:
        update["in_custody_notice"] = True
    if not mark.in_custody and state.in_custody_notice is None:
        update["in_custody_notice"] = False
    schedule_rules = [fact.rule for fact in mark.withheld if fact.event_type == "release_scheduled"]
    if schedule_rules and state.schedule_withheld_by is None:
        update["schedule_withheld_by"] = schedule_rules[-1]
    return _updated(state, update) if update else state


_new_object = object.__new__
# A model's four slots, each set by its own descriptor: what ``object.__setattr__`` does with the slot's name, without
# looking the name up (a fifth of a copy's cost).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def _updated(state: BookingState, update: dict[str, Any]) -> BookingState:
    """``state.model_copy(update=update)``: the same state, fields and fields set, at a third of the cost (the
    fold makes a copy an event, and pydantic's copy also serves extra fields, private attributes and deep
    copies, which a state has none of)."""
    copied = _new_object(type(state))
    _set_dict(copied, {**state.__dict__, **update})
    _set_fields_set(copied, state.__pydantic_fields_set__.union(update))
    _set_extra(copied, None)
    _set_private(copied, None)
    return copied


def same_state(state: BookingState, other: BookingState) -> bool:
    """``state == other``: the fields compared as pydantic compares them (states have no extra fields or private
    attributes), at a sixth of the cost of its comparison, which serves any model."""
    if state is other:
        return True
    if type(state) is not type(other) or (state.person is None) is not (other.person is None):
        # A person on one side only: unequal, without asking the person's model to compare itself with None (a
        # Python call, for every new booking's state against its empty one).
        return False
    return state.__dict__ == other.__dict__


def _later(stamp: FactStamp, current: FactStamp | None) -> bool:
    return current is None or stamp >= current


def _earlier(stamp: FactStamp, current: FactStamp | None) -> bool:
    return current is None or stamp <= current


def release_qualifier(state: BookingState, number: int | None = None) -> str:
    """The qualifier of the ``released`` alert of the booking's release: none for its first, ``#2`` for one after
    a release inferred from a roster was withdrawn, and so on (that one's alert keeps its id, closed). ``number``:
    of the stay's ``number``-th release (1: the first), rather than of the release as it stands."""
    number = len(state.releases_retracted) + 1 if number is None else number
    return f"#{number}" if number > 1 else ""


def _still_held(state: BookingState, at: datetime, event_id: str) -> BookingState:
    """``state`` once the roster ``event_id`` listed the booking as of ``at``: a release inferred from a roster drawn
    up before then is withdrawn (a release the facility reported stands). A release time that stood when that
    release was inferred (its alert closed by it) stands again as its next episode: an alert of its own, the
    countdown the office lost."""
    if (
        state.release_reason is not ReleaseReason.INFERRED_FROM_ROSTER
        or state.released_at is None
        or state.released_at >= at
        or state.release_stamp is None
    ):
        return state
    retracted = RetractedRelease(
        released_at=state.released_at, roster_id=state.release_stamp[2], held_at=at, event_id=event_id
    )
    update: dict[str, Any] = {
        "released_at": None,
        "release_reason": None,
        "release_stamp": None,
        "release_withheld_by": None,
        "releases_retracted": (*state.releases_retracted, retracted),
    }
    if (time := state.scheduled_release_at) is not None:
        episode = standing_episode(state)
        announced = [
            seen for seen in state.schedules_seen if (seen.scheduled_release_at, seen.episode) == (time, episode)
        ]
        if announced and min(seen.known_at for seen in announced) <= retracted.released_at:
            # Announced before the release was inferred: from the listing on, the time's next episode.
            renewed = SeenSchedule(
                scheduled_release_at=time,
                release_reason=state.scheduled_release_reason,
                known_at=at,
                event_id=event_id,
                episode=episode + 1,
            )
            update["schedules_seen"] = tuple(sorted([*state.schedules_seen, renewed], key=_schedule_order))[
                -_SEEN_SCHEDULES_KEPT:
            ]
    return _updated(state, update)


def apply_event(state: BookingState, event: CustodyFact) -> BookingState:
    """The state after ``event``, whatever order the booking's events arrive in."""
    if type(event) is ListedOnRoster:
        if state.booked_at is None or (state.listed_at is not None and state.listed_at >= event.occurred_at):
            return state
        return _still_held(_updated(state, {"listed_at": event.occurred_at}), event.occurred_at, event.event_id)
    stamp = fact_stamp(event)
    match event:
        case InferredRelease():
            if not state.in_custody or state.booked_at is None or state.booked_at >= event.occurred_at:
                return state  # left already (as reported), or booked after the roster was drawn up
            if state.listed_at is not None and state.listed_at >= event.occurred_at:
                return state  # a roster listed the booking when (or after) this one was drawn up
            return _updated(
                state,
                {
                    "released_at": event.occurred_at,
                    "release_reason": event.release_reason,
                    "release_stamp": stamp,
                    "release_withheld_by": event.withheld_by,
                },
            )
        case Booking() | BookingUpdated():
            update: dict[str, Any] = {}  # one copy of the state for all the event changes
            if event.person is not None and _later(stamp, state.person_stamp):
                update["person"], update["person_stamp"] = event.person, stamp
            if event.charges is not None and _later(stamp, state.charges_stamp):
                update["charges"], update["charges_stamp"] = event.charges, stamp
            if isinstance(event, Booking) and (state.booked_at is None or event.occurred_at < state.booked_at):
                update["booked_at"] = event.occurred_at
            return _updated(state, update) if update else state
        case ReleaseScheduled():
            update = {"schedules_seen": _seen(state.schedules_seen, event, state.cancellations_seen)}
            if _later(stamp, state.schedule_stamp):
                update.update(
                    scheduled_release_at=event.scheduled_release_at,
                    scheduled_release_reason=event.release_reason,
                    schedule_stamp=stamp,
                )
            return _updated(state, update)
        case ReleaseCancelled():
            cancellations = _cancellation_seen(state.cancellations_seen, event)
            update = {"cancellations_seen": cancellations}
            schedules = _renumbered(state.schedules_seen, cancellations)
            if schedules != state.schedules_seen:
                update["schedules_seen"] = schedules
            if _later(stamp, state.schedule_stamp):
                update.update(scheduled_release_at=None, scheduled_release_reason=None, schedule_stamp=stamp)
            return _updated(state, update)
        case Release():
            if not _earlier(stamp, state.release_stamp):
                return state  # the first release ends the stay; a later one changes nothing
            update = {
                "released_at": event.occurred_at,
                "release_reason": event.release_reason,
                "release_stamp": stamp,
                "release_withheld_by": None,  # reported by the facility, as its policy allowed
            }
            if state.release_reason is ReleaseReason.INFERRED_FROM_ROSTER and state.release_stamp is not None:
                update["inferred_release_replaced"] = state.release_stamp[2]  # (its alert told of the inference)
            return _updated(state, update)
        case Transfer():
            if not _earlier(stamp, state.transfer_stamp):
                return state
            return _updated(
                state,
                {
                    "transferred_to": event.to_facility_ori,
                    "transferred_at": event.occurred_at,
                    "transfer_stamp": stamp,
                },
            )
    raise TypeError(f"not a custody event: {type(event).__name__}")  # pragma: no cover - the union is closed
