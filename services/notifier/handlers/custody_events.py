"""Custody events into booking states and alerts, and the facility rosters that travel with them.

A batch of the custody stream is counted per facility (feed health may hold a facility's alerts), folded into
each booking's state (saved by compare-and-set: the facts come first), filed by person and by facility, and
only then matched against the active detainers (a match made while the filing is under way stands only if the
detainers did not change meanwhile), so a lodge racing the batch is seen either here or by the lodge
processor's lookup, never by neither. A booking in custody by our state but missing from its facility's
roster is released by inference (``domain.rosters``). People's review decisions kept with a booking
(``domain.reviews``) outrank what the matcher says of it.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from contracts import Alert, AlertTrigger, BookingUpdated, CustodyEvent, RosterSubmitted
from contracts.envelope import StreamEntry
from contracts.policies import PolicyMark
from notifier.domain.alert_rules import noting_departure
from notifier.domain.corrections import no_longer_matched
from notifier.domain.custody import (
    BookingState,
    CustodyFact,
    InferredRelease,
    ListedOnRoster,
    apply_event,
    apply_policy_mark,
    same_state,
)
from notifier.domain.reviews import BookingReview, reviewed_matches
from notifier.domain.rosters import inferred_releases, listed_again, listed_but_not_held, released_by, roster_report
from notifier.handlers.ports import NotifierPorts, Stored
from notifier.handlers.raising import BatchReport, alerts_for_match, raise_alerts
from notifier.handlers.reading import UnreadableEntryError, read_custody_stream_entry, read_policy_mark
from notifier.metrics import ALERTS_WITHHELD, EVENTS_PROCESSED
from policies import BookingFacts, judge_inferred_release
from runtime.compare_and_set import compare_and_set
from runtime.redis import Together, one_connection, together
from store.bookings import BookingKey
from store.feeds import FeedActivity

__all__ = ["CustodyEventProcessor"]

log = logging.getLogger(__name__)


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
        marks: dict[tuple[str, str], PolicyMark] = {}  # (facility, event_id): the sharing policy's mark
        for entry in entries:
            try:
                message = read_custody_stream_entry(entry)
                mark = read_policy_mark(entry)
            except UnreadableEntryError as error:
                unreadable.append((entry, str(error)))
                continue
            sent = activity[message.facility_ori]
            sent.entries.append((entry.appended_ms, entry.message_id))
            if isinstance(message, RosterSubmitted):
                rosters.append(message)
                roster_entries[message.facility_ori, message.roster_id] = entry
            else:
                events.append(message)
                if mark is not None:
                    marks[message.facility_ori, message.event_id] = mark
                if message.type == "release":
                    sent.releases.append((entry.appended_ms, entry.message_id))
        # 0. Count what each facility sent: a surge of releases holds its alerts from this batch on.
        # 1. Fold the events into booking states and save them (the facts come first).
        #    (both at once, the counting and the states' reading in one round trip: neither reads what the other
        #    writes, and only the alerts raised below wait for the holds)
        # 2. File the bookings by person, so a detainer lodged from now on finds them, and by
        #    facility while in custody, so a roster finds them ...
        #    (both at once: neither reads what the other writes; written right after the saves, on the same
        #    connection, without waiting for their replies: Redis runs them after the saves)
        # 3. ... and only then look at the detainers: a lodge racing this batch is seen
        #    either here or by the lodge processor's lookup, never by neither. The changelog is read after the
        #    filings, in their round trip (and again after them should one of them or a save be sent again).
        #    Matching against the detainers as they are now runs while Redis files; it stands
        #    only if the index has not changed by the time the filing is done and the changelog read.
        detainers = self._ports.detainers
        filing = _Filing(self._ports)
        async with one_connection():
            try:
                held, (timeline, transitions, reviews) = await together(
                    self._observe(activity), self._apply(events, marks, filing=filing)
                )
                matched_at = detainers.generation
                alerts = self._alerts_for(_as_corrected(timeline), reviews)
                await filing.done()
            except BaseException:
                await filing.settled()
                raise
        if detainers.generation != matched_at:
            alerts = self._alerts_for(_as_corrected(timeline), reviews)
        states = {after.key: after for _, after in transitions}
        alerts = _noting_departures(alerts, states)
        report.alerts = await raise_alerts(self._ports, alerts, states, held_facilities=held)
        await self._withdraw_corrected(timeline, transitions, reviews, alerts)
        # 4. Rosters after the batch's events, so each is judged against every fact we hold (its
        #    as_of, not its place in the stream, decides which bookings it may release).
        for roster in rosters:
            report.alerts += await self._reconcile(roster, roster_entries[roster.facility_ori, roster.roster_id], held)
        await self._ports.dead_letters.send(self._ports.group, unreadable)

        report.processed = len(events) + len(rosters)
        report.dead_lettered = len(unreadable)
        # One increment a type a batch, not a labelled child's lookup an event.
        counted: Counter[str] = Counter(event.type for event in events)
        counted["roster"] += len(rosters)
        for event_type, count in counted.items():
            if count:
                EVENTS_PROCESSED.labels(type=event_type).inc(count)
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
        filed = await bookings.in_custody_at(facility)
        withheld = roster.releases_withheld
        held_by_policy = set(roster.held_by_policy)  # never published: no booking of ours to know them by
        unfiled = [number for number in listed_but_not_held(roster, filed) if number not in held_by_policy]
        stored = await bookings.load_many((facility, number) for number in unfiled)
        states = [stored[(facility, number)].state for number in unfiled]
        # Listed, and released by an earlier roster's inference: still held, that release withdrawn.
        relisted = listed_again(roster, states)

        def judge(state: BookingState, release: InferredRelease) -> InferredRelease:
            return self._withheld_by(state, release, withheld.get(state.booking_number))

        timeline, transitions, reviews = await self._apply([*inferred_releases(roster, filed), *relisted], judge=judge)
        released = [(fact, state) for fact, state in timeline if released_by(roster, state)]
        held_again = [
            (fact, state) for fact, state in timeline if isinstance(fact, ListedOnRoster) and state.in_custody
        ]
        await self._ports.booking_index.record(transitions)  # kept for the retention period from now on
        # The releases it implies count as the facility's (a roster that lost half the jail is a surge).
        implied = FeedActivity(
            releases=[(entry.appended_ms, f"{entry.message_id}/{state.booking_number}") for _, state in released]
        )
        if implied.releases:
            held |= await self._observe({facility: implied})
        # (a booking held again: what is raised for it now, and closed of what its withdrawn release raised)
        alerts = await raise_alerts(
            self._ports,
            self._alerts_for([*released, *held_again], reviews),
            {after.key: after for _, after in transitions},
            held_facilities=held,
        )

        again = {state.booking_number for _, state in held_again}
        report = roster_report(
            roster,
            released=[state.booking_number for _, state in released],
            listed_not_held=[state for state in states if state.booking_number not in again],
            processed_at=self._ports.clock(),
            listed_again=sorted(again),
        )
        await self._ports.roster_reports.keep(report)
        # Last: out of the set go the bookings released now (and any that had left already), in go the
        # listed bookings in custody that were missing from it (those held again among them).
        await bookings.file_custody(
            [after for _, after in transitions] + [state for state in states if state.booking_number not in again]
        )
        log.info(
            "roster reconciled",
            extra={
                "roster_id": roster.roster_id,
                "facility_ori": facility,
                "listed": report.listed,
                "released": report.released,
                "unknown": report.unknown,
                "listed_after_leaving": report.listed_after_leaving,
                "listed_again": report.listed_again,
            },
        )
        return alerts

    def _withheld_by(
        self, state: BookingState, release: InferredRelease, withheld_at_intake: str | None = None
    ) -> InferredRelease:
        """``release`` as the facility's sharing policy judges it: withheld by ``withheld_at_intake`` when intake,
        which knows the booking's facts as corrected (withheld corrections included), said its release is withheld
        (the roster's ``releases_withheld``); else its ``release`` rule, on what is known here of the booking (its
        charges, the person's age when booked)."""
        rule = withheld_at_intake
        if rule is None:
            policies = self._ports.policies
            policy = policies.policy_for(release.facility_ori) if policies is not None else None
            if policy is None:
                return release
            born = state.person.date_of_birth if state.person is not None else None
            verdict = judge_inferred_release(policy, BookingFacts(state.charges, born, state.booked_at))
            if verdict.shared or verdict.rule is None:
                return release
            rule = verdict.rule.rule
        ALERTS_WITHHELD.labels(rule=rule).inc()
        log.info(
            "inferred release withheld by a sharing policy",
            extra={"roster_id": release.event_id, "facility_ori": release.facility_ori, "rule": rule},
        )
        return replace(release, withheld_by=rule)

    async def _apply(
        self,
        events: Sequence[CustodyFact],
        marks: Mapping[tuple[str, str], PolicyMark] | None = None,
        *,
        judge: Callable[[BookingState, InferredRelease], InferredRelease] | None = None,
        filing: _Filing | None = None,
    ) -> tuple[
        list[tuple[CustodyFact, BookingState]],
        list[tuple[BookingState, BookingState]],
        dict[BookingKey, Mapping[str, BookingReview]],
    ]:
        """Apply events per booking in stream order (with the sharing policy's ``marks`` on the in-custody notice,
        by facility and event_id); returns each event with the state it left,
        each booking's state before and after the batch, and the review decisions on each booking
        as they were when its state was saved (a decision kept meanwhile makes the save fail and
        the booking be read again).

        With ``filing``, each round's bookings are filed (``_Filing.start``) as soon as their saves are written,
        before Redis answers them."""
        by_booking: defaultdict[BookingKey, list[CustodyFact]] = defaultdict(list)
        for event in events:
            by_booking[event.booking_key].append(event)
        stored = await self._ports.bookings.load_many(by_booking)
        snapshots: dict[BookingKey, list[tuple[CustodyFact, BookingState]]] = {}
        transitions: dict[BookingKey, tuple[BookingState, BookingState]] = {}
        lost: set[BookingKey] = set()  # saves refused in the last round: someone saved first
        marked = marks or {}

        async def apply_and_save(pending: list[BookingKey]) -> list[BookingKey]:
            stale = [booking for booking in pending if booking in lost]
            filed_before: dict[BookingKey, BookingState] = {}  # what the last round filed, its save refused
            if stale:  # saved by someone else since read: read again, apply the events again
                log.info("booking changed concurrently; re-applying", extra={"bookings": len(stale)})
                filed_before = {booking: transitions[booking][1] for booking in stale if filing is not None}
                stored.update(await self._ports.bookings.load_many(stale))
            writes: list[tuple[BookingKey, Stored, BookingState]] = []
            for booking in pending:
                state = stored[booking].state
                steps = []
                for event in by_booking[booking]:
                    if judge is not None and isinstance(event, InferredRelease):
                        event = judge(state, event)
                    state = apply_event(state, event)
                    mark = marked.get((event.facility_ori, event.event_id)) if marked else None
                    if mark is not None:  # published under a sharing policy
                        state = apply_policy_mark(state, mark)
                    steps.append((event, state))
                snapshots[booking] = steps
                transitions[booking] = (stored[booking].state, state)
                if not same_state(state, stored[booking].state):
                    writes.append((booking, stored[booking], state))
            saving = together(self._ports.bookings.save_many([(old, new) for _, old, new in writes]))
            await saving.under_way()
            if filing is not None:
                # While Redis saves: the filing worked out and written after the saves. A booking whose save is
                # refused was filed as it would have been; the next round files it again from what was filed.
                round_filed = [transitions[booking] for booking in pending]
                round_filed += [(filed_before[booking], transitions[booking][1]) for booking in filed_before]
                await filing.start(round_filed)
            else:
                # While Redis saves: the person's keys the filing that follows needs (CPU the filing would spend).
                self._ports.booking_index.prepare(new for _, _, new in writes)
            (saved,) = await saving
            if filing is not None and saving.exchanges > 1:
                filing.saved_after()  # (a script Redis did not have, loaded and called again: after the filing)
            lost.clear()
            lost.update(booking for (booking, _, _), ok in zip(writes, saved, strict=True) if not ok)
            return list(lost)

        await compare_and_set(by_booking, apply_and_save, what="booking(s)")
        timeline = [step for booking in by_booking for step in snapshots[booking]]
        reviews = {booking: stored[booking].reviews for booking in by_booking}
        return timeline, list(transitions.values()), reviews

    async def _withdraw_corrected(
        self,
        timeline: Sequence[tuple[CustodyFact, BookingState]],
        transitions: Sequence[tuple[BookingState, BookingState]],
        reviews: Mapping[BookingKey, Mapping[str, BookingReview]],
        alerts: Sequence[Alert],
    ) -> None:
        """Close what was raised for a detainer on a booking whose person a correction made someone that detainer's
        subject no longer is (``domain.corrections``): the person as stored before the batch against the person the
        batch leaves. (A person replaced within the batch raised nothing: ``_as_corrected``.) And the other way:
        reopen what a correction closed for a detainer whose subject the person booked is again (``alerts``: those
        the batch calls for)."""
        # Only a booking held before with a person can have alerts of another (most bookings of a batch: new, or
        # their person the same object, and nothing here is compared).
        changed = {
            after.key: (before.person, after)
            for before, after in transitions
            if before.person is not None and after.person is not None and before.person is not after.person
        }
        if not changed:
            return
        last_event = {state.key: event.event_id for event, state in timeline if state.key in changed}
        detainers = self._ports.detainers
        pairs: list[tuple[str, BookingState, str | None]] = []
        again: dict[tuple[str, BookingKey], str | None] = {}  # (detainer, booking) the person matches anew: the event
        for key, (earlier, after) in changed.items():
            assert after.person is not None
            if earlier == after.person:
                continue  # the same person, read anew
            matched_before = {detainer.detainer_ref for detainer, _ in detainers.matches(earlier)}
            matched_now = {detainer.detainer_ref for detainer, _ in detainers.matches(after.person)}
            for detainer_ref in matched_now - matched_before:
                again[detainer_ref, key] = last_event.get(key)
            if not matched_before:
                continue
            for detainer_ref in no_longer_matched(matched_before, matched_now, reviews.get(key)):
                pairs.append((detainer_ref, after, last_event.get(key)))
        if pairs:
            await self._ports.releases.withdraw(pairs)
        if again:
            await self._restore(again, alerts, {after.key: after for _, after in transitions})

    async def _restore(
        self,
        again: Mapping[tuple[str, BookingKey], str | None],
        alerts: Sequence[Alert],
        states: Mapping[BookingKey, BookingState],
    ) -> None:
        """Reopen, among the alerts the batch calls for, those of a pair matched anew that a correction had closed
        (rare: a correction taken back), plan what follows them again, and close a release schedule among them
        whose time stopped standing meanwhile."""
        called_for = {
            alert.alert_id: again[pair]
            for alert in alerts
            if (pair := (alert.detainer_ref, (alert.facility_ori, alert.booking_number))) in again
        }
        reopened = await self._ports.releases.restore(called_for)
        if not reopened:
            return
        if self._ports.follow_ups is not None:
            await self._ports.follow_ups.plan_again(reopened)
        await self._ports.releases.close_for(reopened, states)

    def _alerts_for(
        self,
        timeline: Sequence[tuple[CustodyFact, BookingState]],
        reviews: Mapping[BookingKey, Mapping[str, BookingReview]],
    ) -> list[Alert]:
        raised_at = self._ports.clock()
        alerts: list[Alert] = []
        detainers = self._ports.detainers
        # One decision over every candidate detainer a person: an automatic match must lead the runner-up (the
        # batch's people searched for at once). By person: a booking's events share one (the timeline keeps every
        # person alive, so ids stay theirs).
        people = {id(state.person): state.person for _, state in timeline if state.person is not None}
        decided = dict(zip(people, detainers.matches_many(list(people.values())), strict=True))
        built: dict[str, Alert] = {}  # a booking's events in one batch call for some alerts more than once
        for event, state in timeline:
            if state.person is None:
                continue
            # Then people's decisions on this booking: a confirmed detainer is a match, a rejected one nothing.
            matches = decided[id(state.person)]
            reviewed = reviews.get(state.key)
            if not matches and not reviewed:
                continue  # most bookings: no detainer is theirs, and no one decided otherwise
            for detainer, evidence in reviewed_matches(matches, reviewed or {}, detainers.get):
                alerts += alerts_for_match(
                    state,
                    detainer,
                    evidence,
                    trigger=AlertTrigger.ROSTER
                    if isinstance(event, InferredRelease | ListedOnRoster)
                    else AlertTrigger.CUSTODY_EVENT,
                    event_id=event.event_id,
                    raised_at=raised_at,
                    every_schedule_seen=True,  # what these events announced, however often they are processed
                    built=built,
                )
        return alerts


def _noting_departures(alerts: list[Alert], states: Mapping[BookingKey, BookingState]) -> list[Alert]:
    """``alerts``, each ``in_custody`` one of a stay the batch ended saying when the person left (built at the booking's
    event, it did not know; one copy per alert, as built)."""
    if not any(state.released_at is not None or state.transferred_at is not None for state in states.values()):
        return alerts  # most batches: no one left
    noted: dict[str, Alert] = {}
    for alert in alerts:
        if alert.alert_id not in noted:
            state = states.get((alert.facility_ori, alert.booking_number))
            noted[alert.alert_id] = alert if state is None else noting_departure(alert, state)
    return [noted[alert.alert_id] for alert in alerts]


def _as_corrected(
    timeline: Sequence[tuple[CustodyFact, BookingState]],
) -> Sequence[tuple[CustodyFact, BookingState]]:
    """``timeline`` without the steps of a person a correction later in the same batch replaced: what is raised is
    for the person the facility says it booked, not for one it corrected away a moment later (nor, redelivered,
    for one the saved state no longer names)."""
    corrected = {state.key for event, state in timeline if type(event) is BookingUpdated}
    if not corrected:
        return timeline  # most batches
    last = {state.key: state.person for _, state in timeline if state.key in corrected}
    return [
        (event, state)
        for event, state in timeline
        if state.key not in corrected or state.person is last[state.key] or state.person == last[state.key]
    ]


class _Filing:
    """A batch's filings (by person, by facility), each round's written as soon as its saves are, with the
    changelog read after them."""

    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports
        self._under_way: list[Together[Any]] = []
        self._read_again = False

    async def start(self, transitions: Sequence[tuple[BookingState, BookingState]]) -> None:
        """File these bookings as their states went, in the round trip made next (after the saves made before)."""
        ports = self._ports
        filing = together(
            ports.booking_index.record(transitions),
            ports.bookings.file_custody([after for _, after in transitions]),
            then=ports.detainers.sync,
        )
        self._under_way.append(filing)
        await filing.under_way()

    def saved_after(self) -> None:
        """A save went after the filings made so far: the changelog is read again once they are done."""
        self._read_again = True

    async def done(self) -> None:
        """Every filing done and the changelog read after them (and after every save)."""
        for filing in self._under_way:
            await filing
        if self._read_again:
            await self._ports.detainers.sync()

    async def settled(self) -> None:
        """Every filing finished, done or failed, once the batch failed (its own error is the one reported)."""
        for filing in self._under_way:
            with contextlib.suppress(Exception):
                await filing
