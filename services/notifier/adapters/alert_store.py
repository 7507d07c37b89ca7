"""Alerts in Redis: created once each, atomically with their listings and stream entry."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from typing import Protocol

from contracts import Alert, AlertRaised, AlertStep, RedisNames, TimelineEntry
from contracts.alerts import story_id_for
from runtime import RedisClient

__all__ = ["AlertPlanner", "AlertStore"]

_CREATE_SCRIPT = (files(__package__) / "create_alerts.lua").read_text()
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


class AlertStore:
    def __init__(self, client: RedisClient, names: RedisNames, *, planner: AlertPlanner | None = None) -> None:
        self._client = client
        self._names = names
        self._planner = planner
        self._create = client.register_script(_CREATE_SCRIPT)

    async def create(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Create the alerts that do not exist yet; returns those created by this call."""
        unique: dict[str, Alert] = {}
        for alert in alerts:  # the first copy names the event that raised it
            unique.setdefault(alert.alert_id, _with_raised_step(alert))
        created: list[Alert] = []
        ordered = list(unique.values())
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
                story_id = alert.story_id or story_id_for(alert.detainer_id)
                keys += [
                    self._names.story(story_id),
                    self._names.story_listing(),
                    self._names.story_listing(field_office=alert.field_office),
                ]
                args.append(story_id)
            flags = await self._create(keys=keys, args=args)
            created.extend(alert for alert, flag in zip(chunk, flags, strict=True) if flag)
        if self._planner is not None:
            # Every alert, created now or before: if a crash came between its creation and its
            # planning, this (a redelivery) is when it gets planned; the planner plans each once.
            await self._planner.plan(ordered)
        return created
