"""The outcome report: per facility (by ORI) and in total, for a period and a scope, from the records storage
holds; as JSON (``OutcomeReport``), CSV and a printable HTML page with charts. Pure: the caller reads the records.
"""

from reports.csv_table import report_csv
from reports.html_page import report_html
from reports.model import FacilityOutcomes, FeedQuality, LeadTimeBin, NoNoticeReasons, OutcomeReport, Outcomes, Scope
from reports.outcomes import LEAD_TIME_BINS, NOTICE_ENOUGH_HOURS, outcome_report
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

__all__ = [
    "LEAD_TIME_BINS",
    "NOTICE_ENOUGH_HOURS",
    "AlertRecord",
    "DetainerRecord",
    "FacilityOutcomes",
    "FeedDay",
    "FeedQuality",
    "FeedSilence",
    "LeadTimeBin",
    "NoNoticeReasons",
    "OutcomeReport",
    "Outcomes",
    "PolicyWithheldDay",
    "ReportRecords",
    "RosterFinding",
    "Scope",
    "SurgeHold",
    "outcome_report",
    "report_csv",
    "report_html",
]
