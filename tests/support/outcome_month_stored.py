"""The synthetic month (``bench/outcome_month.py``) written into Redis through the real store classes, as the
services would have kept it; and the report's figures laid beside the month's truth.

The detainers are lodged and lifted by ``DetainerStore`` at the month's times (its clock set to each); the
alerts created by ``AlertStore`` (those of the surge an operator discarded held, then discarded); the feeds'
facts kept by ``FeedDays``, ``FeedStats`` and ``RosterReports`` as intake and the notifier keep them. What
sharing policies withheld is what ``withheld_days`` answers, as the policy counts' reader would.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from bench.outcome_month import SyntheticMonth, Truth

from contracts import (
    Alert,
    AlertStatus,
    AlertTrigger,
    LiftDetainer,
    LodgeDetainer,
    MatchDecision,
    RedisNames,
    RosterReport,
)
from contracts.alerts import AlertKind, AlertReview, MatchEvidence, story_id_for
from contracts.feeds import DecidedHold, FeedHealth, FeedHold, FeedStatus
from reports import AlertRecord, Outcomes
from runtime import RedisClient
from store.alerts import AlertStore
from store.detainers import DetainerStore
from store.feed_days import FeedDays
from store.feeds import FeedStats
from store.roster_reports import RosterReports

__all__ = ["MonthWithheld", "expected", "says", "store_month"]


class MonthWithheld:
    """Answers as the sharing policies' counts would: (facility, day, rule, events) of a period."""

    def __init__(self, month: SyntheticMonth) -> None:
        self._rows = [(w.facility_ori, w.day, w.rule, w.events) for w in month.withheld]
        self.asked: list[tuple[date, date, Collection[str] | None]] = []

    async def __call__(
        self, first: date, last: date, facility_oris: Collection[str] | None
    ) -> list[tuple[str, date, str, int]]:
        self.asked.append((first, last, facility_oris))
        return [
            row for row in self._rows if first <= row[1] <= last and (facility_oris is None or row[0] in facility_oris)
        ]


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 10, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _alert(record: AlertRecord) -> Alert:
    office, _, detainer_id = record.detainer_ref.partition("/")
    possible = record.kind is AlertKind.POSSIBLE_MATCH
    review = (
        AlertReview(decision=record.review, reviewed_by="duty desk", reviewed_at=record.reviewed_at)
        if record.review is not None and record.reviewed_at is not None
        else None
    )
    return Alert(
        alert_id=record.alert_id,
        kind=record.kind,
        status=AlertStatus.RESOLVED if record.outcome is not None else AlertStatus.OPEN,
        field_office=office,
        detainer_id=detainer_id,
        detainer_ref=record.detainer_ref,
        facility_ori=record.facility_ori,
        booking_number=record.booking_number,
        raised_at=record.occurred_at.astimezone(UTC),
        occurred_at=record.occurred_at,
        trigger=AlertTrigger.CUSTODY_EVENT,
        story_id=story_id_for(record.detainer_ref),
        release_reason=record.release_reason,
        to_facility_ori=record.to_facility_ori,
        match=MatchEvidence(
            decision=MatchDecision.POSSIBLE_MATCH if possible else MatchDecision.MATCH, rule="identifier"
        ),
        resolved_at=record.resolved_at,
        outcome=record.outcome,
        review=review,
        notice_given=record.notice_given,
        notice_lead_hours=record.notice_lead_hours,
        released_without_notice=None if record.notice_given is None else not record.notice_given,
        schedule_withheld_by=record.schedule_withheld_by,
    )


async def store_month(client: RedisClient, names: RedisNames, month: SyntheticMonth) -> None:
    """Write the month as the services keep it."""
    clock = _Clock()
    detainers = DetainerStore(client, names, clock=clock)
    for item in month.feed:
        if item["what"] == "lodge_detainer":
            clock.now = item["at"]
            await detainers.lodge(LodgeDetainer.model_validate_json(json.dumps(item["detainer"])))
        elif item["what"] == "lift_detainer":
            clock.now = item["at"]
            lift = LiftDetainer.model_validate_json(json.dumps({"reason": item["reason"]}))
            await detainers.lift(item["field_office"], item["detainer_id"], lift)

    alerts = AlertStore(client, names)
    await alerts.create([_alert(a) for a in month.alerts if not a.discarded])
    for ori in sorted({a.facility_ori for a in month.alerts if a.discarded}):
        discarded = [_alert(a) for a in month.alerts if a.discarded]
        await alerts.create(discarded, held_facilities={ori})
        assert await alerts.discard_held(ori, raised_by=max(alert.raised_at for alert in discarded)) > 0

    feed_days = FeedDays(client, names)
    for day in month.feed_days:
        await feed_days.count(
            day.day, rejected={day.facility_ori: day.events_rejected}, late={day.facility_ori: day.events_accepted_late}
        )

    stats = FeedStats(client, names, history_seconds=7 * 86400, surge_window_seconds=3600)
    for silence in month.silences:
        assert silence.end is not None
        await stats.keep_health([_health(silence.facility_ori, FeedStatus.SILENT, silence.start, silence.end)])
        await stats.keep_health([_health(silence.facility_ori, FeedStatus.OK, None, silence.end + timedelta(hours=1))])
    for surge in month.holds:
        hold = FeedHold(since=surge.since, reason="40 releases in 1 hour")
        assert await stats.hold(surge.facility_ori, hold)
        if surge.decision is not None:
            decided = DecidedHold(action=surge.decision, note="a data load error", by="ops", at=surge.since)  # type: ignore[arg-type]
            held = _health(surge.facility_ori, FeedStatus.SURGE, surge.since, surge.since + timedelta(hours=2))
            await stats.keep_health([held.model_copy(update={"hold": hold.model_copy(update={"decision": decided})})])

    rosters = RosterReports(client, names)
    for finding in month.rosters:
        await rosters.keep(
            RosterReport(
                facility_ori=finding.facility_ori,
                roster_id=f"R-{finding.as_of:%Y%m%d%H%M}",
                as_of=finding.as_of,
                processed_at=finding.as_of,
                listed=40,
                released=finding.inferred_releases,
                unknown=finding.unknown,
                listed_after_leaving=finding.listed_after_leaving,
            )
        )


def _health(ori: str, status: FeedStatus, since: datetime | None, checked_at: datetime) -> FeedHealth:
    return FeedHealth(
        facility_ori=ori,
        status=status,
        reason="as judged",
        first_seen_at=datetime(2026, 10, 1, tzinfo=UTC),
        last_sent_at=since or checked_at,
        silent_seconds=(checked_at - since).total_seconds() if since is not None else 0.0,
        entries_last_24h=0,
        usual_entries_per_hour=None,
        releases_in_window=0,
        usual_releases_per_window=None,
        alarm_since=since,
        checked_at=checked_at,
    )


def says(outcomes: Outcomes | dict[str, Any], truth: Truth) -> dict[str, object]:
    """The report's figures beside the truth's, in the truth's shape (from the model, or its JSON)."""
    data = outcomes.model_dump(mode="json") if isinstance(outcomes, Outcomes) else outcomes
    return {
        "counts": {figure: data[figure] for figure in truth.counts},
        "median": data["notice_lead_hours_median"],
        "why_no_notice": {
            key: value for key, value in data["why_no_notice"].items() if key != "withheld_by_policy" and value
        },
        "withheld_by_policy": data["why_no_notice"]["withheld_by_policy"],
        "detainers_lifted": data["detainers_lifted"],
        "events_withheld_by_policy": data["events_withheld_by_policy"],
        "feed": data["feed"],
    }


def expected(truth: Truth) -> dict[str, object]:
    return {
        "counts": truth.counts,
        "median": truth.notice_lead_hours_median,
        "why_no_notice": truth.why_no_notice,
        "withheld_by_policy": truth.withheld_by_policy,
        "detainers_lifted": truth.detainers_lifted,
        "events_withheld_by_policy": truth.events_withheld_by_policy,
        "feed": {key: pytest.approx(value) for key, value in truth.feed.items()},
    }
