"""Every figure of the outcome report, checked against a synthetic month whose outcomes are known.

The month (``bench/outcome_month.py``) declares what each story must add to each figure; the report computes
its figures from the records the stories leave. Each facility's row and the total must say exactly that.
"""

from __future__ import annotations

import pytest
from bench.outcome_month import FACILITIES, SyntheticMonth, Truth

from reports import OutcomeReport, Outcomes


def _says(outcomes: Outcomes, truth: Truth) -> dict[str, object]:
    """The report's figures beside the truth's, in the truth's shape."""
    return {
        "counts": {figure: getattr(outcomes, figure) for figure in truth.counts},
        "median": outcomes.notice_lead_hours_median,
        "why_no_notice": {
            key: value
            for key, value in outcomes.why_no_notice.model_dump().items()
            if key != "withheld_by_policy" and value
        },
        "withheld_by_policy": outcomes.why_no_notice.withheld_by_policy,
        "detainers_lifted": outcomes.detainers_lifted,
        "events_withheld_by_policy": outcomes.events_withheld_by_policy,
        "feed": outcomes.feed.model_dump(),
    }


def _expected(truth: Truth) -> dict[str, object]:
    return {
        "counts": truth.counts,
        "median": truth.notice_lead_hours_median,
        "why_no_notice": truth.why_no_notice,
        "withheld_by_policy": truth.withheld_by_policy,
        "detainers_lifted": truth.detainers_lifted,
        "events_withheld_by_policy": truth.events_withheld_by_policy,
        "feed": {key: pytest.approx(value) for key, value in truth.feed.items()},
    }


def test_the_report_has_a_row_for_each_facility_of_the_month_named_by_ori(
    month: SyntheticMonth, november: OutcomeReport
) -> None:
    assert [row.facility_ori for row in november.facilities] == sorted(month.truth)


@pytest.mark.parametrize("ori", sorted(FACILITIES))
def test_each_facility_row_says_what_happened_there(ori: str, month: SyntheticMonth, november: OutcomeReport) -> None:
    (row,) = (row for row in november.facilities if row.facility_ori == ori)

    assert _says(row, month.truth[ori]) == _expected(month.truth[ori])


def test_the_total_counts_each_detainer_booking_and_release_once(
    month: SyntheticMonth, november: OutcomeReport
) -> None:
    assert _says(november.total, month.total) == _expected(month.total)


def test_the_lead_time_histogram_counts_every_release_with_notice(
    month: SyntheticMonth, november: OutcomeReport
) -> None:
    assert [bin_.releases for bin_ in november.lead_times] == month.lead_time_bins
    assert sum(month.lead_time_bins) == november.total.releases_with_notice


def test_a_lift_of_a_detainer_never_matched_nor_lodged_with_a_facility_is_in_the_total_only(
    month: SyntheticMonth, november: OutcomeReport
) -> None:
    assert november.unattributed_detainers_lifted == month.unattributed_detainers_lifted


def test_the_report_never_names_a_facility_or_a_person(month: SyntheticMonth, november: OutcomeReport) -> None:
    served = november.model_dump_json()

    for facility in FACILITIES.values():
        assert facility.name not in served
        assert "Orange" not in served
    for alert in month.alerts:
        assert alert.booking_number not in served
        assert alert.detainer_ref not in served


def test_the_two_orange_counties_are_two_rows_and_the_transfer_between_texas_jails_no_decline(
    november: OutcomeReport,
) -> None:
    rows = {row.facility_ori: row for row in november.facilities}

    assert rows["CA0300000"].why_no_notice.withheld_by_policy == {"CA0300000 share.release_scheduled": 4}
    assert rows["TX1810000"].transferred == 2
    assert rows["TX1810000"].detainers_lifted.get("declined_by_agency", 0) == 0
    assert rows["TX2270000"].releases_with_notice >= 1
