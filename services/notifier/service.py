"""Processing batches from the streams: the notifier's use cases.

``CustodyEventProcessor`` turns a batch of custody events into booking
states and alerts; ``DetainerLodgeProcessor`` raises alerts for a newly
lodged detainer whose subject is in custody (or left recently). Both are idempotent:
a batch processed twice (a redelivery after a crash) changes nothing the
second time and raises no second alert.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from contracts import (
    Alert,
    AlertTrigger,
    CustodyEvent,
    Detainer,
    DetainerLodged,
    MatchEvidence,
    custody_event_adapter,
    detainer_change_adapter,
)
from notifier.adapters.alert_store import AlertStore
from notifier.adapters.booking_index import BookingIndex
from notifier.adapters.booking_store import BookingKey, BookingStore, StoredBooking
from notifier.adapters.dead_letters import DeadLetterWriter
from notifier.adapters.detainer_index import DetainerIndex
from notifier.adapters.stream_entries import StreamEntry
from notifier.domain.alert_rules import DetainerRef, alert_conditions, build_alert
from notifier.domain.custody import BookingState, apply_event
from notifier.matching import search_keys
from notifier.metrics import ALERTS_RAISED, EVENTS_PROCESSED

__all__ = [
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
    group: str
    clock: Callable[[], datetime] = _utc_now


def alerts_for_match(
    state: BookingState,
    detainer: DetainerRef,
    evidence: MatchEvidence,
    *,
    trigger: AlertTrigger,
    event_id: str | None,
    raised_at: datetime,
) -> list[Alert]:
    """The alerts a booking calls for, its person having matched (or possibly matched) ``detainer``."""
    return [
        build_alert(condition, state, detainer, evidence, trigger=trigger, event_id=event_id, raised_at=raised_at)
        for condition in alert_conditions(state, evidence.decision)
    ]


async def _raise_alerts(store: AlertStore, alerts: Sequence[Alert]) -> list[Alert]:
    created = await store.create(alerts)
    for alert in created:
        ALERTS_RAISED.labels(kind=alert.kind.value).inc()
        log.info(
            "alert raised",
            extra={"alert_id": alert.alert_id, "kind": alert.kind.value, "field_office": alert.field_office},
        )
    return created


class CustodyEventProcessor:
    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        report = BatchReport(entries=len(entries))
        events: list[CustodyEvent] = []
        unreadable: list[tuple[StreamEntry, str]] = []
        for entry in entries:
            try:
                events.append(read_custody_event(entry))
            except UnreadableEntryError as error:
                unreadable.append((entry, str(error)))

        # 1. Fold the events into booking states and save them (the facts come first).
        timeline, transitions = await self._apply(events)
        # 2. File the bookings by person, so a detainer lodged from now on finds them ...
        await self._ports.booking_index.record(transitions)
        # 3. ... and only then look at the detainers: a lodge racing this batch is seen
        #    either here or by the lodge processor's lookup, never by neither.
        await self._ports.detainers.sync()
        report.alerts = await _raise_alerts(self._ports.alerts, self._alerts_for(timeline))
        await self._ports.dead_letters.send(self._ports.group, unreadable)

        report.processed = len(events)
        report.dead_lettered = len(unreadable)
        for event in events:
            EVENTS_PROCESSED.labels(type=event.type).inc()
        return report

    async def _apply(
        self, events: Sequence[CustodyEvent]
    ) -> tuple[list[tuple[CustodyEvent, BookingState]], list[tuple[BookingState, BookingState]]]:
        """Apply events per booking in stream order; returns each event with the state it left,
        and each booking's state before and after the batch."""
        by_booking: defaultdict[BookingKey, list[CustodyEvent]] = defaultdict(list)
        for event in events:
            by_booking[event.booking_key].append(event)
        stored = await self._ports.bookings.load_many(by_booking)
        snapshots: dict[BookingKey, list[tuple[CustodyEvent, BookingState]]] = {}
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
        return timeline, list(transitions.values())

    def _alerts_for(self, timeline: Sequence[tuple[CustodyEvent, BookingState]]) -> list[Alert]:
        raised_at = self._ports.clock()
        alerts: list[Alert] = []
        for event, state in timeline:
            if state.person is None:
                continue
            # One decision over every candidate detainer: an automatic match must lead the runner-up.
            for detainer, evidence in self._ports.detainers.matches(state.person):
                alerts += alerts_for_match(
                    state,
                    detainer,
                    evidence,
                    trigger=AlertTrigger.CUSTODY_EVENT,
                    event_id=event.event_id,
                    raised_at=raised_at,
                )
        return alerts


class DetainerLodgeProcessor:
    """Raises alerts for a newly lodged detainer whose subject is in custody, or left recently."""

    def __init__(self, ports: NotifierPorts) -> None:
        self._ports = ports

    async def process(self, entries: Sequence[StreamEntry]) -> BatchReport:
        report = BatchReport(entries=len(entries))
        lodged: list[Detainer] = []
        unreadable: list[tuple[StreamEntry, str]] = []
        for entry in entries:
            try:
                change = detainer_change_adapter.validate_json(entry.data or b"", extra="ignore")
            except ValidationError as error:
                unreadable.append((entry, f"not a valid detainer change: {_describe(error)}"))
                continue
            if isinstance(change, DetainerLodged):
                lodged.append(change.detainer)
        await self._ports.detainers.sync()
        alerts: list[Alert] = []
        raised_at = self._ports.clock()
        for detainer in lodged:
            if self._ports.detainers.get(detainer.detainer_id) is None:
                continue  # lifted since: nothing to raise
            booking_keys = await self._ports.booking_index.bookings_filed_under(search_keys(detainer.person))
            for state in await self._ports.bookings.load_keys(booking_keys):
                if state.person is None:
                    continue
                # The very decision the booking's own events get (over every active detainer, this one
                # included), so the alerts depend on the booking's state, not on which path came first.
                for match, evidence in self._ports.detainers.matches(state.person):
                    if match.detainer_id == detainer.detainer_id:
                        alerts += alerts_for_match(
                            state,
                            match,
                            evidence,
                            trigger=AlertTrigger.DETAINER_LODGED,
                            event_id=None,
                            raised_at=raised_at,
                        )
        report.alerts = await _raise_alerts(self._ports.alerts, alerts)
        await self._ports.dead_letters.send(self._ports.group, unreadable)
        report.processed = len(entries) - len(unreadable)
        report.dead_lettered = len(unreadable)
        return report
