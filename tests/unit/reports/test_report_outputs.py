"""The report as JSON, CSV and an HTML page: the same figures, by ORI, the page self-contained and printable."""

from __future__ import annotations

import csv
import io
import re

from reports import NoNoticeReasons, OutcomeReport, Outcomes, report_csv, report_html
from reports.model import FacilityOutcomes


def test_the_csv_has_a_row_per_facility_then_never_matched_lifts_then_the_total(november: OutcomeReport) -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(november))))

    assert [row["facility_ori"] for row in rows] == [
        *(facility.facility_ori for facility in november.facilities),
        "UNATTRIBUTED",
        "TOTAL",
    ]
    assert {(row["period_from"], row["period_to"]) for row in rows} == {("2026-11-01", "2026-11-30")}
    total = rows[-1]
    assert int(total["releases"]) == november.total.releases
    assert float(total["notice_lead_hours_median"]) == november.total.notice_lead_hours_median
    assert int(total["no_notice_withheld_by_policy[CA0300000 share.release_scheduled]"]) == 4
    assert int(total["transferred"]) == november.total.transferred
    assert int(rows[-2]["detainers_lifted[cancelled]"]) == 1
    travis = next(row for row in rows if row["facility_ori"] == "TX2270000")
    assert float(travis["hours_silent"]) == 60.0
    assert int(travis["no_notice_feed_silent"]) == 1


def test_the_json_reads_back_as_the_report(november: OutcomeReport) -> None:
    assert OutcomeReport.model_validate_json(november.model_dump_json()) == november


def test_the_page_fetches_nothing_runs_no_script_and_draws_its_charts_inline(november: OutcomeReport) -> None:
    page = report_html(november)

    assert "<script" not in page
    assert not re.search(r"""(src|href)\\s*=\\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert not re.search(r"url\((?!#)", page)  # only the SVG's references to its own clip paths
    assert page.count("<svg") == 2
    assert "@media print" in page
    assert "@page" in page
    for facility in november.facilities:
        assert f"<td>{facility.facility_ori}</td>" in page


def test_the_page_is_the_same_for_the_same_report(november: OutcomeReport) -> None:
    assert report_html(november) == report_html(november)


def test_every_value_on_the_page_is_escaped(november: OutcomeReport) -> None:
    rule = "<img src=x onerror=alert(1)> share.release_scheduled"
    hostile = november.model_copy(
        update={
            "facilities": (
                FacilityOutcomes(
                    facility_ori="CA0194200",
                    releases=1,
                    releases_without_notice=1,
                    why_no_notice=NoNoticeReasons(withheld_by_policy={rule: 1}),
                ),
            ),
            "total": Outcomes(releases=1, releases_without_notice=1),
        }
    )

    page = report_html(hostile)

    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_period_with_nothing_in_it_says_so() -> None:
    from datetime import UTC, date, datetime

    from reports import ReportRecords, Scope, outcome_report

    empty = outcome_report(
        ReportRecords(),
        Scope(period_from=date(2026, 1, 1), period_to=date(2026, 1, 31)),
        generated_at=datetime.now(UTC),
    )

    page = report_html(empty)

    assert empty.facilities == ()
    assert "Nothing in the period." in page
    assert "no releases in the period" in page
