"""The office page's HTML and the live feed's event text, without I/O."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from contracts import Alert, AlertKind, AlertTrigger, MatchDecision, MatchEvidence, Person, Sex
from ingest.live.sse import sse_event
from ingest.offices.page import render_office_page, render_sign_in

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def alert_named(last_name: str, *, kind: AlertKind = AlertKind.RELEASE_SCHEDULED) -> Alert:
    # Built without validation: the page escapes whatever reaches it, not only what the contract admits.
    person = Person.model_construct(
        last_name=last_name, first_name="JOSE", date_of_birth=date(1990, 4, 17), sex=Sex.MALE
    )
    return Alert(
        alert_id="al_1",
        kind=kind,
        field_office="LOS",
        detainer_id="LOS-1",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=NOW,
        occurred_at=NOW,
        trigger=AlertTrigger.CUSTODY_EVENT,
        scheduled_release_at=NOW + timedelta(hours=5) if kind is AlertKind.RELEASE_SCHEDULED else None,
        released_at=NOW if kind is AlertKind.RELEASED else None,
        person=person,
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
    )


def test_a_name_holding_markup_is_rendered_as_text() -> None:
    page = render_office_page(
        "LOS", [alert_named('<script>alert("x")</script>')], since="0-0", signed_in_by_cookie=False
    )

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, JOSE" in page


def test_a_scheduled_release_gets_a_countdown_and_a_release_says_released() -> None:
    scheduled = render_office_page("LOS", [alert_named("GARCIA")], since="0-0", signed_in_by_cookie=False)
    released = render_office_page(
        "LOS", [alert_named("GARCIA", kind=AlertKind.RELEASED)], since="0-0", signed_in_by_cookie=False
    )

    assert '<time class="countdown" datetime="2026-11-22T17:00:00+00:00"' in scheduled
    assert "countdown" not in released
    assert '<span class="state released">released <time datetime="2026-11-22T12:00:00+00:00">' in released


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
