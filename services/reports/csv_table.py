"""The outcome report as CSV: one row per facility (by ORI) and a last row, ``TOTAL``; every row carries the
period, so a table copied out of its file still says what it counts."""

from __future__ import annotations

import csv
import io

from contracts import LiftReason
from reports.model import OutcomeReport, Outcomes

__all__ = ["TOTAL_ROW", "UNATTRIBUTED_ROW", "report_csv"]

TOTAL_ROW = "TOTAL"
UNATTRIBUTED_ROW = "UNATTRIBUTED"  # detainers lifted that were never matched and name no facility

_COUNTS = (
    "detainers_matched",
    "bookings_matched",
    "releases",
    "releases_with_notice",
    "releases_without_notice",
    "notice_lead_hours_median",
    "notice_at_least_48h",
)
_NO_NOTICE = ("feed_silent", "roster_inferred", "no_schedule_reported")
_AFTER = ("custody_assumed", "transferred")
_REVIEWS = ("possible_matches_confirmed", "possible_matches_rejected")
_FEED = ("events_rejected", "events_accepted_late", "roster_discrepancies", "hours_silent", "surges_held")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def report_csv(report: OutcomeReport) -> str:
    rows: list[tuple[str, Outcomes]] = [(row.facility_ori, row) for row in report.facilities]
    if report.unattributed_detainers_lifted:
        rows.append((UNATTRIBUTED_ROW, Outcomes(detainers_lifted=report.unattributed_detainers_lifted)))
    rows.append((TOTAL_ROW, report.total))
    policy_rules = sorted({rule for _, o in rows for rule in o.why_no_notice.withheld_by_policy})
    withheld_rules = sorted({rule for _, o in rows for rule in o.events_withheld_by_policy})
    header = [
        "period_from",
        "period_to",
        "facility_ori",
        *_COUNTS,
        *(f"no_notice_withheld_by_policy[{rule}]" for rule in policy_rules),
        *(f"no_notice_{reason}" for reason in _NO_NOTICE),
        *_AFTER,
        *(f"detainers_lifted[{reason.value}]" for reason in LiftReason),
        *_REVIEWS,
        *(f"events_withheld_by_policy[{rule}]" for rule in withheld_rules),
        *_FEED,
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for ori, outcomes in rows:
        writer.writerow(
            [
                report.scope.period_from.isoformat(),
                report.scope.period_to.isoformat(),
                ori,
                *(_cell(getattr(outcomes, name)) for name in _COUNTS),
                *(outcomes.why_no_notice.withheld_by_policy.get(rule, 0) for rule in policy_rules),
                *(getattr(outcomes.why_no_notice, reason) for reason in _NO_NOTICE),
                *(getattr(outcomes, name) for name in _AFTER),
                *(outcomes.detainers_lifted.get(reason.value, 0) for reason in LiftReason),
                *(getattr(outcomes, name) for name in _REVIEWS),
                *(outcomes.events_withheld_by_policy.get(rule, 0) for rule in withheld_rules),
                *(getattr(outcomes.feed, name) for name in _FEED),
            ]
        )
    return out.getvalue()
