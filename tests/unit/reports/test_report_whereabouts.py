"""Where and when the outcome report counts what happened: a lift after a release that closed a moved booking, a
match made after the booking it found."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contracts import AlertKind, AlertOutcome, AlertTrigger, LiftReason, ReleaseReason
from reports import AlertRecord, DetainerRecord, ReportRecords, Scope, outcome_report

GENERATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
NOVEMBER = Scope(period_from=date(2026, 11, 1), period_to=date(2026, 11, 30))
OLD, NEW = "CA0194200", "CA0300000"


def _moved_with_a_release_arriving_first(
    *, lift_reason: LiftReason | None, resolved_custody_assumed: bool = False
) -> ReportRecords:
    """Booked at the old facility, transferred to the new one at 10:00, and the old facility's release closing the
    booking it moved (reason transfer, 10:30) reached releasewatch first: its released alert was withdrawn when the
    transfer arrived. The new facility never books the person (it sends no feed)."""
    detainer = "LOS/LOS-1"

    def alert(alert_id: str, kind: AlertKind, at: datetime, **more: object) -> AlertRecord:
        return AlertRecord(
            alert_id=alert_id,
            kind=kind,
            field_office="LOS",
            detainer_ref=detainer,
            facility_ori=OLD,
            booking_number="B-1",
            occurred_at=at,
            **more,  # type: ignore[arg-type]
        )

    transferred = alert("al_t", AlertKind.TRANSFERRED, datetime(2026, 11, 3, 10, tzinfo=UTC), to_facility_ori=NEW)
    in_custody = alert(
        "al_c",
        AlertKind.IN_CUSTODY,
        datetime(2026, 11, 1, 8, tzinfo=UTC),
        **(
            {"outcome": AlertOutcome.CUSTODY_ASSUMED, "resolved_at": datetime(2026, 11, 4, 9, tzinfo=UTC)}
            if resolved_custody_assumed
            else {}
        ),
    )
    withdrawn = alert(
        "al_r",
        AlertKind.RELEASED,
        datetime(2026, 11, 3, 10, 30, tzinfo=UTC),
        release_reason=ReleaseReason.TRANSFER,
        notice_given=False,
        outcome=AlertOutcome.RELEASE_SUPERSEDED,
        resolved_at=datetime(2026, 11, 3, 10, 40, tzinfo=UTC),
    )
    lifted = (
        DetainerRecord(detainer, "LOS", lifted_at=datetime(2026, 11, 4, 9, tzinfo=UTC), lift_reason=lift_reason)
        if lift_reason is not None
        else DetainerRecord(detainer, "LOS")
    )
    return ReportRecords(alerts=(in_custody, transferred, withdrawn), detainers=(lifted,))


def test_a_lift_after_a_withdrawn_release_counts_where_the_person_was_moved_to() -> None:
    records = _moved_with_a_release_arriving_first(lift_reason=LiftReason.DECLINED_BY_AGENCY)

    report = outcome_report(records, NOVEMBER, generated_at=GENERATED_AT)

    rows = {row.facility_ori: row for row in report.facilities}
    assert rows[NEW].detainers_lifted == {"declined_by_agency": 1}
    assert rows[OLD].detainers_lifted == {}
    assert rows[OLD].transferred == 1
    assert rows[OLD].releases == 0


def test_custody_assumed_after_a_withdrawn_release_counts_where_the_person_was_moved_to() -> None:
    records = _moved_with_a_release_arriving_first(lift_reason=None, resolved_custody_assumed=True)

    report = outcome_report(records, NOVEMBER, generated_at=GENERATED_AT)

    rows = {row.facility_ori: row for row in report.facilities}
    assert rows[NEW].custody_assumed == 1
    assert rows[OLD].custody_assumed == 0


def test_a_detainer_lodged_on_someone_held_since_an_earlier_month_is_matched_the_month_it_was_lodged() -> None:
    # Booked on October 10 and still held; the office lodges its detainer on December 5 and is alerted then.
    in_custody = AlertRecord(
        alert_id="al_c",
        kind=AlertKind.IN_CUSTODY,
        field_office="LOS",
        detainer_ref="LOS/LOS-2",
        facility_ori=OLD,
        booking_number="B-2",
        occurred_at=datetime(2026, 10, 10, 8, tzinfo=UTC),
        trigger=AlertTrigger.DETAINER_LODGED,
        raised_at=datetime(2026, 12, 5, 15, tzinfo=UTC),
    )
    records = ReportRecords(alerts=(in_custody,), detainers=(DetainerRecord("LOS/LOS-2", "LOS"),))

    october = outcome_report(
        records, Scope(period_from=date(2026, 10, 1), period_to=date(2026, 10, 31)), generated_at=GENERATED_AT
    )
    december = outcome_report(
        records, Scope(period_from=date(2026, 12, 1), period_to=date(2026, 12, 31)), generated_at=GENERATED_AT
    )

    assert (october.total.detainers_matched, october.total.bookings_matched) == (0, 0)
    assert (december.total.detainers_matched, december.total.bookings_matched) == (1, 1)
    assert [row.facility_ori for row in december.facilities] == [OLD]
