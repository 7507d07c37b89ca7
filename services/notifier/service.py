"""Processing batches from the streams: the notifier's use cases.

``CustodyEventProcessor`` turns a batch of custody events into booking
states and alerts, and reconciles the facility rosters that travel with them
(a booking in custody by our state but missing from its facility's roster is
released by inference); ``DetainerLodgeProcessor`` raises alerts for a newly
lodged detainer whose subject is in custody (or left recently);
``AlertReviewProcessor`` keeps a person's decision on a possible match with
the booking and, for a confirmation, raises the alerts of a match. All are
idempotent: a batch processed twice (a redelivery after a crash) changes
nothing the second time and raises no second alert. All three apply the
review decisions kept with a booking (``domain/reviews.py``) to what the
matcher says of it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from contracts import (
    Alert,
    AlertKind,
    AlertReviewed,
    AlertTrigger,
    CustodyEvent,
    Detainer,
    DetainerLodged,
    MatchEvidence,
    ReleaseReason,
    RosterReport,
    RosterSubmitted,
    custody_event_adapter,
    detainer_change_adapter,
)
from contracts.rosters import REPORTED_BOOKING_NUMBERS
from notifier.adapters.alert_store import AlertStore
from notifier.adapters.booking_index import BookingIndex
from notifier.adapters.booking_store import BookingKey, BookingStore, StoredBooking
from notifier.adapters.dead_letters import DeadLetterWriter
from notifier.adapters.detainer_index import DetainerIndex, detainer_ref_of_change
from notifier.adapters.feed_stats import FeedActivity
from notifier.adapters.roster_reports import RosterReports
from notifier.adapters.stream_entries import StreamEntry
from notifier.domain.alert_rules import DetainerRef, alert_conditions, build_alert
from notifier.domain.custody import BookingState, CustodyFact, InferredRelease, apply_event
from notifier.domain.reviews import BookingReview, reviewed_matches
from notifier.feed_health import FeedMonitor
from notifier.matching import search_keys
from notifier.metrics import ALERTS_RAISED, EVENTS_PROCESSED

__all__ = [
    "AlertReviewProcessor",
    "BatchReport",
    "CustodyEventProcessor",
    "DetainerLodgeProcessor",
    "NotifierPorts",
    "UnreadableEntryError",
    "alerts_for_match",
]

log = logging.getLogger(__name__)

_SAVE_ATTEMPTS = 10  # compare-and-set rounds before a batch gives up (and stays pending)


class UnreadableEntryError(ValueError):
    """An entry no consumer can make sense of; the message says why, without personal data."""


def _describe(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in detail['loc']) or '(root)'}: {detail['msg']}"
        for detail in error.errors(include_input=False, include_url=False)[:10]
    ]
    return "; ".join(problems)[:1000]


def read_custody_event(entry: StreamEntry) -> CustodyEvent:
    if entry.data is None:
        raise UnreadableEntryError("no __data__ field: not written by releasewatch ingest")
    try:
        return custody_event_adapter.validate_json(entry.data, extra="ignore")
    except ValidationError as error:
        raise UnreadableEntryError(f"not a valid custody event: {_describe(error)}") from None


def read_custody_stream_entry(entry: StreamEntry) -> CustodyEvent | RosterSubmitted:
    """An entry of the custody stream: a custody event, or a facility's roster (stream field ``type``)."""
    if entry.fields.get(b"type") != b"roster":
        return read_custody_event(entry)
    if entry.data is None:
        raise UnreadableEntryError("no __data__ field: not written by releasewatch ingest")
    try:
        return RosterSubmitted.model_validate_json(entry.data, extra="ignore")
    except ValidationError as error:
        raise UnreadableEntryError(f"not a valid roster: {_describe(error)}") from None


@dataclass
class BatchReport:
    entries: int = 0
    processed: int = 0
    dead_lettered: int = 0
    alerts: list[Alert] = field(default_factory=list)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NotifierPorts:
    """The adapters the processors work through, built once at start-up."""

    bookings: BookingStore
    booking_index: BookingIndex
    detainers: DetainerIndex
    alerts: AlertStore
    dead_letters: DeadLetterWriter
    roster_reports: RosterReports
    group: str
    clock: Callable[[], datetime] = _utc_now
    feeds: FeedMonitor | None = None  # counts what each facility sends, and holds alerts on a surge


def alerts_for_match(
    state: BookingState,
    detainer: DetainerRef,
    evidence: MatchEvidence,
    *,
    trigger: AlertTrigger,
    event_id: str | None,
    raised_at: datetime,
    every_schedule_seen: bool = False,
) -> list[Alert]:
    """The alerts a booking calls for, its person having matched (or possibly matched) ``detainer``
    (``every_schedule_seen``: see ``alert_conditions``)."""
    return [
        build_alert(condition, state, detainer, evidence, trigger=trigger, event_id=event_id, raised_at=raised_at)
        for condition in alert_conditions(state, evidence.decision, every_schedule_seen=every_schedule_seen)
    ]


async def _raise_alerts(
    store: AlertStore,
    alerts: Sequence[Alert],
    states: Mapping[BookingKey, BookingState],
    *,
    held_facilities: Set[str] = frozenset(),
) -> list[Alert]:
    """Create the alerts not created yet, then close the release schedules among them whose release time no
    longer stands by ``states`` (created now or before: a crash between the two is repaired by a redelivery)."""
    created = await store.create(alerts, held_facilities=held_facilities)
    # A release held by feed health closes no schedule until an operator delivers it (see the closer).
    await store.close_superseded_schedules(alerts, states)
    for alert in created:
        ALERTS_RAISED.labels(kind=alert.kind.value).inc()
        log.info(
            "alert raised",
            extra={
                "alert_id": alert.alert_id,
                "kind": alert.kind.value,
                "field_office": alert.field_office,
                "held": alert.facility_ori in held_facilities,
            },
        )
    return created


def _entry_ms(entry: StreamEntry) -> int:
    """When ingest accepted the entry: the time part of its stream id (ms)."""
    return int(entry.message_id.split("-", 1)[0])


class CustodyEventProcessor:
    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        report = BatchReport(entries=len(entries))
        events: list[CustodyEvent] = []
        rosters: list[RosterSubmitted] = []
        unreadable: list[tuple[StreamEntry, str]] = []
        activity: defaultdict[str, FeedActivity] = defaultdict(FeedActivity)
        roster_entries: dict[tuple[str, str], StreamEntry] = {}  # by facility and roster_id (unique per facility)
        for entry in entries:
            try:
                message = read_custody_stream_entry(entry)
            except UnreadableEntryError as error:
                unreadable.append((entry, str(error)))
                continue
            sent = activity[message.facility_ori]
            sent.entries.append((_entry_ms(entry), entry.message_id))
            if isinstance(message, RosterSubmitted):
                rosters.append(message)
                roster_entries[message.facility_ori, message.roster_id] = entry
            else:
                events.append(message)
                if message.type == "release":
                    sent.releases.append((_entry_ms(entry), entry.message_id))
        # 0. Count what each facility sent: a surge of releases holds its alerts from this batch on.
        held = await self._observe(activity)

        # 1. Fold the events into booking states and save them (the facts come first).
        timeline, transitions, reviews = await self._apply(events)
        # 2. File the bookings by person, so a detainer lodged from now on finds them, and by
        #    facility while in custody, so a roster finds them ...
        await self._ports.booking_index.record(transitions)
        await self._ports.bookings.file_custody(after for _, after in transitions)
        # 3. ... and only then look at the detainers: a lodge racing this batch is seen
        #    either here or by the lodge processor's lookup, never by neither.
        await self._ports.detainers.sync()
        report.alerts = await _raise_alerts(
            self._ports.alerts,
            self._alerts_for(timeline, reviews),
            {after.key: after for _, after in transitions},
            held_facilities=held,
        )
        # 4. Rosters after the batch's events, so each is judged against every fact we hold (its
        #    as_of, not its place in the stream, decides which bookings it may release).
        for roster in rosters:
            report.alerts += await self._reconcile(roster, roster_entries[roster.facility_ori, roster.roster_id], held)
        await self._ports.dead_letters.send(self._ports.group, unreadable)

        report.processed = len(events) + len(rosters)
        report.dead_lettered = len(unreadable)
        for event in events:
            EVENTS_PROCESSED.labels(type=event.type).inc()
        for _ in rosters:
            EVENTS_PROCESSED.labels(type="roster").inc()
        return report

    async def _observe(self, activity: Mapping[str, FeedActivity]) -> set[str]:
        return set() if self._ports.feeds is None else await self._ports.feeds.observe(activity)

    async def _reconcile(self, roster: RosterSubmitted, entry: StreamEntry, held: set[str]) -> list[Alert]:
        """Release the facility's bookings in custody by our state that the roster omits (booked before its
        as_of), raise their alerts as a reported release would, and report what was listed but unknown.

        Idempotent: a booking this roster released keeps its place in the in-custody set until its alerts
        are raised and the report kept, so a redelivery after a crash finds it and raises what is missing;
        once done, a redelivery finds nothing left to release and keeps the first report."""
        bookings, facility = self._ports.bookings, roster.facility_ori
        listed = set(roster.booking_numbers)
        filed = await bookings.in_custody_at(facility)
        inferred = [
            InferredRelease(roster.roster_id, roster.as_of, facility, number) for number in sorted(filed - listed)
        ]
        timeline, transitions, reviews = await self._apply(inferred)
        released = [(fact, state) for fact, state in timeline if _released_by(roster, state)]
        await self._ports.booking_index.record(transitions)  # kept for the retention period from now on
        # The releases it implies count as the facility's (a roster that lost half the jail is a surge).
        implied = FeedActivity(
            releases=[(_entry_ms(entry), f"{entry.message_id}/{state.booking_number}") for _, state in released]
        )
        if implied.releases:
            held |= await self._observe({facility: implied})
        alerts = await _raise_alerts(
            self._ports.alerts,
            self._alerts_for(released, reviews),
            {after.key: after for _, after in transitions},
            held_facilities=held,
        )

        unfiled = sorted(listed - filed)
        stored = await bookings.load_many((facility, number) for number in unfiled)
        states = [stored[(facility, number)].state for number in unfiled]
        unknown = [state.booking_number for state in states if state.booked_at is None]  # never saw it booked
        left = [state.booking_number for state in states if state.booked_at is not None and not state.in_custody]
        released_numbers = [state.booking_number for _, state in released]
        await self._ports.roster_reports.keep(
            RosterReport(
                facility_ori=facility,
                roster_id=roster.roster_id,
                as_of=roster.as_of,
                processed_at=self._ports.clock(),
                listed=len(listed),
                released=len(released_numbers),
                released_booking_numbers=tuple(released_numbers[:REPORTED_BOOKING_NUMBERS]),
                unknown=len(unknown),
                unknown_booking_numbers=tuple(unknown[:REPORTED_BOOKING_NUMBERS]),
                listed_after_leaving=len(left),
                listed_after_leaving_booking_numbers=tuple(left[:REPORTED_BOOKING_NUMBERS]),
            )
        )
        # Last: out of the set go the bookings released now (and any that had left already), in go the
        # listed bookings in custody that were missing from it.
        await bookings.file_custody([after for _, after in transitions] + states)
        log.info(
            "roster reconciled",
            extra={
                "roster_id": roster.roster_id,
                "facility_ori": facility,
                "listed": len(listed),
                "released": len(released_numbers),
                "unknown": len(unknown),
                "listed_after_leaving": len(left),
            },
        )
        return alerts

    async def _apply(
        self, events: Sequence[CustodyFact]
    ) -> tuple[
        list[tuple[CustodyFact, BookingState]],
        list[tuple[BookingState, BookingState]],
        dict[BookingKey, Mapping[str, BookingReview]],
    ]:
        """Apply events per booking in stream order; returns each event with the state it left,
        each booking's state before and after the batch, and the review decisions on each booking
        as they were when its state was saved (a decision kept meanwhile makes the save fail and
        the booking be read again)."""
        by_booking: defaultdict[BookingKey, list[CustodyFact]] = defaultdict(list)
        for event in events:
            by_booking[event.booking_key].append(event)
        stored = await self._ports.bookings.load_many(by_booking)
        snapshots: dict[BookingKey, list[tuple[CustodyFact, BookingState]]] = {}
        transitions: dict[BookingKey, tuple[BookingState, BookingState]] = {}
        pending = set(by_booking)
        for _ in range(_SAVE_ATTEMPTS):
            writes: list[tuple[BookingKey, StoredBooking, BookingState]] = []
            for booking in pending:
                state = stored[booking].state
                steps = []
                for event in by_booking[booking]:
                    state = apply_event(state, event)
                    steps.append((event, state))
                snapshots[booking] = steps
                transitions[booking] = (stored[booking].state, state)
                if state != stored[booking].state:
                    writes.append((booking, stored[booking], state))
            saved = await self._ports.bookings.save_many([(old, new) for _, old, new in writes])
            pending = {booking for (booking, _, _), ok in zip(writes, saved, strict=True) if not ok}
            if not pending:
                break
            log.info("booking changed concurrently; re-applying", extra={"bookings": len(pending)})
            stored.update(await self._ports.bookings.load_many(pending))
        else:
            raise RuntimeError(f"{len(pending)} booking(s) kept changing concurrently; the batch will be retried")
        timeline = [step for booking in by_booking for step in snapshots[booking]]
        reviews = {booking: stored[booking].reviews for booking in by_booking}
        return timeline, list(transitions.values()), reviews

    def _alerts_for(
        self,
        timeline: Sequence[tuple[CustodyFact, BookingState]],
        reviews: Mapping[BookingKey, Mapping[str, BookingReview]],
    ) -> list[Alert]:
        raised_at = self._ports.clock()
        alerts: list[Alert] = []
        detainers = self._ports.detainers
        for event, state in timeline:
            if state.person is None:
                continue
            # One decision over every candidate detainer: an automatic match must lead the runner-up.
            # Then people's decisions on this booking: a confirmed detainer is a match, a rejected one nothing.
            matches = detainers.matches(state.person)
            for detainer, evidence in reviewed_matches(matches, reviews.get(state.key, {}), detainers.get):
                alerts += alerts_for_match(
                    state,
                    detainer,
                    evidence,
                    trigger=AlertTrigger.ROSTER if isinstance(event, InferredRelease) else AlertTrigger.CUSTODY_EVENT,
                    event_id=event.event_id,
                    raised_at=raised_at,
                    every_schedule_seen=True,  # what these events announced, however often they are processed
                )
        return alerts


def _released_by(roster: RosterSubmitted, state: BookingState) -> bool:
    """Whether the booking's release is the one ``roster`` inferred (now, or before a crash)."""
    return (
        state.release_reason is ReleaseReason.INFERRED_FROM_ROSTER
        and state.release_stamp is not None
        and state.release_stamp[2] == roster.roster_id
        and state.released_at == roster.as_of
    )


class DetainerLodgeProcessor:
    """Raises alerts for a newly lodged detainer whose subject is in custody, or left recently."""

    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        report = BatchReport(entries=len(entries))
        lodged: list[tuple[str, Detainer]] = []  # by reference
        unreadable: list[tuple[StreamEntry, str]] = []
        for entry in entries:
            try:
                change = detainer_change_adapter.validate_json(entry.data or b"", extra="ignore")
            except ValidationError as error:
                unreadable.append((entry, f"not a valid detainer change: {_describe(error)}"))
                continue
            if isinstance(change, DetainerLodged):
                lodged.append((detainer_ref_of_change(entry.fields, change.detainer), change.detainer))
        await self._ports.detainers.sync()
        alerts: list[Alert] = []
        states: dict[BookingKey, BookingState] = {}
        raised_at = self._ports.clock()
        for detainer_ref, detainer in lodged:
            if self._ports.detainers.get(detainer_ref) is None:
                continue  # lifted since: nothing to raise
            booking_keys = await self._ports.booking_index.bookings_filed_under(search_keys(detainer.person))
            for stored in await self._ports.bookings.load_keys(booking_keys):
                state = stored.state
                if state.person is None:
                    continue
                states[state.key] = state
                # The very decision the booking's own events get (over every active detainer, this one
                # included, and with people's decisions on the booking), so the alerts depend on the
                # booking's state, not on which path came first.
                matches = self._ports.detainers.matches(state.person)
                for match, evidence in reviewed_matches(matches, stored.reviews, self._ports.detainers.get):
                    if match.detainer_ref == detainer_ref:
                        alerts += alerts_for_match(
                            state,
                            match,
                            evidence,
                            trigger=AlertTrigger.DETAINER_LODGED,
                            event_id=None,
                            raised_at=raised_at,
                        )
        report.alerts = await _raise_alerts(self._ports.alerts, alerts, states)
        await self._ports.dead_letters.send(self._ports.group, unreadable)
        report.processed = len(entries) - len(unreadable)
        report.dead_lettered = len(unreadable)
        return report


def read_alert_review(entry: StreamEntry) -> BookingReview:
    if entry.data is None:
        raise UnreadableEntryError("no __data__ field: not written by releasewatch ingest")
    try:
        alert = AlertReviewed.model_validate_json(entry.data, extra="ignore").alert
    except ValidationError as error:
        raise UnreadableEntryError(f"not a valid alert review: {_describe(error)}") from None
    if alert.kind is not AlertKind.POSSIBLE_MATCH or alert.review is None:
        raise UnreadableEntryError("an alert review must carry a reviewed possible_match alert")
    return BookingReview.of(alert)


class AlertReviewProcessor:
    """Acts on a person's decision on a possible match.

    The decision is kept with the booking first (compare-and-set on the booking's version), then the
    booking's state is read: a custody event saved concurrently either comes before (and its state is
    read here) or fails its save and reads the decision. A confirmation raises the alerts a match calls
    for (the normal fingerprints: a redelivered review, or a later automatic match, raises none twice);
    a rejection raises nothing, and from now on the other processors never raise for the pair.
    """

    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        report = BatchReport(entries=len(entries))
        reviews: list[BookingReview] = []
        unreadable: list[tuple[StreamEntry, str]] = []
        for entry in entries:
            try:
                reviews.append(read_alert_review(entry))
            except UnreadableEntryError as error:
                unreadable.append((entry, str(error)))
        await self._ports.detainers.sync()  # a detainer lifted since is not alerted on
        raised_at = self._ports.clock()
        alerts: list[Alert] = []
        states: dict[BookingKey, BookingState] = {}
        for review in reviews:
            stored = await self._keep_with_booking(review)
            states[stored.state.key] = stored.state
            # This pair only, as the booking now holds it (the first decision on a pair stands).
            decided = {review.detainer_ref: stored.reviews[review.detainer_ref]}
            for detainer, evidence in reviewed_matches([], decided, self._ports.detainers.get):
                alerts += alerts_for_match(
                    stored.state,
                    detainer,
                    evidence,
                    trigger=AlertTrigger.MATCH_CONFIRMED,
                    event_id=None,
                    raised_at=raised_at,
                )
        report.alerts = await _raise_alerts(self._ports.alerts, alerts, states)
        await self._ports.dead_letters.send(self._ports.group, unreadable)
        report.processed = len(reviews)
        report.dead_lettered = len(unreadable)
        return report

    async def _keep_with_booking(self, review: BookingReview) -> StoredBooking:
        """The booking with ``review`` kept on it (already there, on a redelivery: nothing is written)."""
        booking = review.booking
        for _ in range(_SAVE_ATTEMPTS):
            stored = (await self._ports.bookings.load_many([booking]))[booking]
            if review.detainer_ref in stored.reviews:
                return stored
            if await self._ports.bookings.save_review(stored, review):
                return StoredBooking(stored.state, stored.version + 1, {**stored.reviews, review.detainer_ref: review})
            log.info("booking changed concurrently; keeping the review again", extra={"alert_id": review.alert_id})
        raise RuntimeError(f"booking of alert {review.alert_id} kept changing; the review will be retried")
