"""The outcome report, computed from records: pure, so it can be checked against a month whose truth is known.

Attribution is what the report exists to get right:

- **By ORI, never by name.** Two counties with similar names are two ORIs.
- **A transfer is never a decline.** A matched booking transferred out counts
  as ``transferred`` at the facility it left (so does a release reported with
  the reason ``transfer``, and a release releasewatch withdrew when the transfer
  it followed arrived); what happens next (a release, custody assumed, a
  lift) counts where the person went.
- **A lift counts where the person was.** A detainer lifted (or whose subject
  was taken into custody) counts at the facility where its subject was last
  known at that moment: the latest match before it, followed through
  transfers; never matched, at the facility it was lodged with; else in the
  total only (``unattributed_detainers_lifted``).
- **Why a release had no notice**, one reason each, the first that applies:
  the schedule was withheld by a sharing policy (per rule), the feed was
  silent when the person left, the release was inferred from a roster (none
  was reported), else no schedule was reported.
- **What did not happen is not counted**: alerts of a surge an operator
  discarded as a data error, and matches a person found were not the person
  (a rejected possible match, an alert resolved ``not_the_person``).

A record counts in the period when the date it happened, at the offset it
was reported with, falls within it (both days included); a match, when it was
made: a detainer lodged on a person held since an earlier month (or a possible
match confirmed later) is matched when the office was alerted, not when the
person was booked.
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from contracts import AlertKind, AlertOutcome, LiftReason, ReleaseReason, ReviewDecision
from reports.model import FacilityOutcomes, FeedQuality, LeadTimeBin, NoNoticeReasons, OutcomeReport, Outcomes, Scope
from reports.records import AlertRecord, DetainerRecord, ReportRecords

__all__ = ["LEAD_TIME_BINS", "NOTICE_ENOUGH_HOURS", "outcome_report"]

NOTICE_ENOUGH_HOURS = 48.0  # hours: what a detainer asks for ("at least 48 hours, if possible")
LEAD_TIME_BINS: tuple[tuple[float, float | None], ...] = (
    (0, 4), (4, 12), (12, 24), (24, 48), (48, 72), (72, 168), (168, None),
)  # fmt: skip  # hours

_MATCH_KINDS = frozenset({AlertKind.IN_CUSTODY, AlertKind.RELEASE_SCHEDULED, AlertKind.RELEASED, AlertKind.TRANSFERRED})

Pair = tuple[str, str, str]  # (detainer_ref, facility_ori, booking_number)
Booking = tuple[str, str]  # (facility_ori, booking_number)


@dataclass(frozen=True, slots=True)
class _Period:
    start: date
    end: date  # inclusive

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment.date() <= self.end

    def holds_day(self, day: date) -> bool:
        return self.start <= day <= self.end

    def hours_within(self, start: datetime, end: datetime) -> float:
        """Hours of [start, end) inside the period's days (UTC)."""
        first = datetime.combine(self.start, time(), tzinfo=UTC)
        last = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)
        overlap = min(end, last) - max(start, first)
        return max(overlap.total_seconds(), 0.0) / 3600


@dataclass(frozen=True, slots=True)
class _Located:
    """Something that counts where its detainer's subject was at a moment."""

    detainer_ref: str
    at: datetime
    facility_ori: str | None
    what: str  # a lift reason, or custody_assumed by resolution


def _in_scope(scope: Scope) -> Callable[[str | None], bool]:
    def covered(facility_ori: str | None) -> bool:
        if facility_ori is None:
            return not scope.states and not scope.facility_oris
        if scope.states and facility_ori[:2] not in scope.states:
            return False
        return not scope.facility_oris or facility_ori in scope.facility_oris

    return covered


class _Whereabouts:
    """Where each detainer's subject was at any moment, from its matches, followed through transfers (a release
    releasewatch withdrew once the transfer it followed arrived places no one: it is stamped after the transfer, at
    the facility the person had left)."""

    def __init__(self, matches: Iterable[AlertRecord], detainers: dict[str, DetainerRecord]) -> None:
        steps: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        for alert in matches:
            if alert.kind is AlertKind.RELEASED and alert.outcome is AlertOutcome.RELEASE_SUPERSEDED:
                continue  # it closed the booking the facility had moved: the person was where the transfer took them
            after = alert.facility_ori
            if alert.kind is AlertKind.TRANSFERRED and alert.to_facility_ori is not None:
                after = alert.to_facility_ori
            steps[alert.detainer_ref].append((alert.occurred_at, after))
        self._steps = {ref: sorted(moves) for ref, moves in steps.items()}
        self._detainers = detainers

    def at(self, detainer_ref: str, moment: datetime) -> str | None:
        moves = self._steps.get(detainer_ref)
        if moves:
            index = bisect.bisect_right([at for at, _ in moves], moment)
            return moves[max(index - 1, 0)][1]  # lifted before any match: where it was first matched
        detainer = self._detainers.get(detainer_ref)
        return detainer.lodged_with_ori if detainer is not None else None


def _not_the_person(alerts: Iterable[AlertRecord]) -> set[Pair]:
    return {
        (alert.detainer_ref, alert.facility_ori, alert.booking_number)
        for alert in alerts
        if alert.outcome is AlertOutcome.NOT_THE_PERSON or alert.review is ReviewDecision.REJECTED
    }


def outcome_report(records: ReportRecords, scope: Scope, *, generated_at: datetime) -> OutcomeReport:
    """The report of ``scope`` (a period, and optionally states, facilities or one field office)."""
    period = _Period(scope.period_from, scope.period_to)
    covered = _in_scope(scope)
    office = scope.field_office
    alerts = [a for a in records.alerts if not a.discarded and (office is None or a.field_office == office)]
    detainers = {d.detainer_ref: d for d in records.detainers if office is None or d.field_office == office}
    wrong = _not_the_person(alerts)
    matches = [
        a for a in alerts if a.kind in _MATCH_KINDS and (a.detainer_ref, a.facility_ori, a.booking_number) not in wrong
    ]
    whereabouts = _Whereabouts(matches, detainers)
    located = _located(alerts, detainers, whereabouts, period)

    facilities = {a.facility_ori for a in alerts}
    facilities |= {item.facility_ori for item in located if item.facility_ori is not None}
    if office is None:  # a facility's feed is no office's: rows of its own only in a report of every office
        facilities |= _feed_facilities(records)
    rows = []
    for facility in sorted(f for f in facilities if covered(f)):
        figures = _figures(records, period, alerts, matches, located, _only(facility))
        if figures != Outcomes():
            rows.append(FacilityOutcomes(facility_ori=facility, **dict(figures)))
    # An office's total is of its own facilities' rows: what other facilities' feeds did (withheld by a policy, their
    # rosters' discrepancies) is no more its total's than its rows'.
    in_total = (
        (lambda f: f is not None and covered(f)) if office is None else (lambda f: f in facilities and covered(f))
    )
    total = _figures(records, period, alerts, matches, located, in_total)
    unattributed = Counter(item.what for item in located if item.facility_ori is None and item.what in _LIFT_REASONS)
    return OutcomeReport(
        scope=scope,
        generated_at=generated_at,
        facilities=tuple(rows),
        total=total,
        lead_times=_lead_times(_notice_leads(matches, period, in_total)),
        unattributed_detainers_lifted=dict(sorted(unattributed.items())) if covered(None) else {},
    )


_LIFT_REASONS = frozenset(reason.value for reason in LiftReason)
_RESOLVED_CUSTODY_ASSUMED = "custody_assumed (resolved)"


def _only(facility: str) -> Callable[[str | None], bool]:
    return lambda other: other == facility


def _feed_facilities(records: ReportRecords) -> set[str]:
    """Facilities with a fact about their feed (or what a policy withheld of it)."""
    return (
        {day.facility_ori for day in records.feed_days}
        | {silence.facility_ori for silence in records.silences}
        | {hold.facility_ori for hold in records.holds}
        | {roster.facility_ori for roster in records.rosters}
        | {withheld.facility_ori for withheld in records.withheld}
    )


def _located(
    alerts: list[AlertRecord], detainers: dict[str, DetainerRecord], whereabouts: _Whereabouts, period: _Period
) -> list[_Located]:
    """Lifts, and custody assumed by an alert's resolution, in the period: each where its subject was."""
    located = []
    for detainer in detainers.values():
        if detainer.lift_reason is not None and period.holds(detainer.lifted_at):
            assert detainer.lifted_at is not None
            where = whereabouts.at(detainer.detainer_ref, detainer.lifted_at)
            located.append(_Located(detainer.detainer_ref, detainer.lifted_at, where, detainer.lift_reason.value))
    for alert in alerts:
        if alert.outcome is AlertOutcome.CUSTODY_ASSUMED and period.holds(alert.resolved_at):
            assert alert.resolved_at is not None
            where = whereabouts.at(alert.detainer_ref, alert.resolved_at) or alert.facility_ori
            located.append(_Located(alert.detainer_ref, alert.resolved_at, where, _RESOLVED_CUSTODY_ASSUMED))
    return located


def _releases(matches: list[AlertRecord], period: _Period, here: Callable[[str], bool]) -> dict[Booking, AlertRecord]:
    """Each matched booking released here in the period (one record per booking, whichever detainers matched); not
    a release releasewatch withdrew once the transfer it followed arrived (the person moved: counted as transferred
    by the transfer's alert)."""
    released: dict[Booking, AlertRecord] = {}
    for alert in matches:
        if alert.kind is AlertKind.RELEASED and alert.outcome is AlertOutcome.RELEASE_SUPERSEDED:
            continue
        if alert.kind is AlertKind.RELEASED and here(alert.facility_ori) and period.holds(alert.occurred_at):
            released.setdefault((alert.facility_ori, alert.booking_number), alert)
    return released


def _notice_leads(matches: list[AlertRecord], period: _Period, here: Callable[[str], bool]) -> list[float]:
    """Hours of notice of each release with notice (the lead-time histogram)."""
    return [
        alert.notice_lead_hours
        for alert in _releases(matches, period, here).values()
        if alert.release_reason is not ReleaseReason.TRANSFER and alert.notice_given and alert.notice_lead_hours
    ]


def _silent_at(records: ReportRecords, facility: str, moment: datetime) -> bool:
    return any(
        s.facility_ori == facility and s.start <= moment and (s.end is None or moment <= s.end)
        for s in records.silences
    )


def _figures(
    records: ReportRecords,
    period: _Period,
    alerts: list[AlertRecord],
    matches: list[AlertRecord],
    located: list[_Located],
    here: Callable[[str | None], bool],
) -> Outcomes:
    in_period = [a for a in matches if here(a.facility_ori) and period.holds(a.occurred_at)]
    # (matched when the match was made: a detainer lodged on someone held since an earlier month matches now)
    matched = [a for a in matches if here(a.facility_ori) and period.holds(a.matched_at)]
    released = _releases(matches, period, here)
    releases = {key: a for key, a in released.items() if a.release_reason is not ReleaseReason.TRANSFER}
    transferred_out = {key for key, a in released.items() if a.release_reason is ReleaseReason.TRANSFER}
    transferred_out |= {(a.facility_ori, a.booking_number) for a in in_period if a.kind is AlertKind.TRANSFERRED}
    with_notice = [a for a in releases.values() if a.notice_given]
    leads = [a.notice_lead_hours for a in with_notice if a.notice_lead_hours is not None]
    policy: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for alert in (a for a in releases.values() if not a.notice_given):
        if alert.schedule_withheld_by is not None:
            policy[alert.schedule_withheld_by] += 1
        elif _silent_at(records, alert.facility_ori, alert.occurred_at):
            other["feed_silent"] += 1
        elif alert.release_reason is ReleaseReason.INFERRED_FROM_ROSTER:
            other["roster_inferred"] += 1
        else:
            other["no_schedule_reported"] += 1
    reviewed = [
        a for a in alerts if a.kind is AlertKind.POSSIBLE_MATCH and here(a.facility_ori) and period.holds(a.reviewed_at)
    ]
    lifts = Counter(item.what for item in located if here(item.facility_ori) and item.what in _LIFT_REASONS)
    custody_assumed = {
        item.detainer_ref
        for item in located
        if here(item.facility_ori) and item.what in {LiftReason.CUSTODY_ASSUMED.value, _RESOLVED_CUSTODY_ASSUMED}
    }
    return Outcomes(
        detainers_matched=len({a.detainer_ref for a in matched}),
        bookings_matched=len({(a.facility_ori, a.booking_number) for a in matched}),
        releases=len(releases),
        releases_with_notice=len(with_notice),
        releases_without_notice=len(releases) - len(with_notice),
        notice_lead_hours_median=round(statistics.median(leads), 1) if leads else None,
        notice_at_least_48h=sum(1 for lead in leads if lead >= NOTICE_ENOUGH_HOURS),
        why_no_notice=NoNoticeReasons(withheld_by_policy=dict(sorted(policy.items())), **other),
        custody_assumed=len(custody_assumed),
        transferred=len(transferred_out),
        detainers_lifted=dict(sorted(lifts.items())),
        possible_matches_confirmed=sum(1 for a in reviewed if a.review is ReviewDecision.CONFIRMED),
        possible_matches_rejected=sum(1 for a in reviewed if a.review is ReviewDecision.REJECTED),
        events_withheld_by_policy=_withheld(records, period, here),
        feed=_feed_quality(records, period, here),
    )


def _withheld(records: ReportRecords, period: _Period, here: Callable[[str | None], bool]) -> dict[str, int]:
    counted: Counter[str] = Counter()
    for day in records.withheld:
        if here(day.facility_ori) and period.holds_day(day.day):
            counted[day.rule] += day.events
    return dict(sorted(counted.items()))


def _feed_quality(records: ReportRecords, period: _Period, here: Callable[[str | None], bool]) -> FeedQuality:
    days = [d for d in records.feed_days if here(d.facility_ori) and period.holds_day(d.day)]
    rosters = [r for r in records.rosters if here(r.facility_ori) and period.holds(r.as_of)]
    end_of_period = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=UTC)
    silent = sum(period.hours_within(s.start, s.end or end_of_period) for s in records.silences if here(s.facility_ori))
    return FeedQuality(
        events_rejected=sum(d.events_rejected for d in days),
        events_accepted_late=sum(d.events_accepted_late for d in days),
        roster_discrepancies=sum(r.unknown + r.listed_after_leaving for r in rosters),
        hours_silent=round(silent, 1),
        surges_held=sum(1 for h in records.holds if here(h.facility_ori) and period.holds(h.since)),
    )


def _lead_times(leads: list[float]) -> tuple[LeadTimeBin, ...]:
    bins = []
    for start, end in LEAD_TIME_BINS:
        label = f"{start:g}-{end:g} h" if end is not None else f"{start:g} h or more"
        count = sum(1 for lead in leads if lead >= start and (end is None or lead < end))
        bins.append(LeadTimeBin(label=label, from_hours=start, to_hours=end, releases=count))
    return tuple(bins)
