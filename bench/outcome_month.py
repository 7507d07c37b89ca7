"""A month of synthetic feeds across several jurisdictions, with the outcome report's truth known in advance.

Each story is a person with a detainer whose stay ends in a known way: released
with a given notice, released without notice for a given reason, transferred,
taken into custody, found not to be the person... A story writes three things:

- the **feed**: the custody events, rosters, detainers, lifts and people's
  decisions a replay through the real services sends (in the order they
  happen, each with when it is sent);
- the **records** the services keep once it has been replayed (alerts,
  detainers, feed facts), which the pure report is computed from;
- the **truth**: what each figure of the report must say, declared by the story
  itself (a story "released 50 h after its schedule" adds one release with
  notice at its facility), never computed by the report's code.

The month has traps the 2017 declined-detainer report fell into: two counties
called Orange (CA and TX) that only their ORIs tell apart, transfers that must
not count as declines, a facility whose policy withholds release schedules,
one that withholds a booking outright, a silent feed, a roster-inferred
release, a surge an operator discarded as a data error, and releases either
side of the month's edges in the facility's own time zone.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from contracts import AlertKind, AlertOutcome, LiftReason, ReleaseReason, ReviewDecision
from reports import (
    LEAD_TIME_BINS,
    AlertRecord,
    DetainerRecord,
    FeedDay,
    FeedSilence,
    PolicyWithheldDay,
    ReportRecords,
    RosterFinding,
    SurgeHold,
)

__all__ = ["FACILITIES", "MONTH_END", "MONTH_START", "POLICIES", "SyntheticMonth", "synthetic_month"]

MONTH_START = date(2026, 11, 1)
MONTH_END = date(2026, 11, 30)

PACIFIC = timezone(timedelta(hours=-8), "PST")
CENTRAL = timezone(timedelta(hours=-6), "CST")


@dataclass(frozen=True, slots=True)
class Facility:
    ori: str
    name: str  # for the reader of this file only: the report never uses a name
    office: str
    clock: timezone


FACILITIES = {
    f.ori: f
    for f in (
        Facility("CA0194200", "Fresno County Jail (main)", "SFR", PACIFIC),
        Facility("CA0190100", "Fresno County Jail (north annex)", "SFR", PACIFIC),
        Facility("CA0300000", "Orange County Jail, California", "LOS", PACIFIC),
        Facility("TX1810000", "Orange County Jail, Texas", "HOU", CENTRAL),
        Facility("TX2270000", "Travis County Jail", "HOU", CENTRAL),
    )
}

POLICIES = """\
policies:
  - jurisdiction: CA0194200
    name: "Fresno County policy 2026-14 (release notice for felonies)"
    share:
      booking: false
      release_scheduled: {when: {any_charge: {severity: [felony]}}}
      release: {when: {any_charge: {severity: [felony]}}}
      transfer: true
    identity_fields: [last_name, first_name, middle_name, date_of_birth, sex, a_number, fbi_number]
  - jurisdiction: CA019
    name: "Fresno County policy 2026-14 (general)"
    share: {booking: true, release_scheduled: true, release: true, transfer: true}
    never_share:
      - juvenile: true
  - jurisdiction: CA0300000
    name: "Orange County (CA) sheriff's order 7 (notice at release only)"
    share: {booking: true, release_scheduled: false, release: true, transfer: true}
"""

SCHEDULE_WITHHELD_RULE = "CA0300000 share.release_scheduled"

_FIGURES = (
    "detainers_matched",
    "bookings_matched",
    "releases",
    "releases_with_notice",
    "releases_without_notice",
    "notice_at_least_48h",
    "custody_assumed",
    "transferred",
    "possible_matches_confirmed",
    "possible_matches_rejected",
)


@dataclass(slots=True)
class Truth:
    """What the report must say for one facility (or the total)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_FIGURES, 0))
    leads: list[float] = field(default_factory=list)
    why_no_notice: dict[str, int] = field(default_factory=dict)
    withheld_by_policy: dict[str, int] = field(default_factory=dict)
    detainers_lifted: dict[str, int] = field(default_factory=dict)
    events_withheld_by_policy: dict[str, int] = field(default_factory=dict)
    feed: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            ("events_rejected", "events_accepted_late", "roster_discrepancies", "hours_silent", "surges_held"), 0
        )
    )

    @property
    def notice_lead_hours_median(self) -> float | None:
        return round(statistics.median(self.leads), 1) if self.leads else None

    def add(self, key: str, amount: int = 1, *, into: str = "counts") -> None:
        table: dict[str, Any] = getattr(self, into)
        table[key] = table.get(key, 0) + amount


@dataclass(slots=True)
class SyntheticMonth:
    """The month: what to send (``feed``), what the services keep after (``records``), and the ``truth``."""

    feed: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[AlertRecord] = field(default_factory=list)
    detainers: list[DetainerRecord] = field(default_factory=list)
    feed_days: list[FeedDay] = field(default_factory=list)
    silences: list[FeedSilence] = field(default_factory=list)
    holds: list[SurgeHold] = field(default_factory=list)
    rosters: list[RosterFinding] = field(default_factory=list)
    withheld: list[PolicyWithheldDay] = field(default_factory=list)
    truth: dict[str, Truth] = field(default_factory=lambda: defaultdict(Truth))
    total: Truth = field(default_factory=Truth)
    unattributed_detainers_lifted: dict[str, int] = field(default_factory=dict)
    lead_time_bins: list[int] = field(default_factory=lambda: [0] * len(LEAD_TIME_BINS))

    @property
    def records(self) -> ReportRecords:
        return ReportRecords(
            alerts=tuple(self.alerts),
            detainers=tuple(self.detainers),
            feed_days=tuple(self.feed_days),
            silences=tuple(self.silences),
            holds=tuple(self.holds),
            rosters=tuple(self.rosters),
            withheld=tuple(self.withheld),
        )


class _Writer:
    """Writes stories into a month: events, records and truth together."""

    def __init__(self, seed: int) -> None:
        self.month = SyntheticMonth()
        self.rng = random.Random(seed)
        self.people: dict[str, dict[str, Any]] = {}

    # --- the pieces of a story -------------------------------------------------------------------------------

    def person(self) -> tuple[str, dict[str, Any]]:
        n = len(self.people) + 1
        surnames = ("GARCIA", "NGUYEN", "SMITH", "HERNANDEZ", "KIM", "LOPEZ", "JOHNSON", "MARTINEZ")
        given = ("JOSE", "ANA", "MARIA", "LUIS", "THI", "JOHN", "CARLOS", "ROSA")
        person = {
            "last_name": f"{self.rng.choice(surnames)} {self.rng.choice(surnames)}",
            "first_name": self.rng.choice(given),
            "date_of_birth": (date(1960, 1, 1) + timedelta(days=self.rng.randrange(40 * 365))).isoformat(),
            "sex": self.rng.choice("MF"),
            "a_number": f"A{200_000_000 + n:09d}",
        }
        self.people[f"P{n:04d}"] = person
        return f"P{n:04d}", person

    def detainer(
        self, who: str, person: dict[str, Any], office: str, lodged_with: str | None, *, lodged: datetime
    ) -> str:
        detainer_id = f"{office}-2026-{who}"
        ref = f"{office}/{detainer_id}"
        self.month.feed.append(
            {
                "at": lodged,
                "what": "lodge_detainer",
                "detainer": {
                    "detainer_id": detainer_id,
                    "form": "I-247A",
                    "field_office": office,
                    "person": person,
                    "lodged_with_ori": lodged_with,
                    "issued_at": lodged.isoformat(),
                },
            }
        )
        self.month.detainers.append(DetainerRecord(detainer_ref=ref, field_office=office, lodged_with_ori=lodged_with))
        return ref

    def decide(self, record: AlertRecord, at: datetime, action: str, **fields: Any) -> None:
        """A person's decision on the alert ``record`` stands for (``confirm``, ``reject``, ``resolve``): sent by
        its office at ``at``, naming the alert by its detainer, booking and kind (its id is the service's)."""
        self.month.feed.append(
            {
                "at": at,
                "what": "decide_alert",
                "action": action,
                "field_office": record.field_office,
                "detainer_ref": record.detainer_ref,
                "booking_number": record.booking_number,
                "kind": record.kind.value,
                **fields,
            }
        )

    def lift(self, ref: str, reason: LiftReason, at: datetime) -> None:
        office, detainer_id = ref.split("/")
        self.month.feed.append(
            {
                "at": at,
                "what": "lift_detainer",
                "field_office": office,
                "detainer_id": detainer_id,
                "reason": reason.value,
            }
        )
        self.month.detainers = [
            DetainerRecord(d.detainer_ref, d.field_office, d.lodged_with_ori, at, reason)
            if d.detainer_ref == ref
            else d
            for d in self.month.detainers
        ]

    def event(self, kind: str, facility: Facility, booking: str, at: datetime, n: int, **fields: Any) -> str:
        event_id = f"{booking}-{n}"
        self.month.feed.append(
            {
                "at": at,
                "what": "custody_event",
                "event": {
                    "event_id": event_id,
                    "type": kind,
                    "occurred_at": at.astimezone(facility.clock).isoformat(),
                    "facility_ori": facility.ori,
                    "booking_number": booking,
                    **fields,
                },
            }
        )
        return event_id

    def alert(self, kind: AlertKind, ref: str, facility: Facility, booking: str, at: datetime, **fields: Any) -> None:
        self.month.alerts.append(
            AlertRecord(
                alert_id=f"al_{len(self.month.alerts):05d}",
                kind=kind,
                field_office=ref.split("/")[0],
                detainer_ref=ref,
                facility_ori=facility.ori,
                booking_number=booking,
                occurred_at=at.astimezone(facility.clock),
                **fields,
            )
        )

    def truth(self, ori: str) -> Truth:
        return self.month.truth[ori]

    def count(self, ori: str, figure: str, amount: int = 1, *, total: bool = True) -> None:
        self.truth(ori).add(figure, amount)
        if total:
            self.month.total.add(figure, amount)

    def lead(self, ori: str, hours: float) -> None:
        self.truth(ori).leads.append(hours)
        self.month.total.leads.append(hours)
        for index, (start, end) in enumerate(LEAD_TIME_BINS):
            if hours >= start and (end is None or hours < end):
                self.month.lead_time_bins[index] += 1

    def reason(self, ori: str, into: str, key: str, amount: int = 1) -> None:
        self.truth(ori).add(key, amount, into=into)
        self.month.total.add(key, amount, into=into)


def _day(day: int, hour: float = 12.0) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour)


def synthetic_month(seed: int = 2026) -> SyntheticMonth:
    """The month of November 2026 across five facilities in two states, with its truth."""
    w = _Writer(seed)
    fresno, annex, orange_ca, orange_tx, travis = (FACILITIES[o] for o in FACILITIES)
    felony = [{"statute": "PC 459", "description": "Burglary", "severity": "felony", "ncic_code": "2299"}]
    misdemeanor = [{"statute": "PC 484", "description": "Petty theft", "severity": "misdemeanor"}]

    def matched(
        facility: Facility,
        booked: datetime,
        *,
        office: str | None = None,
        charges: Any = felony,
        in_custody_alert: bool = True,
        lodged_with: str | None = None,
    ) -> tuple[str, str, str]:
        """A person booked at ``facility`` whose detainer matches: (detainer ref, booking number, who)."""
        who, person = w.person()
        ref = w.detainer(
            who, person, office or facility.office, lodged_with or facility.ori, lodged=booked - timedelta(days=20)
        )
        booking = f"B-{who}"
        w.event("booking", facility, booking, booked, 1, person=person, charges=charges)
        if in_custody_alert:
            w.alert(AlertKind.IN_CUSTODY, ref, facility, booking, booked)
        return ref, booking, who

    def keyed_wrong(person: dict[str, Any]) -> dict[str, Any]:
        """The person as a jail booked them with the A-number mistyped: the rest agrees, so a possible match."""
        number = person["a_number"]
        return {**person, "a_number": number[:-1] + str((int(number[-1]) + 1) % 10)}

    def counted_match(ori: str, *, detainers: int = 1, bookings: int = 1, total: bool = True) -> None:
        w.count(ori, "detainers_matched", detainers, total=total)
        w.count(ori, "bookings_matched", bookings, total=total)

    def released_with_notice(
        facility: Facility,
        released: datetime,
        lead_hours: float,
        *,
        booked_days: float = 6,
        in_custody_alert: bool = True,
    ) -> None:
        known = released - timedelta(hours=lead_hours)
        # Booked before the release is scheduled: no jail schedules the release of someone it has not booked.
        booked = min(released - timedelta(days=booked_days), known - timedelta(hours=12))
        ref, booking, _ = matched(facility, booked, in_custody_alert=in_custody_alert)
        w.event(
            "release_scheduled",
            facility,
            booking,
            known,
            2,
            scheduled_release_at=released.astimezone(facility.clock).isoformat(),
            release_reason="bail_posted",
        )
        w.alert(AlertKind.RELEASE_SCHEDULED, ref, facility, booking, known)
        w.event("release", facility, booking, released, 3, release_reason="bail_posted")
        w.alert(
            AlertKind.RELEASED,
            ref,
            facility,
            booking,
            released,
            notice_given=True,
            notice_lead_hours=lead_hours,
            release_reason=ReleaseReason.BAIL_POSTED,
        )
        counted_match(facility.ori)
        w.count(facility.ori, "releases")
        w.count(facility.ori, "releases_with_notice")
        w.lead(facility.ori, lead_hours)
        if lead_hours >= 48:
            w.count(facility.ori, "notice_at_least_48h")

    def released_without_notice(
        facility: Facility,
        released: datetime,
        why: str,
        *,
        reason: str = "bail_posted",
        schedule_withheld_by: str | None = None,
    ) -> str:
        ref, booking, _ = matched(facility, released - timedelta(days=4))
        if reason == ReleaseReason.INFERRED_FROM_ROSTER.value:
            w.month.feed.append(
                {
                    "at": released,
                    "what": "roster",
                    "facility_ori": facility.ori,
                    "as_of": released.isoformat(),
                    "omits": [booking],  # and lists every other booking in custody there
                }
            )
        else:
            if schedule_withheld_by is not None:  # sent the day before, and withheld by the facility's policy
                w.event(
                    "release_scheduled",
                    facility,
                    booking,
                    released - timedelta(days=1),
                    2,
                    scheduled_release_at=released.astimezone(facility.clock).isoformat(),
                    release_reason=reason,
                )
            w.event("release", facility, booking, released, 3, release_reason=reason)
        w.alert(
            AlertKind.RELEASED,
            ref,
            facility,
            booking,
            released,
            notice_given=False,
            release_reason=ReleaseReason(reason),
            schedule_withheld_by=schedule_withheld_by,
        )
        counted_match(facility.ori)
        w.count(facility.ori, "releases")
        w.count(facility.ori, "releases_without_notice")
        if schedule_withheld_by is not None:
            w.reason(facility.ori, "withheld_by_policy", schedule_withheld_by)
        else:
            w.reason(facility.ori, "why_no_notice", why)
        return ref

    # 1. Fresno main jail: in-custody notices withheld by policy (no in_custody alert), release notices for felonies.
    for released, lead in ((_day(3), 72.0), (_day(9, 18), 50.0), (_day(17), 20.0), (_day(25, 6), 100.0)):
        released_with_notice(fresno, released, lead, in_custody_alert=False)
    # ... and a misdemeanour: nothing about it is shared, so no alert: it shows only in what the policy withheld.
    who, person = w.person()
    w.event("booking", fresno, f"B-{who}", _day(5), 1, person=person, charges=misdemeanor)
    w.event("release", fresno, f"B-{who}", _day(7), 2, release_reason="bail_posted")
    for rule, day in (("CA0194200 share.booking", 5), ("CA0194200 share.release", 7)):
        w.month.withheld.append(PolicyWithheldDay(fresno.ori, date(2026, 11, day), rule, 1))
        w.reason(fresno.ori, "events_withheld_by_policy", rule)

    # 2. Orange County, CA: release schedules withheld by its policy, so its releases come without notice, by policy.
    for day in (4, 12, 21):
        released_without_notice(orange_ca, _day(day), "", schedule_withheld_by=SCHEDULE_WITHHELD_RULE)
        w.month.withheld.append(PolicyWithheldDay(orange_ca.ori, date(2026, 11, day - 1), SCHEDULE_WITHHELD_RULE, 1))
        w.reason(orange_ca.ori, "events_withheld_by_policy", SCHEDULE_WITHHELD_RULE)
    #    Two offices' detainers on one person, released with notice: one release, two detainers matched.
    who, person = w.person()
    booking = f"B-{who}"
    refs = [w.detainer(who, person, office, orange_ca.ori, lodged=_day(1)) for office in ("LOS", "SFR")]
    w.event("booking", orange_ca, booking, _day(2), 1, person=person, charges=felony)
    w.event(
        "release_scheduled",
        orange_ca,
        booking,
        _day(13),
        3,
        scheduled_release_at=_day(14).astimezone(orange_ca.clock).isoformat(),
        release_reason="sentence_complete",
    )
    w.month.withheld.append(PolicyWithheldDay(orange_ca.ori, date(2026, 11, 13), SCHEDULE_WITHHELD_RULE, 1))
    w.reason(orange_ca.ori, "events_withheld_by_policy", SCHEDULE_WITHHELD_RULE)
    w.event("release", orange_ca, booking, _day(14), 2, release_reason="sentence_complete")
    for ref in refs:
        w.alert(AlertKind.IN_CUSTODY, ref, orange_ca, booking, _day(2))
        w.alert(
            AlertKind.RELEASED,
            ref,
            orange_ca,
            booking,
            _day(14),
            notice_given=False,
            release_reason=ReleaseReason.SENTENCE_COMPLETE,
            schedule_withheld_by=SCHEDULE_WITHHELD_RULE,
        )
    counted_match(orange_ca.ori, detainers=2)
    w.count(orange_ca.ori, "releases")
    w.count(orange_ca.ori, "releases_without_notice")
    w.reason(orange_ca.ori, "withheld_by_policy", SCHEDULE_WITHHELD_RULE)

    # 3. Orange County, TX (the other Orange): a transfer to Travis, released there with notice. The transfer is
    #    counted where it left; the release, and the person, where they went. One detainer, matched twice.
    ref, booking, who = matched(orange_tx, _day(3))
    w.event("transfer", orange_tx, booking, _day(6), 2, to_facility_ori=travis.ori)
    w.alert(AlertKind.TRANSFERRED, ref, orange_tx, booking, _day(6), to_facility_ori=travis.ori)
    at_travis = f"B-{who}-T"
    w.event("booking", travis, at_travis, _day(6, 20), 1, person=w.people[who], charges=felony)
    w.alert(AlertKind.IN_CUSTODY, ref, travis, at_travis, _day(6, 20))
    w.event(
        "release_scheduled",
        travis,
        at_travis,
        _day(9, 0),
        2,
        scheduled_release_at=_day(10, 6).astimezone(travis.clock).isoformat(),
        release_reason="bail_posted",
    )
    w.alert(AlertKind.RELEASE_SCHEDULED, ref, travis, at_travis, _day(9, 0))  # 30 hours ahead
    w.event("release", travis, at_travis, _day(10, 6), 3, release_reason="bail_posted")
    w.alert(
        AlertKind.RELEASED,
        ref,
        travis,
        at_travis,
        _day(10, 6),
        notice_given=True,
        notice_lead_hours=30.0,
        release_reason=ReleaseReason.BAIL_POSTED,
    )
    counted_match(orange_tx.ori)
    w.count(orange_tx.ori, "transferred")
    counted_match(travis.ori, total=False)
    w.count(travis.ori, "releases")
    w.count(travis.ori, "releases_with_notice")
    w.lead(travis.ori, 30.0)
    w.month.total.add("bookings_matched")  # a second booking; the detainer counts once in the total
    #    ... a release with the reason "transfer" is a transfer, not a release without notice.
    ref, booking, _ = matched(orange_tx, _day(11))
    w.event("release", orange_tx, booking, _day(15), 2, release_reason="transfer")
    w.alert(
        AlertKind.RELEASED, ref, orange_tx, booking, _day(15), notice_given=False, release_reason=ReleaseReason.TRANSFER
    )
    counted_match(orange_tx.ori)
    w.count(orange_tx.ori, "transferred")
    #    ... a release nobody scheduled.
    released_without_notice(orange_tx, _day(19), "no_schedule_reported")
    #    ... and a match a duty officer found was not the person: it counts nowhere.
    matched(orange_tx, _day(20))
    wrong = w.month.alerts.pop()
    w.month.alerts.append(replace(wrong, outcome=AlertOutcome.NOT_THE_PERSON, resolved_at=_day(20, 15)))
    w.decide(wrong, _day(20, 15), "resolve", outcome=AlertOutcome.NOT_THE_PERSON.value)

    # 4. The north annex (county policy: everything but juveniles): a transfer to Orange CA and custody assumed
    #    there; a detainer declined while the person was held; a release found only by the roster.
    ref, booking, who = matched(annex, _day(2))
    w.event("transfer", annex, booking, _day(8), 2, to_facility_ori=orange_ca.ori)
    left_the_annex = booking
    w.alert(AlertKind.TRANSFERRED, ref, annex, booking, _day(8), to_facility_ori=orange_ca.ori)
    w.lift(ref, LiftReason.CUSTODY_ASSUMED, _day(9))
    counted_match(annex.ori)
    w.count(annex.ori, "transferred")
    w.count(orange_ca.ori, "custody_assumed")
    w.reason(orange_ca.ori, "detainers_lifted", LiftReason.CUSTODY_ASSUMED.value)
    ref, _, _ = matched(annex, _day(10))
    w.lift(ref, LiftReason.DECLINED_BY_AGENCY, _day(13))
    counted_match(annex.ori)
    w.reason(annex.ori, "detainers_lifted", LiftReason.DECLINED_BY_AGENCY.value)
    released_without_notice(annex, _day(22, 14), "roster_inferred", reason="inferred_from_roster")
    #    ... the roster also lists two bookings the feed never sent and one transferred out weeks before.
    roster = next(item for item in w.month.feed if item["what"] == "roster")
    roster["also_lists"] = ["B-NEVER-SENT-1", "B-NEVER-SENT-2", left_the_annex]
    w.month.rosters.append(
        RosterFinding(annex.ori, _day(22, 14), unknown=2, listed_after_leaving=1, inferred_releases=1)
    )
    w.truth(annex.ori).feed["roster_discrepancies"] += 3
    w.month.total.feed["roster_discrepancies"] += 3
    #    Custody assumed at release (the office came for the person): counted once though both say so.
    ref, booking, _ = matched(annex, _day(15))
    w.event(
        "release_scheduled",
        annex,
        booking,
        _day(16),
        2,
        scheduled_release_at=_day(18).astimezone(annex.clock).isoformat(),
        release_reason="other",
    )
    w.alert(AlertKind.RELEASE_SCHEDULED, ref, annex, booking, _day(16))
    w.event("release", annex, booking, _day(18), 3, release_reason="other")
    w.alert(
        AlertKind.RELEASED,
        ref,
        annex,
        booking,
        _day(18),
        notice_given=True,
        notice_lead_hours=48.0,
        release_reason=ReleaseReason.OTHER,
        outcome=AlertOutcome.CUSTODY_ASSUMED,
        resolved_at=_day(18, 14),
    )
    w.lift(ref, LiftReason.CUSTODY_ASSUMED, _day(18, 15))  # hours after the release (noon)
    counted_match(annex.ori)
    w.count(annex.ori, "releases")
    w.count(annex.ori, "releases_with_notice")
    w.count(annex.ori, "notice_at_least_48h")
    w.lead(annex.ori, 48.0)
    w.count(annex.ori, "custody_assumed")
    w.reason(annex.ori, "detainers_lifted", LiftReason.CUSTODY_ASSUMED.value)

    # 5. Travis: a feed silent for 60 hours, a release during it (reported late: no notice, the feed's fault),
    #    a surge an operator discarded as a data error (its releases count nowhere), a possible match rejected.
    silence = FeedSilence(travis.ori, _day(12, 0), _day(14, 12))
    w.month.silences.append(silence)
    w.truth(travis.ori).feed["hours_silent"] += 60.0
    w.month.total.feed["hours_silent"] += 60.0
    released_without_notice(travis, _day(13, 3), "feed_silent")
    w.month.holds.append(SurgeHold(travis.ori, _day(24, 5), "discard"))
    w.truth(travis.ori).feed["surges_held"] += 1
    w.month.total.feed["surges_held"] += 1
    for _ in range(3):
        ref, booking, _ = matched(travis, _day(23))
        w.alert(
            AlertKind.RELEASED,
            ref,
            travis,
            booking,
            _day(24, 5),
            notice_given=False,
            discarded=True,
            release_reason=ReleaseReason.BAIL_POSTED,
        )
        counted_match(travis.ori)
    who, person = w.person()
    ref = w.detainer(who, person, "HOU", None, lodged=_day(1))
    w.event("booking", travis, f"B-{who}", _day(16), 1, person=keyed_wrong(person), charges=felony)
    w.alert(
        AlertKind.POSSIBLE_MATCH,
        ref,
        travis,
        f"B-{who}",
        _day(16),
        review=ReviewDecision.REJECTED,
        reviewed_at=_day(16, 15),
    )
    w.decide(w.month.alerts[-1], _day(16, 15), "reject")
    w.count(travis.ori, "possible_matches_rejected")
    #    Orange CA: a possible match confirmed (its match alerts follow).
    who, person = w.person()
    ref = w.detainer(who, person, "LOS", orange_ca.ori, lodged=_day(1))
    w.event("booking", orange_ca, f"B-{who}", _day(26), 1, person=keyed_wrong(person), charges=felony)
    w.alert(
        AlertKind.POSSIBLE_MATCH,
        ref,
        orange_ca,
        f"B-{who}",
        _day(26),
        review=ReviewDecision.CONFIRMED,
        reviewed_at=_day(26, 13),
    )
    w.decide(w.month.alerts[-1], _day(26, 13), "confirm")
    w.alert(AlertKind.IN_CUSTODY, ref, orange_ca, f"B-{who}", _day(26))
    w.count(orange_ca.ori, "possible_matches_confirmed")
    counted_match(orange_ca.ori)

    # 6. Detainers never matched: lodged with Orange CA and declined there; lodged with no facility and cancelled.
    who, person = w.person()
    w.lift(w.detainer(who, person, "LOS", orange_ca.ori, lodged=_day(2)), LiftReason.DECLINED_BY_AGENCY, _day(5))
    w.reason(orange_ca.ori, "detainers_lifted", LiftReason.DECLINED_BY_AGENCY.value)
    who, person = w.person()
    w.lift(w.detainer(who, person, "HOU", None, lodged=_day(2)), LiftReason.CANCELLED, _day(6))
    w.month.unattributed_detainers_lifted[LiftReason.CANCELLED.value] = 1

    # 7. The month's edges at the facility's own clock: 23:30 on October 31 in California is November 1 in UTC
    #    (October's); 23:30 on November 30 is December 1 in UTC (November's).
    ref, booking, _ = matched(fresno, datetime(2026, 10, 20, 12, tzinfo=UTC), in_custody_alert=False)
    october = datetime(2026, 10, 31, 23, 30, tzinfo=PACIFIC)
    w.alert(AlertKind.RELEASE_SCHEDULED, ref, fresno, booking, october - timedelta(hours=60))
    w.alert(
        AlertKind.RELEASED,
        ref,
        fresno,
        booking,
        october,
        notice_given=True,
        notice_lead_hours=60.0,
        release_reason=ReleaseReason.BAIL_POSTED,
    )
    released_with_notice(annex, datetime(2026, 11, 30, 23, 30, tzinfo=PACIFIC), 90.0)

    # 8. A month of ordinary days: more releases with notice (various leads) and without, at every facility.
    for _ in range(24):
        facility = w.rng.choice([annex, orange_tx, travis, orange_tx])
        released = _day(w.rng.randint(2, 28), w.rng.uniform(0, 23))
        if silence.start <= released <= silence.end:
            released += timedelta(days=4)  # keep the silent spell to the one release it is about
        if w.rng.random() < 0.75:
            released_with_notice(facility, released, round(w.rng.choice((2, 6, 18, 30, 47.9, 52, 80, 150, 200)), 1))
        else:
            released_without_notice(facility, released, "no_schedule_reported")

    # 9. Feed quality: events refused and events accepted days late, some days at some facilities.
    def quality(facility: Facility, day: date, rejected: int, late: int) -> None:
        """Sent at noon (UTC) that day: ``rejected`` events intake refuses, ``late`` that happened two days
        before and raise no alert (nobody's detainer; a transfer where the policy shares transfers of any
        booking, a booking of an adult elsewhere)."""
        w.month.feed_days.append(FeedDay(facility.ori, day, rejected, late))
        sent = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        for n in range(rejected):
            refused = {"event_id": f"Q-{day:%m%d}-R{n}", "type": "booking", "facility_ori": facility.ori}
            w.month.feed.append({"at": sent, "what": "refused_event", "event": {**refused, "occurred_at": "noon"}})
        for n in range(late):
            if facility in (fresno, orange_ca):
                fields: dict[str, Any] = {"type": "transfer", "to_facility_ori": "CA0370000"}
            else:
                person = {"last_name": "LATEFILED", "first_name": "NOBODY", "date_of_birth": "1950-01-01", "sex": "M"}
                fields = {"type": "booking", "person": person, "charges": felony}
            event = {
                "event_id": f"Q-{day:%m%d}-L{n}",
                "occurred_at": (sent - timedelta(days=2)).astimezone(facility.clock).isoformat(),
                "facility_ori": facility.ori,
                "booking_number": f"Q-{day:%m%d}-L{n}",
                **fields,
            }
            w.month.feed.append({"at": sent, "what": "custody_event", "event": event})

    for facility in FACILITIES.values():
        for day in range(1, 31, 7):
            rejected, late = w.rng.randint(0, 5), w.rng.randint(0, 3)
            quality(facility, date(2026, 11, day), rejected, late)
            for figure, amount in (("events_rejected", rejected), ("events_accepted_late", late)):
                w.truth(facility.ori).feed[figure] += amount
                w.month.total.feed[figure] += amount
        quality(facility, date(2026, 10, 31), 9, 9)  # October's: not counted

    w.month.feed.sort(key=lambda item: item["at"])
    return w.month
