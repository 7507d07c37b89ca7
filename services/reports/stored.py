"""Gathering a period's ``ReportRecords`` from what the services keep, through the store's classes (no key is
named here): what the route, the command line (through the route) and the weekly e-mail report from.

What is read, and how (by index, never by scanning every key):

- **alerts**: those raised from ``ALERTS_BEFORE`` before the period to ``LATE_ALERTS`` after it, from the alert
  listing by time (the office's listing for an office's report); then every alert of each of their detainers'
  stories, so a lift or a custody assumed finds where the person was. Alerts held by feed health, or discarded
  with their hold, are in no listing and no story: they count nowhere.
- **detainers**: those of the alerts read, and those lifted in the period (the index of lifts by time).
- **each facility's feed** (every facility that ever sent, or had an event refused, within the scope's states
  and ORIs): the refused and late events per day counted at intake, the silent spells and holds kept when the
  feed is judged, and what each roster showed.
- **what sharing policies withheld**, per facility, day and rule, when a reader of those counts is given.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, date, datetime, time, timedelta

from contracts import Alert
from contracts.alerts import story_id_for
from reports.model import Scope
from reports.records import (
    AlertRecord,
    DetainerRecord,
    FeedDay,
    FeedSilence,
    PolicyWithheldDay,
    ReportRecords,
    RosterFinding,
    SurgeHold,
)
from runtime.clock import epoch_ms
from store.alerts import AlertStore, story_of
from store.detainers import DetainerStore
from store.feed_days import FeedDays
from store.feeds import FeedReader
from store.roster_reports import RosterReports

__all__ = ["ALERTS_BEFORE", "LATE_ALERTS", "StoredReportRecords", "WithheldDays"]

ALERTS_BEFORE = timedelta(days=31)  # alerts raised this long before the period: reviews and resolutions in it
LATE_ALERTS = timedelta(days=14)  # alerts raised this long after the period: events of it reported late
_EDGE = timedelta(days=1)  # a day either side: a facility's day is not the UTC day

WithheldRow = tuple[str, date, str, int]  # facility_ori, day, rule, events
WithheldDays = Callable[[date, date, Collection[str] | None], Awaitable[list[WithheldRow]] | list[WithheldRow]]
"""Sharing policies' withheld counts: ``(first, last, facility_oris or None for all)`` -> rows."""

_LOAD_CHUNK = 500  # alerts per MGET


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class StoredReportRecords:
    def __init__(
        self,
        *,
        alerts: AlertStore,
        detainers: DetainerStore,
        feeds: FeedReader,
        feed_days: FeedDays,
        rosters: RosterReports,
        withheld_days: WithheldDays | None = None,
    ) -> None:
        self._alerts = alerts
        self._detainers = detainers
        self._feeds = feeds
        self._feed_days = feed_days
        self._rosters = rosters
        self._withheld_days = withheld_days

    async def gather(self, scope: Scope) -> ReportRecords:
        """The records the report of ``scope`` reads (more than it counts: the report keeps to its scope)."""
        start = datetime.combine(scope.period_from, time(), tzinfo=UTC) - _EDGE
        end = datetime.combine(scope.period_to + timedelta(days=1), time(), tzinfo=UTC) + _EDGE
        office = scope.field_office
        alerts = await self._read_alerts(start, end, office)
        lifted = await self._detainers.lifted_between(epoch_ms(start), epoch_ms(end), field_office=office)
        story_ids = {story_of(alert) for alert in alerts.values()} | {story_id_for(ref) for ref in lifted}
        known = set(alerts)
        more = [alert_id for alert_id in await self._alerts.story_alert_ids(story_ids) if alert_id not in known]
        alerts |= {alert.alert_id: alert for alert in await self._load(more)}
        if office is not None:
            alerts = {key: alert for key, alert in alerts.items() if alert.field_office == office}

        refs = sorted({alert.detainer_ref for alert in alerts.values()} | set(lifted))
        detainers = [
            DetainerRecord.of(ref, detainer)
            for ref, detainer in (await self._detainers.records(refs)).items()
            if detainer is not None and (office is None or detainer.field_office == office)
        ]

        facilities = sorted(
            ori
            for ori in (await self._feeds.facilities())
            | (await self._feed_days.facilities())
            | {alert.facility_ori for alert in alerts.values()}
            if _covers(scope, ori)
        )
        days = await self._feed_days.read(facilities, scope.period_from, scope.period_to)
        spells = await self._feeds.spells(facilities)
        findings = await self._rosters.findings(facilities, epoch_ms(start), epoch_ms(end))
        return ReportRecords(
            alerts=tuple(
                AlertRecord.of(alert, schedule_withheld_by=alert.schedule_withheld_by)
                for alert in sorted(alerts.values(), key=lambda a: (a.raised_at, a.alert_id))
            ),
            detainers=tuple(detainers),
            feed_days=tuple(FeedDay(d.facility_ori, d.day, d.rejected, d.late) for d in days),
            silences=tuple(
                FeedSilence(s.facility_ori, _at(s.start_ms), None if s.ongoing else _at(s.until_ms))
                for s in spells.silent
            ),
            holds=tuple(SurgeHold(h.facility_ori, _at(h.since_ms), h.decision or None) for h in spells.holds),
            rosters=tuple(
                RosterFinding(
                    f.facility_ori,
                    _at(f.as_of_ms),
                    unknown=f.unknown,
                    listed_after_leaving=f.listed_after_leaving,
                    inferred_releases=f.released,
                )
                for f in findings
            ),
            withheld=tuple(await self._withheld(scope)),
        )

    async def _read_alerts(self, start: datetime, end: datetime, office: str | None) -> dict[str, Alert]:
        ids = await self._alerts.ids_raised_between(
            epoch_ms(start - ALERTS_BEFORE), epoch_ms(end + LATE_ALERTS), field_office=office
        )
        return {alert.alert_id: alert for alert in await self._load(ids)}

    async def _load(self, alert_ids: list[str]) -> list[Alert]:
        loaded: list[Alert] = []
        for first in range(0, len(alert_ids), _LOAD_CHUNK):
            loaded += await self._alerts.load(alert_ids[first : first + _LOAD_CHUNK])
        return loaded

    async def _withheld(self, scope: Scope) -> list[PolicyWithheldDay]:
        if self._withheld_days is None:
            return []
        # Every facility's (or the ORIs named): one whose every event was withheld never reached the feeds.
        rows = self._withheld_days(scope.period_from, scope.period_to, list(scope.facility_oris) or None)
        if inspect.isawaitable(rows):
            rows = await rows
        return [PolicyWithheldDay(ori, day, rule, events) for ori, day, rule, events in rows if _covers(scope, ori)]


def _covers(scope: Scope, facility_ori: str) -> bool:
    if scope.states and facility_ori[:2] not in scope.states:
        return False
    return not scope.facility_oris or facility_ori in scope.facility_oris
