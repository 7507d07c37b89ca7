"""Closing release schedules whose release time stopped standing, a corrected booking's alerts for a detainer
its person no longer matches, and a lifted detainer's alerts: once each, however many notifiers try.

A release schedule whose release time no longer stands by the facts when it is first raised (an older schedule
delivered after a newer one, a schedule delivered after the release, the cancellation or the transfer) is created
closed instead (``as_created``): the record is kept, as closing it would have left it, so the alerts of a stay
are the same whatever order its events arrived in, but it is never announced (``store.alerts.announced``) and
nothing is planned for it: no office is paged about a countdown that was over before it began.

For each ``release_scheduled`` alert and its booking's state, ``domain.release_schedules`` says whether the
release time still stands; when it does not, the alert is closed (``closed``) by compare-and-swap on its
record (``store.alert_updates``), together with its moves from the ``scheduled`` listings (and from the open or
acknowledged ones, unless a person resolved it), the withdrawal of its pending reminders and escalations, and
one ``alert_updated`` on the alert stream for every channel. An alert held by feed health changes on its record
alone: it is listed and sent, as it then is, when an operator releases the hold. Leaving ``scheduled`` is
final, so a redelivery, or a second notifier reading the same facts, finds nothing left to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from contracts import Alert, AlertKind, AlertStatus, AlertStep, AlertUpdated, Detainer, ReleaseStatus
from contracts.alerts import story_id_for
from notifier.domain.alert_rules import released_alert_id
from notifier.domain.corrections import closed_by_correction, pair_alert_ids, restored, withdrawn
from notifier.domain.custody import BookingState
from notifier.domain.lifts import closed_by_lift
from notifier.domain.release_schedules import (
    ReleaseChange,
    closed,
    closed_on_arrival,
    release_change,
    renewed_from,
    schedule_alert_ids,
)
from notifier.domain.retractions import as_reported, closed_as_still_held, withdrawn_release_ids
from notifier.domain.reviews import BookingReview, withdrawn_on_rejection
from notifier.domain.transfers import closed_by_transfer, release_after_transfer_id
from notifier.metrics import RELEASE_SCHEDULES_CLOSED
from runtime.clock import Clock, utc_now
from store.alert_updates import AlertEdit, AlertUpdates
from store.alerts import AlertAsRead, AlertStore, story_of
from store.bookings import BookingKey

__all__ = ["DEFAULT_OVERDUE_AFTER", "ReleaseScheduleCloser"]

log = logging.getLogger(__name__)

DEFAULT_OVERDUE_AFTER = timedelta(minutes=60)  # RW_RELEASE_OVERDUE_MINUTES

_STILL_SCHEDULED = (None, ReleaseStatus.SCHEDULED)  # release statuses a release schedule may still leave


class ReleaseScheduleCloser:
    def __init__(
        self,
        updates: AlertUpdates,
        alerts: AlertStore,
        *,
        job_ids: Callable[[Alert], Sequence[str]] = lambda _alert: (),
        overdue_after: timedelta = DEFAULT_OVERDUE_AFTER,
        clock: Clock = utc_now,
    ) -> None:
        self._updates = updates
        self._alerts = alerts
        self._job_ids = job_ids  # every job the planner may have planned for an alert
        self.overdue_after = overdue_after
        self._clock = clock

    async def as_created(self, alerts: Sequence[Alert], states: Mapping[BookingKey, BookingState]) -> list[Alert]:
        """``alerts`` (as built, not created yet) as they are to be created: each release schedule whose release
        time no longer stands by its booking's facts in ``states`` closed from the start, as ``close_superseded``
        would close it (its release status, ``superseded_by``, the step naming the event that superseded it;
        ``closed_on_arrival``). Such a record is listed (``GET /v1/alerts?release_status=...``, its story) but
        never announced, and gets no reminder, escalation or release check; one that exists already is not
        created again, and the closer closes it, announced, as ever. The facts alone are judged: a release time
        gone by is the release check's to find. A release feed health holds (or an operator discarded) closes no
        schedule here either. A release schedule renewed when a roster's release was withdrawn is not created while
        the episode before it, which that release did not close (held by feed health), still stands: that one is the
        countdown."""
        alerts = await self._without_renewals_of_standing(alerts, states)
        changes: dict[str, ReleaseChange] = {}
        for alert in alerts:
            if alert.kind is not AlertKind.RELEASE_SCHEDULED:
                continue
            state = states.get((alert.facility_ori, alert.booking_number))
            change = None if state is None else release_change(alert, state, now=None, overdue_after=self.overdue_after)
            if change is not None:
                changes[alert.alert_id] = change
        if not changes:
            return list(alerts)
        released = [
            alert
            for alert in alerts
            if (change := changes.get(alert.alert_id)) is not None and change.status is ReleaseStatus.RELEASED
        ]
        held_releases = await self._held_releases(released, states) if released else set()
        created: list[Alert] = []
        for alert in alerts:
            change = changes.get(alert.alert_id)
            if change is None or (change.status is ReleaseStatus.RELEASED and change.superseded_by in held_releases):
                created.append(alert)
            else:
                created.append(closed_on_arrival(alert, change))
        return created

    async def _without_renewals_of_standing(
        self, alerts: Sequence[Alert], states: Mapping[BookingKey, BookingState]
    ) -> Sequence[Alert]:
        """``alerts`` without each release schedule renewed by a withdrawn release (``renewed_from``) whose episode
        before is still scheduled."""
        renewals = {
            alert.alert_id: before
            for alert in alerts
            if (state := states.get((alert.facility_ori, alert.booking_number))) is not None
            and (before := renewed_from(alert, state)) is not None
        }
        if not renewals:  # (all but a few batches)
            return alerts
        read = await self._alerts.read(list(dict.fromkeys(renewals.values())))
        standing = {
            alert_id
            for alert_id, record in read.items()
            if record.alert is not None and record.alert.release_status in _STILL_SCHEDULED
        }
        return [alert for alert in alerts if renewals.get(alert.alert_id) not in standing]

    async def close_for(
        self,
        alerts: Sequence[Alert],
        states: Mapping[BookingKey, BookingState],
        *,
        written: Mapping[str, AlertAsRead] | None = None,
    ) -> list[Alert]:
        """Close the release schedules of each (detainer, booking) among ``alerts`` whose release time no longer
        stands by ``states``: every release time of the booking, raised now or before (a release reported late
        but dated before a schedule no longer calls for that schedule's alert, which may exist all the same);
        and a ``released`` alert raised before the transfer its release followed arrived (``domain.transfers``).
        ``written``: records the caller has just written (``AlertStore.create``), by alert id, taken as read."""
        pairs = {(alert.detainer_ref, (alert.facility_ori, alert.booking_number)) for alert in alerts}
        schedules = [
            alert_id
            for detainer_ref, booking in sorted(pairs)
            if booking in states
            for alert_id in schedule_alert_ids(detainer_ref, states[booking])
        ]
        closed_now = await self.close_superseded(schedules, states, written=written)
        moved = {
            alert_id: states[booking]
            for detainer_ref, booking in sorted(pairs)
            if booking in states and (alert_id := release_after_transfer_id(detainer_ref, states[booking])) is not None
        }
        if moved:  # (rare: a release that arrived before the transfer it followed)
            at = self._clock()
            closing = {alert_id: partial(closed_by_transfer, state=state, at=at) for alert_id, state in moved.items()}
            closed_now += await self._close_unresolved(closing, AlertStep.RELEASE_CANCELLED)
        still_held = {
            alert_id: partial(closed_as_still_held, retracted=retracted, state=states[booking])
            for detainer_ref, booking in sorted(pairs)
            if booking in states and states[booking].releases_retracted
            for alert_id, retracted in withdrawn_release_ids(detainer_ref, states[booking]).items()
        }
        if still_held:  # (rare: a release inferred from a roster, withdrawn since)
            at = self._clock()
            closing = {alert_id: partial(close, at=at) for alert_id, close in still_held.items()}
            closed_now += await self._close_unresolved(closing, AlertStep.RELEASE_WITHDRAWN)
        reported = {
            released_alert_id(detainer_ref, states[booking]): states[booking]
            for detainer_ref, booking in sorted(pairs)
            if booking in states and states[booking].inferred_release_replaced is not None
        }
        if reported:  # (rare: a release inferred from a roster, then reported by the facility)
            await self._as_reported(reported)
        return closed_now

    async def _as_reported(self, reported: Mapping[str, BookingState]) -> None:
        """Bring each ``released`` alert among ``reported`` (by id, with its booking's state) that still tells of a
        release inferred from a roster to the release the facility reported since (``domain.retractions``): once,
        with one ``alert_updated`` for every channel; it stays as open (or acknowledged) as it was."""
        at = self._clock()

        def decide(alert_id: str, current: Alert | None) -> tuple[AlertEdit | None, Alert | None]:
            after = None if current is None else as_reported(current, reported[alert_id], at=at)
            if after is None:
                return None, None
            return AlertEdit(
                after=after, announce=[AlertUpdated(alert=after, change=AlertStep.RELEASE_REPORTED)]
            ), after

        results = await self._updates.apply(list(reported), decide)
        for alert in results.values():
            if alert is not None:
                log.info(
                    "released alert brought to the release the facility reported",
                    extra={"alert_id": alert.alert_id, "field_office": alert.field_office},
                )

    async def close_superseded(
        self,
        alert_ids: Iterable[str],
        states: Mapping[BookingKey, BookingState],
        *,
        now: datetime | None = None,
        written: Mapping[str, AlertAsRead] | None = None,
        delivering: str | None = None,
    ) -> list[Alert]:
        """Close each release schedule among ``alert_ids`` (those not created are skipped) whose release time no
        longer stands by its booking's state in ``states``; returns the alerts closed now. ``now``: also judge
        whether the time passed (the scheduler's check); without it, only the facts are (a time passing is the
        check's to find, once). ``written``: records just written, by alert id: taken as read (a change since
        is refused by the compare-and-swap all the same, and read then). ``delivering``: the facility whose hold
        an operator is delivering: its held releases close schedules as delivered ones do."""
        wanted = list(dict.fromkeys(alert_ids))
        if not wanted or not states:
            return []
        at = self._clock()
        known = {alert_id: written[alert_id] for alert_id in wanted if alert_id in written} if written else {}
        # Once: for the holds, and what is decided first.
        read = {**await self._alerts.read([a for a in wanted if a not in known]), **known}
        # (only for those still scheduled: one closed already, created closed among them, closes no more)
        open_schedules = [
            r.alert for r in read.values() if r.alert is not None and r.alert.release_status in _STILL_SCHEDULED
        ]
        held_releases = await self._held_releases(open_schedules, states, delivering) if open_schedules else set()

        def decide(_alert_id: str, current: Alert | None) -> tuple[AlertEdit | None, Alert | None]:
            if current is None:
                return None, None
            state = states.get((current.facility_ori, current.booking_number))
            if state is None:
                return None, None
            change = release_change(current, state, now=now, overdue_after=self.overdue_after)
            if change is None or (change.status is ReleaseStatus.RELEASED and change.superseded_by in held_releases):
                return None, None  # stands; or its release is held (or was discarded) by feed health
            after = closed(current, change, at=at)
            edit = AlertEdit(
                after=after,
                announce=[AlertUpdated(alert=after, change=change.step)],
                withdraw_jobs=list(self._job_ids(current)),
            )
            return edit, after

        results = await self._updates.apply(wanted, decide, read=read)
        closed_now = [after for after in results.values() if after is not None]
        for alert in closed_now:
            RELEASE_SCHEDULES_CLOSED.labels(
                release_status=alert.release_status.value if alert.release_status else ""
            ).inc()
            log.info(
                "release schedule closed",
                extra={
                    "alert_id": alert.alert_id,
                    "field_office": alert.field_office,
                    "release_status": alert.release_status.value if alert.release_status else "",
                },
            )
        return closed_now

    async def withdraw(self, pairs: Sequence[tuple[str, BookingState, str | None]]) -> list[Alert]:
        """Close what was raised for each (detainer reference, booking's state, correction's event id) among
        ``pairs``: the facility corrected the booking's person, who is no longer that detainer's subject
        (``domain.corrections``). Each alert not resolved yet is closed once, with an ``alert_updated`` for every
        channel, and its pending reminders and escalations withdrawn; returns those closed now."""
        why: dict[str, str | None] = {}
        for detainer_ref, state, event_id in pairs:
            for alert_id in pair_alert_ids(detainer_ref, state):
                why.setdefault(alert_id, event_id)
        at = self._clock()
        return await self._close_unresolved(
            {alert_id: partial(withdrawn, at=at, event_id=event_id) for alert_id, event_id in why.items()},
            AlertStep.IDENTITY_CORRECTED,
        )

    async def restore(self, alert_ids: Mapping[str, str | None]) -> list[Alert]:
        """Reopen each alert among ``alert_ids`` (with the event that made the person booked the detainer's subject
        again) that releasewatch closed because a correction had made them someone else (``domain.corrections``):
        once, with an ``alert_updated`` for every channel; returns those reopened now (the caller plans their jobs
        again and closes a release schedule whose time stopped standing meanwhile)."""
        if not alert_ids:
            return []
        at = self._clock()

        def decide(alert_id: str, current: Alert | None) -> tuple[AlertEdit | None, Alert | None]:
            if current is None or not closed_by_correction(current):
                return None, None  # never raised, open, or closed for another reason (a person's, a lift)
            after = restored(current, at=at, event_id=alert_ids[alert_id])
            return AlertEdit(
                after=after, announce=[AlertUpdated(alert=after, change=AlertStep.IDENTITY_RESTORED)]
            ), after

        results = await self._updates.apply(list(alert_ids), decide)
        reopened = [after for after in results.values() if after is not None]
        for alert in reopened:
            log.info(
                "alert reopened: identity restored",
                extra={"alert_id": alert.alert_id, "field_office": alert.field_office, "kind": alert.kind.value},
            )
        return reopened

    async def withdraw_rejected(self, rejected: Sequence[tuple[BookingReview, BookingState]]) -> list[Alert]:
        """Close what was raised for each pair a person rejected (the review, and its booking's state): the booked
        person is not the detainer's subject (``domain.reviews``). Each alert not resolved yet, the possible match
        decided on aside, is closed once, with an ``alert_updated`` for every channel, and its pending reminders
        and escalations withdrawn; returns those closed now."""
        at = self._clock()
        closing: dict[str, Callable[[Alert], Alert]] = {}
        for review, state in rejected:
            for alert_id in pair_alert_ids(review.detainer_ref, state):
                if alert_id != review.alert_id:
                    closing.setdefault(alert_id, partial(withdrawn_on_rejection, review=review, at=at))
        return await self._close_unresolved(closing, AlertStep.REVIEWED)

    async def close_lifted(self, lifted: Sequence[tuple[str, Detainer]], *, held: Collection[str] = ()) -> list[Alert]:
        """Close every alert not resolved yet of each detainer in ``lifted`` (its reference, and the detainer as
        lifted): the office lifted it (``domain.lifts``). Each is closed once, with an ``alert_updated`` for every
        channel, and its pending reminders and escalations withdrawn; returns those closed now. ``held``: alerts a
        feed hold keeps out of their stories, looked at too (closed on their record alone, and never announced
        when an operator delivers them: ``store.alerts.announced``)."""
        by_story = {story_id_for(detainer_ref): detainer for detainer_ref, detainer in lifted}
        if not by_story:
            return []
        detainer_of: dict[str, Detainer] = {}
        alert_ids = [*await self._alerts.story_alert_ids(list(by_story)), *held]
        for alert in await self._alerts.load(alert_ids):
            if alert.status is not AlertStatus.RESOLVED and story_of(alert) in by_story:
                detainer_of[alert.alert_id] = by_story[story_of(alert)]
        at = self._clock()
        closing = {
            alert_id: partial(closed_by_lift, lifted=detainer, at=at) for alert_id, detainer in detainer_of.items()
        }
        return await self._close_unresolved(closing, AlertStep.DETAINER_LIFTED)

    async def _close_unresolved(
        self, closing: Mapping[str, Callable[[Alert], Alert]], change: AlertStep
    ) -> list[Alert]:
        """Close each alert of ``closing`` not resolved yet as its function closes it, by compare-and-swap, once:
        one ``alert_updated`` (``change``) for every channel, its pending reminders and escalations withdrawn.
        Returns those closed now (one closed meanwhile, by a person or a redelivery of this, is left)."""
        if not closing:
            return []

        def decide(alert_id: str, current: Alert | None) -> tuple[AlertEdit | None, Alert | None]:
            if current is None or current.status is AlertStatus.RESOLVED:
                return None, None  # never raised, or closed already (by a person, or a redelivery of this)
            after = closing[alert_id](current)
            edit = AlertEdit(
                after=after,
                announce=[AlertUpdated(alert=after, change=change)],
                withdraw_jobs=list(self._job_ids(current)),
            )
            return edit, after

        results = await self._updates.apply(list(closing), decide)
        closed_now = [after for after in results.values() if after is not None]
        for alert in closed_now:
            log.info(
                f"alert closed: {change.value.replace('_', ' ')}",
                extra={"alert_id": alert.alert_id, "field_office": alert.field_office, "kind": alert.kind.value},
            )
        return closed_now

    async def _held_releases(
        self, schedules: Sequence[Alert], states: Mapping[BookingKey, BookingState], delivering: str | None = None
    ) -> set[str]:
        """The released alerts, among those that would close these ``schedules``, that feed health holds or an
        operator discarded: a release that may be a data error closes no schedule until it is delivered (those
        of ``delivering``, being delivered, only if discarded)."""
        if not any(state.released_at is not None for state in states.values()):
            return set()
        candidates: dict[str, set[str]] = {}
        for alert in schedules:
            if (state := states.get((alert.facility_ori, alert.booking_number))) is not None:
                released = released_alert_id(alert.detainer_ref, state)
                candidates.setdefault(alert.facility_ori, set()).add(released)
        return await self._alerts.held_or_discarded(candidates, delivering=delivering)
