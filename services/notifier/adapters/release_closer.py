"""Closing release schedules whose release time stopped standing: once each, however many notifiers try.

For each ``release_scheduled`` alert and its booking's state, ``domain.release_schedules`` says whether the
release time still stands; when it does not, the alert is closed (``closed``) by compare-and-swap on its
record, together with its moves from the ``scheduled`` listings (and from the open or acknowledged ones, unless
a person resolved it), the withdrawal of its pending reminders and escalations, and one ``alert_updated`` on
the alert stream for every channel. An alert held by feed health changes on its record alone: it is listed
and sent, as it then is, when an operator releases the hold. Leaving ``scheduled`` is final, so a redelivery,
or a second notifier reading the same facts, finds nothing left to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from contracts import Alert, AlertKind, AlertUpdated, RedisNames, ReleaseStatus
from notifier.domain.alert_rules import AlertFingerprint
from notifier.domain.custody import BookingState
from notifier.domain.release_schedules import closed, release_change
from notifier.metrics import RELEASE_SCHEDULES_CLOSED
from runtime import RedisClient
from runtime.alert_updates import AlertChange, AlertUpdates, Announcement, JobWithdrawal

__all__ = ["DEFAULT_OVERDUE_AFTER", "ReleaseScheduleCloser"]

log = logging.getLogger(__name__)

DEFAULT_OVERDUE_AFTER = timedelta(minutes=60)  # RW_RELEASE_OVERDUE_MINUTES


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ReleaseScheduleCloser:
    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        job_ids: Callable[[Alert], Sequence[str]] = lambda _alert: (),
        overdue_after: timedelta = DEFAULT_OVERDUE_AFTER,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._names = names
        self._updates = AlertUpdates(client)
        self._job_ids = job_ids  # every job the planner may have planned for an alert
        self.overdue_after = overdue_after
        self._clock = clock

    async def close_superseded(
        self,
        alert_ids: Iterable[str],
        states: Mapping[tuple[str, str], BookingState],
        *,
        now: datetime | None = None,
    ) -> list[Alert]:
        """Close each release schedule among ``alert_ids`` (those not created are skipped) whose release time no
        longer stands by its booking's state in ``states``; returns the alerts closed now. ``now``: also judge
        whether the time passed (the scheduler's check); without it, only the facts are (a time passing is the
        check's to find, once)."""
        wanted = [self._names.alert(alert_id) for alert_id in dict.fromkeys(alert_ids)]
        if not wanted or not states:
            return []
        at = self._clock()
        names = self._names
        held_releases = await self._held_releases(wanted, states)

        def decide(key: str, raw: bytes | None) -> tuple[AlertChange | None, Alert | None]:
            if raw is None:
                return None, None
            current = Alert.model_validate_json(raw, extra="ignore")
            state = states.get((current.facility_ori, current.booking_number))
            if state is None:
                return None, None
            change = release_change(current, state, now=now, overdue_after=self.overdue_after)
            if change is None or (change.status is ReleaseStatus.RELEASED and change.superseded_by in held_releases):
                return None, None  # stands; or its release is held (or was discarded) by feed health
            after = closed(current, change, at=at)
            office = current.field_office
            leaving: list[str] = []
            joining: list[str] = []
            if current.status is not after.status:  # not when a person had resolved it already
                leaving += names.listings("alerts", office, current.status.value)[2:]
                joining += names.listings("alerts", office, after.status.value)[2:]
            release_before = (current.release_status or ReleaseStatus.SCHEDULED).value
            assert after.release_status is not None  # closed() sets it
            leaving += [
                names.release_listing(release_status=release_before),
                names.release_listing(release_status=release_before, field_office=office),
            ]
            joining += [
                names.release_listing(release_status=after.release_status.value),
                names.release_listing(release_status=after.release_status.value, field_office=office),
            ]
            message = AlertUpdated(alert=after, change=change.step)
            write = AlertChange(
                alert_id=current.alert_id,
                updated=after.model_dump_json(),
                listing_score_ms=int(current.raised_at.timestamp() * 1000),
                leaving=leaving,
                joining=joining,
                announce=[Announcement(names.alerts_raised, message.model_dump_json(), message.type)],
                withdraw=JobWithdrawal(names.alert_schedule, names.alert_jobs, list(self._job_ids(current))),
                held_in=(names.held_alerts(current.facility_ori), names.discarded_alerts(current.facility_ori)),
            )
            return write, after

        results = await self._updates.apply(wanted, decide)
        closed_now = [after for after, _ in results.values() if after is not None]
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

    async def _held_releases(self, wanted: Sequence[str], states: Mapping[tuple[str, str], BookingState]) -> set[str]:
        """The released alerts, among those that would close these schedules, that feed health holds or an
        operator discarded: a release that may be a data error closes no schedule until it is delivered."""
        if not any(state.released_at is not None for state in states.values()):
            return set()
        raw = cast(list[bytes | None], await self._client.mget(wanted))
        candidates: dict[str, set[str]] = {}
        for record in raw:
            if record is None:
                continue
            alert = Alert.model_validate_json(record, extra="ignore")
            released = AlertFingerprint(
                AlertKind.RELEASED, alert.detainer_ref, alert.facility_ori, alert.booking_number
            ).alert_id
            candidates.setdefault(alert.facility_ori, set()).add(released)
        held: set[str] = set()
        names = self._names
        for facility, ids in candidates.items():
            ordered = sorted(ids)
            for key in (names.held_alerts(facility), names.discarded_alerts(facility)):
                scores = await self._client.zmscore(key, ordered)
                held |= {alert_id for alert_id, score in zip(ordered, scores, strict=True) if score is not None}
        return held
