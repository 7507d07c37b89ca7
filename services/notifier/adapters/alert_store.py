"""Alerts in Redis: created once each, atomically with their listings and stream entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Protocol, cast

from contracts import Alert, AlertRaised, AlertStep, RedisNames, ReleaseStatus, TimelineEntry
from contracts.alerts import story_id_for
from notifier.adapters.booking_store import BookingStore
from notifier.adapters.release_closer import DEFAULT_OVERDUE_AFTER, ReleaseScheduleCloser
from notifier.domain.custody import BookingState
from notifier.domain.release_schedules import schedule_alert_ids
from runtime import RedisClient

__all__ = ["AlertPlanner", "AlertStore"]

_CREATE_SCRIPT = (files(__package__) / "create_alerts.lua").read_text()
_HOLD_SCRIPT = (files(__package__) / "hold_alerts.lua").read_text()
_RELEASE_HELD_SCRIPT = (files(__package__) / "release_held_alerts.lua").read_text()
_DISCARD_HELD_SCRIPT = """
-- KEYS[1] the facility's held alerts, KEYS[2] its discarded alerts; ARGV the alert ids still held.
local moved = 0
for _, alert_id in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], alert_id)
  if score then
    redis.call('ZREM', KEYS[1], alert_id)
    redis.call('ZADD', KEYS[2], score, alert_id)
    moved = moved + 1
  end
end
return moved
"""
_CHUNK = 200  # alerts per script call: keeps each call short on the server


def _with_raised_step(alert: Alert) -> Alert:
    """The alert as first written: its timeline starts with being raised (the record is its own history)."""
    if alert.timeline:
        return alert
    raised = TimelineEntry(at=alert.raised_at, what=AlertStep.RAISED, detail=alert.trigger.value)
    return alert.model_copy(update={"timeline": (raised,)})


class AlertPlanner(Protocol):
    """Plans what follows an alert (reminders, escalations): once per alert, however often it is asked."""

    async def plan(self, alerts: Sequence[Alert]) -> int: ...

    def job_ids_of(self, alert: Alert) -> list[str]: ...


class AlertStore:
    def __init__(
        self,
        client: RedisClient,
        names: RedisNames,
        *,
        planner: AlertPlanner | None = None,
        overdue_after: timedelta = DEFAULT_OVERDUE_AFTER,
        clock: Callable[[], datetime] | None = None,
        bookings: BookingStore | None = None,
    ) -> None:
        self._client = client
        self._names = names
        self._planner = planner
        self._bookings = bookings  # to close the release schedules a delivered hold held back
        self.releases = ReleaseScheduleCloser(
            client,
            names,
            job_ids=planner.job_ids_of if planner is not None else lambda _alert: (),
            overdue_after=overdue_after,
            **({} if clock is None else {"clock": clock}),
        )
        self._create = client.register_script(_CREATE_SCRIPT)
        self._hold = client.register_script(_HOLD_SCRIPT)
        self._release_held = client.register_script(_RELEASE_HELD_SCRIPT)
        self._discard_held = client.register_script(_DISCARD_HELD_SCRIPT)

    async def create(self, alerts: Sequence[Alert], *, held_facilities: Set[str] = frozenset()) -> list[Alert]:
        """Create the alerts that do not exist yet; returns those created by this call. Alerts of a facility
        in ``held_facilities`` are created held: kept, but listed nowhere and sent to no channel."""
        unique: dict[str, Alert] = {}
        for alert in alerts:  # the first copy names the event that raised it
            unique.setdefault(alert.alert_id, _with_raised_step(alert))
        held = [alert for alert in unique.values() if alert.facility_ori in held_facilities]
        created = await self._create_held(held)
        ordered = [alert for alert in unique.values() if alert.facility_ori not in held_facilities]
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            keys = [self._names.alerts_raised]
            args: list[str | int] = []
            for alert in chunk:
                keys.append(self._names.alert(alert.alert_id))
                keys.extend(self._names.listings("alerts", alert.field_office, alert.status.value))
                args += [
                    alert.alert_id,
                    alert.model_dump_json(),
                    int(alert.raised_at.timestamp() * 1000),
                    AlertRaised(alert=alert).model_dump_json(),
                ]
            for alert in chunk:  # after every alert's own keys and args: each alert's story
                story_id = alert.story_id or story_id_for(alert.detainer_ref)
                keys += [
                    self._names.story(story_id),
                    self._names.story_listing(),
                    self._names.story_listing(field_office=alert.field_office),
                ]
                args.append(story_id)
            for alert in chunk:  # then each release schedule's release listings
                keys += self._release_listings(alert)
                args.append("1" if alert.release_status is not None else "0")
            flags = await self._create(keys=keys, args=args)
            created.extend(alert for alert, flag in zip(chunk, flags, strict=True) if flag)
        if self._planner is not None:
            # Every alert, created now or before: if a crash came between its creation and its
            # planning, this (a redelivery) is when it gets planned; the planner plans each once.
            await self._planner.plan(ordered)
        return created

    async def close_superseded_schedules(
        self, alerts: Sequence[Alert], states: Mapping[tuple[str, str], BookingState]
    ) -> list[Alert]:
        """Close the release schedules of each (detainer, booking) among ``alerts`` whose release time no longer
        stands by ``states``: every release time of the booking, raised now or before (a release reported late
        but dated before a schedule no longer calls for that schedule's alert, which may exist all the same)."""
        pairs = {(alert.detainer_ref, (alert.facility_ori, alert.booking_number)) for alert in alerts}
        schedules = [
            alert_id
            for detainer_ref, booking in sorted(pairs)
            if booking in states
            for alert_id in schedule_alert_ids(detainer_ref, states[booking])
        ]
        return await self.releases.close_superseded(schedules, states)

    async def _create_held(self, alerts: Sequence[Alert]) -> list[Alert]:
        created: list[Alert] = []
        for start in range(0, len(alerts), _CHUNK):
            chunk = alerts[start : start + _CHUNK]
            keys: list[str] = []
            args: list[str | int] = []
            for alert in chunk:
                keys += [self._names.alert(alert.alert_id), self._names.held_alerts(alert.facility_ori)]
                args += [alert.alert_id, alert.model_dump_json(), int(alert.raised_at.timestamp() * 1000)]
            flags = await self._hold(keys=keys, args=args)
            created.extend(alert for alert, flag in zip(chunk, flags, strict=True) if flag)
        return created

    def _release_listings(self, alert: Alert) -> list[str]:
        """The release listings of the alert's release status (all offices', its office's); for an alert that
        is not a release schedule, those of ``scheduled``, named only to keep the script's layout (unused)."""
        status = (alert.release_status or ReleaseStatus.SCHEDULED).value
        return [
            self._names.release_listing(release_status=status),
            self._names.release_listing(release_status=status, field_office=alert.field_office),
        ]

    async def held_counts(self, facilities: Sequence[str]) -> dict[str, int]:
        if not facilities:
            return {}
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in facilities:
                pipe.zcard(self._names.held_alerts(ori))
            counts: list[int] = await pipe.execute()
        return dict(zip(facilities, counts, strict=True))

    async def _load(self, alert_ids: Sequence[str]) -> list[Alert]:
        async with self._client.pipeline(transaction=False) as pipe:
            for alert_id in alert_ids:
                pipe.get(self._names.alert(alert_id))
            raw: list[bytes | None] = await pipe.execute()
        return [Alert.model_validate_json(record) for record in raw if record is not None]

    async def _oldest(self, key: str) -> list[str]:
        ids = cast(list[bytes], await self._client.zrange(key, 0, _CHUNK - 1))
        return [alert_id.decode() for alert_id in ids]

    async def release_held(self, facility_ori: str) -> int:
        """Release up to a chunk of the facility's held alerts onto every channel; returns how many."""
        alerts = await self._load(await self._oldest(self._names.held_alerts(facility_ori)))
        if not alerts:
            return 0
        names = self._names
        keys = [names.alerts_raised, names.held_alerts(facility_ori), names.alerts_leaving_hold]
        args: list[str | int] = []
        for alert in alerts:
            story_id = alert.story_id or story_id_for(alert.detainer_ref)
            keys += [
                *names.listings("alerts", alert.field_office, alert.status.value),
                names.story(story_id),
                names.story_listing(),
                names.story_listing(field_office=alert.field_office),
                *self._release_listings(alert),
            ]
            args += [
                alert.alert_id,
                int(alert.raised_at.timestamp() * 1000),
                AlertRaised(alert=alert).model_dump_json(),
                story_id,
                "1" if alert.release_status is not None else "0",
            ]
        flags = await self._release_held(keys=keys, args=args)
        await self.plan_leaving_hold()
        if self._bookings is not None:  # the facts the hold kept from closing release schedules, now delivered
            stored = await self._bookings.load_many({(a.facility_ori, a.booking_number) for a in alerts})
            await self.close_superseded_schedules(alerts, {key: found.state for key, found in stored.items()})
        return sum(int(flag) for flag in flags)

    async def discard_held(self, facility_ori: str) -> int:
        """Move up to a chunk of the facility's held alerts to its discarded ones (kept, never sent)."""
        ids = await self._oldest(self._names.held_alerts(facility_ori))
        if not ids:
            return 0
        keys = [self._names.held_alerts(facility_ori), self._names.discarded_alerts(facility_ori)]
        return int(await self._discard_held(keys=keys, args=ids))

    async def plan_leaving_hold(self) -> int:
        """Plan the reminders and escalations of alerts released from a hold (once each, by the planner)."""
        ids = await self._oldest(self._names.alerts_leaving_hold)
        if not ids:
            return 0
        if self._planner is not None:
            await self._planner.plan(await self._load(ids))
        await self._client.zrem(self._names.alerts_leaving_hold, *ids)
        return len(ids)
