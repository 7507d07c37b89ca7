"""A report for part of the month: a state, some facilities, one field office's own detainers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bench.outcome_month import MONTH_END, MONTH_START, SyntheticMonth

from contracts import Alert, AlertKind, AlertTrigger, MatchDecision, MatchEvidence, ReleaseReason
from reports import AlertRecord, OutcomeReport, Scope, outcome_report

GENERATED_AT = datetime(2026, 12, 1, tzinfo=UTC)


def _report(month: SyntheticMonth, **scope: object) -> OutcomeReport:
    return outcome_report(
        month.records, Scope(period_from=MONTH_START, period_to=MONTH_END, **scope), generated_at=GENERATED_AT
    )


def test_a_state_report_has_that_states_facilities_only_and_its_own_total(
    month: SyntheticMonth, november: OutcomeReport
) -> None:
    texas = _report(month, states=("TX",))

    assert [row.facility_ori for row in texas.facilities] == ["TX1810000", "TX2270000"]
    assert texas.total.releases == sum(row.releases for row in texas.facilities)
    assert texas.total.bookings_matched == sum(row.bookings_matched for row in texas.facilities)
    assert texas.total.detainers_matched == sum(row.detainers_matched for row in texas.facilities) - 1  # transfer
    assert texas.unattributed_detainers_lifted == {}
    assert texas.total.releases < november.total.releases


def test_a_facility_report_keeps_its_row_as_in_the_whole_report(month: SyntheticMonth, november: OutcomeReport) -> None:
    one = _report(month, facility_oris=("CA0300000",))

    (row,) = one.facilities
    assert row == next(r for r in november.facilities if r.facility_ori == "CA0300000")
    assert one.total.model_dump() == row.model_dump(exclude={"facility_ori"})


def test_an_office_report_counts_its_own_detainers_only(month: SyntheticMonth) -> None:
    houston = _report(month, field_office="HOU")
    los_angeles = _report(month, field_office="LOS")

    assert {row.facility_ori[:2] for row in houston.facilities} == {"TX"}
    assert houston.unattributed_detainers_lifted == {"cancelled": 1}
    orange = next(row for row in los_angeles.facilities if row.facility_ori == "CA0300000")
    assert orange.detainers_matched == 5  # one of the two detainers on the person both offices sought is SFR's
    assert orange.custody_assumed == 0  # the person transferred from the annex was SFR's
    assert orange.detainers_lifted == {"declined_by_agency": 1}


def test_a_period_keeps_to_its_days_at_each_facilitys_clock(month: SyntheticMonth) -> None:
    october = outcome_report(
        month.records, Scope(period_from=date(2026, 10, 1), period_to=date(2026, 10, 31)), generated_at=GENERATED_AT
    )

    (fresno,) = (row for row in october.facilities if row.releases)
    assert (fresno.facility_ori, fresno.releases, fresno.notice_lead_hours_median) == ("CA0194200", 1, 60.0)
    assert october.total.feed.events_rejected == 9 * 5  # the 31st's


def test_an_alert_is_read_as_a_record_with_its_notice_and_review() -> None:
    alert = Alert(
        alert_id="al_1",
        kind=AlertKind.RELEASED,
        field_office="LOS",
        detainer_id="LOS-1",
        detainer_ref="LOS/LOS-1",
        facility_ori="CA0194200",
        booking_number="B-1",
        raised_at=GENERATED_AT,
        occurred_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
        trigger=AlertTrigger.CUSTODY_EVENT,
        release_reason=ReleaseReason.BAIL_POSTED,
        released_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
        notice_given=False,
        released_without_notice=True,
    )

    record = AlertRecord.of(alert, schedule_withheld_by="CA0194200 share.release_scheduled")

    assert (record.detainer_ref, record.notice_given, record.schedule_withheld_by, record.discarded) == (
        "LOS/LOS-1",
        False,
        "CA0194200 share.release_scheduled",
        False,
    )


def test_an_office_reports_total_is_of_its_own_facilities_only(month: SyntheticMonth, november: OutcomeReport) -> None:
    # Other facilities' feeds (a policy's withholdings, rosters' discrepancies) are in the whole report's total; an
    # office, given no row of theirs, is given none of their figures in its total either.
    for office in ("HOU", "LOS"):
        report = _report(month, field_office=office)

        withheld: dict[str, int] = {}
        for row in report.facilities:
            for rule, count in row.events_withheld_by_policy.items():
                withheld[rule] = withheld.get(rule, 0) + count
        assert report.total.events_withheld_by_policy == withheld
        assert report.total.feed.roster_discrepancies == sum(row.feed.roster_discrepancies for row in report.facilities)
        assert report.total.feed.events_rejected == sum(row.feed.events_rejected for row in report.facilities)
        assert report.total.releases == sum(row.releases for row in report.facilities)
    assert november.total.events_withheld_by_policy  # (the month has withholdings to leave out)
