"""The outcome report as served: per facility (by ORI, never by name) and in total, for a period and a scope."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FacilityOutcomes", "FeedQuality", "LeadTimeBin", "NoNoticeReasons", "OutcomeReport", "Outcomes", "Scope"]


class ReportModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NoNoticeReasons(ReportModel):
    """Why each release without notice had none: one reason each, the first that applies in this order."""

    withheld_by_policy: dict[str, int] = Field(
        default_factory=dict,
        description="The release schedule was withheld by a sharing policy: by rule (`<jurisdiction> <clause>`).",
    )
    feed_silent: int = Field(default=0, description="The facility's feed was silent when the person left.")
    roster_inferred: int = Field(
        default=0, description="No release was reported: releasewatch inferred it from the facility's roster."
    )
    no_schedule_reported: int = Field(default=0, description="The facility reported the release, but no schedule.")


class FeedQuality(ReportModel):
    """How the facility's feed behaved in the period."""

    events_rejected: int = Field(default=0, description="Events refused by intake (422).")
    events_accepted_late: int = Field(default=0, description="Events accepted long after they happened.")
    roster_discrepancies: int = Field(
        default=0, description="Booking numbers a roster listed that the feed never booked, or had released."
    )
    hours_silent: float = Field(default=0.0, description="Hours of the period the feed was judged silent (0.1 h).")
    surges_held: int = Field(default=0, description="Holds of the facility's alerts for a surge of releases.")


class Outcomes(ReportModel):
    """The figures of one facility, or of the whole scope (each detainer, booking and release counted once)."""

    detainers_matched: int = Field(default=0, description="Detainers matched to a booking here in the period.")
    bookings_matched: int = Field(default=0, description="Bookings matched to a detainer in the period.")
    releases: int = Field(default=0, description="Matched bookings released in the period (a transfer is not one).")
    releases_with_notice: int = Field(default=0, description="Of those, released after a release schedule was known.")
    releases_without_notice: int = 0
    notice_lead_hours_median: float | None = Field(
        default=None, description="Median hours from the schedule becoming known to the release, with notice."
    )
    notice_at_least_48h: int = Field(default=0, description="Releases with notice at least 48 hours ahead.")
    why_no_notice: NoNoticeReasons = Field(default_factory=NoNoticeReasons)
    custody_assumed: int = Field(default=0, description="Detainers whose subject was taken into custody from here.")
    transferred: int = Field(
        default=0,
        description="Matched bookings transferred out (never a decline: what follows counts at the new facility).",
    )
    detainers_lifted: dict[str, int] = Field(
        default_factory=dict, description="Detainers lifted while their subject was last known here, by reason."
    )
    possible_matches_confirmed: int = 0
    possible_matches_rejected: int = 0
    events_withheld_by_policy: dict[str, int] = Field(
        default_factory=dict, description="Custody events sharing policies withheld at intake, by rule."
    )
    feed: FeedQuality = Field(default_factory=FeedQuality)


class FacilityOutcomes(Outcomes):
    facility_ori: str


class LeadTimeBin(ReportModel):
    label: str = Field(examples=["24-48 h"])
    from_hours: float
    to_hours: float | None = Field(description="None: and more.")
    releases: int


class Scope(ReportModel):
    period_from: date
    period_to: date = Field(description="Inclusive.")
    states: tuple[str, ...] = ()
    facility_oris: tuple[str, ...] = ()
    field_office: str | None = None


class OutcomeReport(ReportModel):
    """Per facility by ORI (a facility's name is never used: two counties may share one), and a total."""

    scope: Scope
    generated_at: datetime
    facilities: tuple[FacilityOutcomes, ...]
    total: Outcomes
    lead_times: tuple[LeadTimeBin, ...] = Field(description="Releases with notice, by hours of notice.")
    unattributed_detainers_lifted: dict[str, int] = Field(
        default_factory=dict,
        description="Detainers lifted in the period that were never matched and name no facility: in the total only.",
    )
