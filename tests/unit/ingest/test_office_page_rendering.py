"""The office page's HTML and the live feed's event text, without I/O."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    AlertStep,
    AlertTrigger,
    FieldAgreement,
    MatchDecision,
    MatchEvidence,
    Person,
    ReleaseReason,
    ReleaseStatus,
    Sex,
    TimelineEntry,
)
from ingest.live.sse import sse_event
from ingest.offices.page import PageFilters, render_office_page, render_sign_in
from ingest.stories.story import tell_story

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def alert_named(last_name: str, *, kind: AlertKind = AlertKind.RELEASE_SCHEDULED, **fields: Any) -> Alert:
    # Built without validation: the page escapes whatever reaches it, not only what the contract admits.
    person = Person.model_construct(
        last_name=last_name, first_name="JOSE", date_of_birth=date(1990, 4, 17), sex=Sex.MALE
    )
    values: dict[str, Any] = {
        "alert_id": f"al_{kind.value}",
        "kind": kind,
        "field_office": "LOS",
        "detainer_id": "LOS-1",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "raised_at": NOW,
        "occurred_at": NOW,
        "trigger": AlertTrigger.CUSTODY_EVENT,
        "story_id": "st_1",
        "scheduled_release_at": NOW + timedelta(hours=5) if kind is AlertKind.RELEASE_SCHEDULED else None,
        "release_status": ReleaseStatus.SCHEDULED if kind is AlertKind.RELEASE_SCHEDULED else None,
        "released_at": NOW if kind is AlertKind.RELEASED else None,
        "person": person,
        "match": MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
    }
    return Alert(**{**values, **fields})


def page_of(*alerts: Alert, subjects: dict[str, Person] | None = None) -> str:
    story = tell_story("st_1", alerts, now=NOW)
    return render_office_page("LOS", [story], subjects=subjects or {}, since="0-0", signed_in_by_cookie=False, now=NOW)


def test_a_name_holding_markup_is_rendered_as_text() -> None:
    page = page_of(alert_named('<script>alert("x")</script>'))

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, JOSE" in page


def test_a_scheduled_release_heads_the_row_with_a_countdown_and_a_release_says_how_long_ago() -> None:
    scheduled = page_of(alert_named("GARCIA"))
    released = page_of(
        alert_named("GARCIA", kind=AlertKind.RELEASED, released_at=NOW - timedelta(hours=3), notice_given=False)
    )

    assert '<time class="countdown" datetime="2026-11-22T17:00:00+00:00"' in scheduled
    assert "release in 5 h" in scheduled
    assert "countdown" not in released
    assert "released 3 h ago, without notice" in released


def test_a_release_well_before_the_time_announced_says_so_beside_its_notice() -> None:
    released = page_of(
        alert_named(
            "GARCIA",
            kind=AlertKind.RELEASED,
            released_at=NOW - timedelta(hours=3),
            notice_given=True,
            notice_lead_hours=29.0,
            released_early_hours=42.0,
        )
    )

    assert "released 3 h ago, with notice, 42 h before the announced time" in released


def test_a_release_to_another_custody_reads_as_a_transfer_not_a_release_without_notice() -> None:
    """A release whose reason is a transfer, with no transfer event to name where to: the person is in someone's
    custody and the detainer follows them; no notice was owed, and the outcome report counts it as a transfer."""
    page = page_of(
        alert_named(
            "GARCIA",
            kind=AlertKind.RELEASED,
            released_at=NOW - timedelta(hours=3),
            release_reason=ReleaseReason.TRANSFER,
            notice_given=False,
            released_without_notice=True,
        )
    )

    assert "transferred out of CA0194200 3 h ago, destination not reported" in page
    assert "without notice" not in page
    assert "transferred out <time" in page  # the alert's own line too
    assert 'class="state transferred"' in page


def test_a_release_releasewatch_withdrew_reads_as_no_release_and_the_person_as_in_custody() -> None:
    """A release inferred from a roster the facility's later facts withdrew: the person was still held."""
    withdrawn = TimelineEntry(
        at=NOW - timedelta(hours=1),
        what=AlertStep.RELEASE_WITHDRAWN,
        detail="still held at CA0194200 at 2026-11-22 11:00 UTC: the release inferred from its roster of "
        "2026-11-22 09:00 UTC withdrawn",
    )
    page = page_of(
        alert_named("GARCIA", kind=AlertKind.IN_CUSTODY, occurred_at=NOW - timedelta(days=2)),
        alert_named(
            "GARCIA",
            kind=AlertKind.RELEASED,
            released_at=NOW - timedelta(hours=3),
            release_reason=ReleaseReason.INFERRED_FROM_ROSTER,
            notice_given=False,
            released_without_notice=True,
            status=AlertStatus.RESOLVED,
            outcome=AlertOutcome.RELEASE_SUPERSEDED,
            timeline=(withdrawn,),
        ),
    )

    assert "not released: still held at CA0194200 at 2026-11-22 11:00 UTC" in page
    assert "released 3 h ago" not in page
    assert "without notice" not in page
    assert 'class="state in_custody"' in page


def test_an_in_custody_alert_raised_once_the_person_had_left_says_when_they_left() -> None:
    """A detainer lodged after the release: the booking's alert is raised beside the released one, and its own
    line says the person left, not only that they were booked."""
    left = NOW - timedelta(hours=3)
    page = page_of(
        alert_named("GARCIA", kind=AlertKind.IN_CUSTODY, occurred_at=NOW - timedelta(days=2), left_custody_at=left),
        alert_named("GARCIA", kind=AlertKind.RELEASED, occurred_at=left, released_at=left, notice_given=False),
    )

    assert re.search(
        r"booked <time[^>]*>2026-11-20 12:00 UTC</time>, left custody <time[^>]*>2026-11-22 09:00 UTC", page
    )


def test_a_possible_match_releasewatch_withdrew_offers_no_confirm_or_reject() -> None:
    """The facility corrected the person booked: the possible match is about someone else, and confirming it would
    raise alerts about them."""
    withdrawn = alert_named(
        "SMITH",
        kind=AlertKind.POSSIBLE_MATCH,
        status=AlertStatus.RESOLVED,
        outcome=AlertOutcome.NOT_THE_PERSON,
        resolved_at=NOW,
        match=MatchEvidence(decision=MatchDecision.POSSIBLE_MATCH, rule="score"),
    )

    page = page_of(withdrawn)

    assert 'class="confirm"' not in page
    assert 'class="reject"' not in page


def test_a_release_withdrawn_once_the_transfer_it_followed_arrived_does_not_read_as_a_release() -> None:
    """The facility closed the booking it had moved with a release, which reached releasewatch before the transfer:
    its released alert was withdrawn; its own line must not say the person was released without notice."""
    moved_at, closed_at = NOW - timedelta(hours=4), NOW - timedelta(hours=3)
    withdrawn = alert_named(
        "GARCIA",
        kind=AlertKind.RELEASED,
        occurred_at=closed_at,
        released_at=closed_at,
        release_reason=ReleaseReason.OTHER,
        notice_given=False,
        released_without_notice=True,
        status=AlertStatus.RESOLVED,
        outcome=AlertOutcome.RELEASE_SUPERSEDED,
        resolved_at=NOW,
        timeline=(
            TimelineEntry(
                at=NOW,
                what=AlertStep.RELEASE_CANCELLED,
                detail="transferred to CA0190000 before the release: no release from custody",
            ),
        ),
    )
    transferred = alert_named("GARCIA", kind=AlertKind.TRANSFERRED, occurred_at=moved_at, to_facility_ori="CA0190000")

    page = page_of(withdrawn, transferred)

    assert "without notice" not in page
    assert "not released: transferred to CA0190000 before the release" in page


def test_a_release_inferred_from_a_roster_reads_as_missing_from_it_on_its_line() -> None:
    inferred = alert_named(
        "GARCIA",
        kind=AlertKind.RELEASED,
        released_at=NOW - timedelta(hours=3),
        release_reason=ReleaseReason.INFERRED_FROM_ROSTER,
        notice_given=False,
        released_without_notice=True,
    )

    page = page_of(inferred)

    assert re.search(r"missing from the roster of <time[^>]*>2026-11-22 09:00 UTC</time>: left by then", page)
    assert "released <time" not in page


def test_a_persons_alerts_are_one_row_with_every_alert_inside_it() -> None:
    page = page_of(
        alert_named("GARCIA", kind=AlertKind.IN_CUSTODY, occurred_at=NOW - timedelta(days=1)),
        alert_named("GARCIA"),
    )

    assert page.count('<details id="story-st_1"') == 1
    assert page.count('<li id="alert-al_') == 2


def test_a_possible_match_shows_both_records_side_by_side_with_confirm_and_reject() -> None:
    lodged = Person(last_name="GARCIA", first_name="JOSE", date_of_birth=date(1990, 4, 17), sex=Sex.MALE)
    suggestion = alert_named(
        "GARCIA",
        kind=AlertKind.POSSIBLE_MATCH,
        person=lodged.model_copy(update={"date_of_birth": date(1990, 4, 18)}),
        match=MatchEvidence(
            decision=MatchDecision.POSSIBLE_MATCH,
            rule="score",
            score=12.5,
            fields=(FieldAgreement(field="date_of_birth", level="day_or_month_typo", weight=2.0),),
        ),
    )

    page = page_of(suggestion, subjects={"LOS-1": lodged})

    assert '<tr class="differs"><th>date of birth</th><td>1990-04-17</td><td>1990-04-18</td></tr>' in page
    assert "<td>date_of_birth</td><td>day_or_month_typo</td><td>+2.0</td>" in page
    assert 'class="confirm" data-alert-id="al_possible_match">Confirm<' in page
    assert 'class="reject" data-alert-id="al_possible_match">Reject<' in page
    assert 'class="resolve"' not in page  # decided by confirm or reject, so the decision is remembered


def test_a_release_schedule_that_stopped_standing_says_so_and_offers_nothing_to_do() -> None:
    cancelled = alert_named(
        "GARCIA",
        status=AlertStatus.RESOLVED,
        release_status=ReleaseStatus.CANCELLED,
        outcome=AlertOutcome.RELEASE_SUPERSEDED,
    )
    booked = alert_named("GARCIA", kind=AlertKind.IN_CUSTODY, occurred_at=NOW - timedelta(days=1))

    page = page_of(booked, cancelled)

    assert "countdown" not in page
    assert "in custody at CA0194200 since 2026-11-21 12:00 UTC" in page
    assert '<span class="release-status rs-cancelled">cancelled</span>' in page
    assert "(release superseded, by releasewatch)" in page


def test_filters_hide_the_rows_they_do_not_admit() -> None:
    booked = alert_named("GARCIA", kind=AlertKind.IN_CUSTODY, status=AlertStatus.RESOLVED)
    story = tell_story("st_1", [booked], now=NOW)

    shown = render_office_page("LOS", [story], subjects={}, since="0-0", signed_in_by_cookie=False, now=NOW)
    filtered = render_office_page(
        "LOS",
        [story],
        subjects={},
        since="0-0",
        signed_in_by_cookie=False,
        now=NOW,
        filters=PageFilters(open_only=True),
    )

    assert re.search(r'<details id="story-st_1" [^>]*data-review="0"[^>]*>', shown)
    assert not re.search(r'<details id="story-st_1" [^>]* hidden>', shown)
    assert re.search(r'<details id="story-st_1" [^>]*data-review="0"[^>]* hidden>', filtered)
    assert 'name="open" value="1" checked' in filtered


def test_the_sign_in_form_escapes_its_message() -> None:
    form = render_sign_in("LOS", message="<b>no</b>")

    assert "&lt;b&gt;no&lt;/b&gt;" in form
    assert 'type="password"' in form


def test_an_event_keeps_every_line_of_its_data_in_data_fields() -> None:
    text = sse_event(event_id="1-0", event="alert_raised", data='{"a":\n1}')

    assert text == 'id: 1-0\nevent: alert_raised\ndata: {"a":\ndata: 1}\n\n'


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the script's syntax is not checked")
def test_the_pages_script_parses() -> None:
    script = Path(__file__).parents[3] / "services" / "ingest" / "offices" / "assets" / "office.js"

    checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=60, check=False)

    assert checked.returncode == 0, checked.stderr


def _story_of(story_id: str, last_name: str, **fields: Any) -> Any:
    alert = alert_named(last_name, alert_id=f"al_{story_id}", story_id=story_id, detainer_id=story_id, **fields)
    return tell_story(story_id, [alert], now=NOW)


def test_people_are_listed_most_urgent_first_not_by_when_something_last_happened() -> None:
    acknowledged = {"status": AlertStatus.ACKNOWLEDGED}
    stories = [
        _story_of(
            "released-long-ago", "A", kind=AlertKind.RELEASED, released_at=NOW - timedelta(days=2), **acknowledged
        ),
        _story_of("release-in-3-days", "B", scheduled_release_at=NOW + timedelta(days=3), **acknowledged),
        _story_of("new-in-custody", "C", kind=AlertKind.IN_CUSTODY, raised_at=NOW - timedelta(minutes=5)),
        _story_of("release-in-5-h", "D", scheduled_release_at=NOW + timedelta(hours=5), **acknowledged),
        _story_of("overdue", "E", scheduled_release_at=NOW - timedelta(minutes=20), **acknowledged),
        _story_of("older-in-custody", "F", kind=AlertKind.IN_CUSTODY, raised_at=NOW - timedelta(hours=5)),
    ]

    page = render_office_page("LOS", stories, subjects={}, since="0-0", signed_in_by_cookie=False, now=NOW)

    order = re.findall(r'data-story-id="([^"]+)"', page)
    assert order == [
        "overdue",  # a release time gone by, no release reported yet: the desk calls the jail now
        "release-in-5-h",
        "new-in-custody",  # nobody has acknowledged these yet, latest first
        "older-in-custody",
        "release-in-3-days",
        "released-long-ago",
    ]
    urgencies = re.findall(r'data-urgency="([^"]+)"', page)
    assert urgencies == sorted(urgencies)  # the script places live rows by the same key
