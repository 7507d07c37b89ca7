"""What follows an alert, as rules: which reminders and escalations it gets, and what each does when it is due."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contracts import Alert, AlertKind, AlertStatus, AlertTrigger, MatchDecision, MatchEvidence
from notifier.domain.alert_rules import alert_conditions, build_alert
from notifier.domain.schedule import (
    Job,
    JobKind,
    SchedulePolicy,
    describe_duration,
    job_ids_of,
    jobs_for,
    marker_seconds,
    parse_durations,
    what_a_job_does,
)
from tests.unit.notifier.builders import active_detainer, at, event, fold

RELEASE_AT = at("2026-11-24T09:00:00-08:00")  # samples.release_scheduled
RAISED_AT = at("2026-11-21T10:00:00-08:00")
POLICY = SchedulePolicy()
EVIDENCE = MatchEvidence(decision=MatchDecision.MATCH, rule="identifier")


def _alert(kind: AlertKind, raised_at: datetime = RAISED_AT) -> Alert:
    state = fold(event("booking"), event("release_scheduled"))
    (condition,) = [c for c in alert_conditions(state, every_schedule_seen=True) if c.kind is kind]
    return build_alert(
        condition,
        state,
        active_detainer(),
        EVIDENCE,
        trigger=AlertTrigger.CUSTODY_EVENT,
        event_id="evt-0003",
        raised_at=raised_at,
    )


def _of(jobs: list[Job], kind: JobKind) -> list[Job]:
    return [job for job in jobs if job.kind is kind]


def test_lead_times_are_written_with_units() -> None:
    assert parse_durations("72h,48h,24h,4h") == (259200, 172800, 86400, 14400)
    assert parse_durations("30s, 2m,1d") == (86400, 120, 30)
    with pytest.raises(ValueError, match="not a duration"):
        parse_durations("soon")


def test_a_release_schedule_gets_a_reminder_at_each_lead_not_passed_yet_and_a_release_check() -> None:
    now = RELEASE_AT - timedelta(hours=30)  # the 72 h and 48 h reminders are past already

    jobs = jobs_for(_alert(AlertKind.RELEASE_SCHEDULED), now, POLICY)

    assert [job.due_at for job in _of(jobs, JobKind.REMINDER)] == [
        RELEASE_AT - timedelta(hours=24),
        RELEASE_AT - timedelta(hours=4),
    ]
    assert [job.due_at for job in _of(jobs, JobKind.RELEASE_CHECK)] == [RELEASE_AT + timedelta(hours=1)]


def test_escalations_come_a_window_apart_sooner_when_the_release_is_close() -> None:
    release_far = _alert(AlertKind.RELEASE_SCHEDULED)  # raised 71 h before the release: not close
    in_custody = _alert(AlertKind.IN_CUSTODY)
    urgent = _alert(AlertKind.RELEASE_SCHEDULED, raised_at=RELEASE_AT - timedelta(hours=10))

    def escalations(alert: Alert) -> list[datetime]:
        return [job.due_at for job in _of(jobs_for(alert, alert.raised_at, POLICY), JobKind.ESCALATION)]

    assert escalations(in_custody) == [RAISED_AT + timedelta(hours=1), RAISED_AT + timedelta(hours=2)]
    assert escalations(release_far) == [RAISED_AT + timedelta(hours=1), RAISED_AT + timedelta(hours=2)]
    assert escalations(urgent) == [urgent.raised_at + timedelta(minutes=15), urgent.raised_at + timedelta(minutes=30)]


def test_an_alert_no_longer_open_is_planned_nothing() -> None:
    acknowledged = _alert(AlertKind.IN_CUSTODY).model_copy(update={"status": AlertStatus.ACKNOWLEDGED})

    assert jobs_for(acknowledged, RAISED_AT, POLICY) == []


def test_closing_an_alert_withdraws_every_job_the_policy_may_have_planned_whether_due_or_not() -> None:
    alert = _alert(AlertKind.RELEASE_SCHEDULED)
    planned = {job.job_id for job in jobs_for(alert, RELEASE_AT - timedelta(hours=100), POLICY)}

    assert planned == set(job_ids_of(alert, POLICY))
    assert f"{alert.alert_id}|reminder|72h" in planned


def test_the_planned_marker_outlives_the_last_job_by_a_week() -> None:
    jobs = jobs_for(_alert(AlertKind.RELEASE_SCHEDULED), RAISED_AT, POLICY)
    last = max(job.due_at for job in jobs)

    assert marker_seconds(jobs, RAISED_AT) == int((last - RAISED_AT + timedelta(days=7)).total_seconds())
    assert describe_duration(4 * 3600) == "4h"
    assert describe_duration(90) == "90s"


def _reminder(alert: Alert) -> Job:
    (four_hours,) = [job for job in jobs_for(alert, RAISED_AT, POLICY) if job.job_id.endswith("|reminder|4h")]
    return four_hours


def test_a_due_reminder_goes_out_while_the_release_still_stands_with_its_step_and_notice() -> None:
    alert = _alert(AlertKind.RELEASE_SCHEDULED)
    due = RELEASE_AT - timedelta(hours=4)

    after, notice = what_a_job_does(_reminder(alert), alert, due, release_pending=RELEASE_AT, detainer_active=True)

    assert after is not None
    assert notice is not None
    assert (after.timeline[-1].what.value, after.timeline[-1].detail) == ("reminded", "4h before release")
    assert (notice.type, notice.lead_seconds) == ("alert_reminded", 4 * 3600)


@pytest.mark.parametrize(
    ("release_pending", "detainer_active", "at_time"),
    [
        pytest.param(RELEASE_AT + timedelta(days=1), True, RELEASE_AT - timedelta(hours=4), id="rescheduled"),
        pytest.param(None, True, RELEASE_AT - timedelta(hours=4), id="released-or-cancelled"),
        pytest.param(RELEASE_AT, False, RELEASE_AT - timedelta(hours=4), id="detainer-lifted"),
        pytest.param(RELEASE_AT, True, RELEASE_AT + timedelta(minutes=1), id="after-the-release"),
    ],
)
def test_a_due_reminder_no_longer_called_for_is_dropped(
    release_pending: datetime | None, detainer_active: bool, at_time: datetime
) -> None:
    alert = _alert(AlertKind.RELEASE_SCHEDULED)

    outcome = what_a_job_does(
        _reminder(alert), alert, at_time, release_pending=release_pending, detainer_active=detainer_active
    )

    assert outcome == (None, None)


def test_an_escalation_goes_out_while_the_alert_is_open_and_stops_once_acknowledged_resolved_or_lifted() -> None:
    alert = _alert(AlertKind.IN_CUSTODY)
    (first, _) = _of(jobs_for(alert, RAISED_AT, POLICY), JobKind.ESCALATION)
    due = first.due_at

    after, notice = what_a_job_does(first, alert, due, release_pending=None, detainer_active=True)

    assert after is not None
    assert notice is not None
    assert (after.escalation_level, notice.type, notice.level) == (1, "alert_escalated", 1)
    for status in (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED):
        moved_on = alert.model_copy(update={"status": status})
        assert what_a_job_does(first, moved_on, due, release_pending=None, detainer_active=True) == (None, None)
    assert what_a_job_does(first, None, due, release_pending=None, detainer_active=True) == (None, None)
    # The office lifted its detainer: nothing left to act on, so no one is paged about it.
    assert what_a_job_does(first, alert, due, release_pending=None, detainer_active=False) == (None, None)


def test_an_in_custody_alerts_escalation_stops_once_the_person_left_but_a_released_alerts_goes_out() -> None:
    in_custody = _alert(AlertKind.IN_CUSTODY)
    released = in_custody.model_copy(update={"kind": AlertKind.RELEASED, "alert_id": "al_released"})
    (first, _) = _of(jobs_for(in_custody, RAISED_AT, POLICY), JobKind.ESCALATION)
    (of_release, _) = _of(jobs_for(released, RAISED_AT, POLICY), JobKind.ESCALATION)

    stopped = what_a_job_does(
        first, in_custody, first.due_at, release_pending=None, detainer_active=True, left_custody=True
    )
    paged = what_a_job_does(
        of_release, released, of_release.due_at, release_pending=None, detainer_active=True, left_custody=True
    )

    assert stopped == (None, None)
    assert paged[1] is not None
    assert paged[1].type == "alert_escalated"
