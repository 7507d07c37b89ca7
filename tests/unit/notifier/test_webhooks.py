"""Webhooks, without I/O: configuration, routing, signing, what an answer means, and the backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts import Alert, AlertKind, AlertNotice, AlertRaised, AlertTrigger, MatchDecision, MatchEvidence
from notifier.delivery.webhooks import (
    DeliveryVerdict,
    backoff_seconds,
    parse_webhooks,
    sign,
    timeline_detail,
    verdict_for_status,
    webhook_request,
)
from notifier.settings import NotifierSettings
from tests.unit.notifier.builders import at

SECRET = "a-secret-of-more-than-16"
WEBHOOKS = {
    "LOS": {"url": "https://los.example/hook", "secret": SECRET, "escalation_url": "https://los.example/duty"},
    "NYC": {"url": "https://nyc.example/hook", "secret": "another-secret-0123456"},
}


def an_alert() -> Alert:
    return Alert(
        alert_id="al_1",
        kind=AlertKind.IN_CUSTODY,
        field_office="LOS",
        detainer_id="LOS-2026-000871",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=at("2026-11-25T12:00:00+00:00"),
        occurred_at=at("2026-11-25T11:00:00+00:00"),
        trigger=AlertTrigger.CUSTODY_EVENT,
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
    )


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body_with_the_secret() -> None:
    body = b'{"type":"alert_raised"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()

    assert sign(SECRET, 1_700_000_000, body) == f"sha256={expected}"


def test_an_escalation_goes_to_the_escalation_url_and_everything_else_to_the_url() -> None:
    offices = parse_webhooks(json.dumps(WEBHOOKS))
    alert = an_alert()
    body = b"{}"

    raised = webhook_request(offices["LOS"], AlertRaised(alert=alert), body, delivery_id="1-0", timestamp=1)
    escalated = webhook_request(
        offices["LOS"], AlertNotice(type="alert_escalated", alert=alert, level=1), body, delivery_id="2-0", timestamp=1
    )
    without_duty_url = webhook_request(
        offices["NYC"], AlertNotice(type="alert_escalated", alert=alert, level=1), body, delivery_id="3-0", timestamp=1
    )

    assert raised.url == "https://los.example/hook"
    assert escalated.url == "https://los.example/duty"
    assert without_duty_url.url == "https://nyc.example/hook"
    assert escalated.headers["X-Releasewatch-Event"] == "alert_escalated"
    assert escalated.headers["X-Releasewatch-Delivery"] == "2-0"
    assert escalated.headers["X-Releasewatch-Signature"] == sign(SECRET, 1, body)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, DeliveryVerdict.DELIVERED),
        (204, DeliveryVerdict.DELIVERED),
        (408, DeliveryVerdict.RETRY),
        (429, DeliveryVerdict.RETRY),
        (500, DeliveryVerdict.RETRY),
        (503, DeliveryVerdict.RETRY),
        (301, DeliveryVerdict.REFUSED),
        (400, DeliveryVerdict.REFUSED),
        (401, DeliveryVerdict.REFUSED),
        (410, DeliveryVerdict.REFUSED),
    ],
)
def test_what_an_answer_means(status: int, verdict: DeliveryVerdict) -> None:
    assert verdict_for_status(status) is verdict


def test_the_backoff_doubles_per_attempt_up_to_the_cap() -> None:
    assert [backoff_seconds(attempt, base=5, cap=60) for attempt in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_the_delivered_step_says_which_message_reached_the_webhook() -> None:
    alert = an_alert()

    assert timeline_detail(AlertRaised(alert=alert)) == "webhook alert_raised"
    assert timeline_detail(AlertNotice(type="alert_reminded", alert=alert, lead_seconds=4 * 3600)) == (
        "webhook alert_reminded 4h"
    )
    assert timeline_detail(AlertNotice(type="alert_escalated", alert=alert, level=2)) == "escalation webhook level 2"


def test_a_refused_webhook_configuration_never_shows_its_secret() -> None:
    short = {"LOS": {"url": "not a url", "secret": "tiny-secret"}}

    with pytest.raises(ValidationError) as refused:
        NotifierSettings(webhooks=json.dumps(short))

    assert "tiny-secret" not in str(refused.value)
    assert "LOS.url" in str(refused.value)
    assert "LOS.secret" in str(refused.value)


def test_a_plain_http_webhook_to_another_host_is_refused_at_start_unless_allowed() -> None:
    plain = {
        "LOS": {"url": "http://los.example/hook", "secret": SECRET},
        "NYC": {"url": "https://nyc.example/hook", "secret": SECRET, "escalation_url": "http://10.1.2.3/duty"},
    }

    with pytest.raises(ValidationError) as refused:
        NotifierSettings(webhooks=json.dumps(plain))

    assert "LOS.url, NYC.escalation_url" in str(refused.value)
    assert "RW_ALLOW_PLAINTEXT_DELIVERY" in str(refused.value)
    assert SECRET not in str(refused.value)
    allowed = NotifierSettings(webhooks=json.dumps(plain), allow_plaintext_delivery=True)
    assert str(allowed.webhook_offices()["LOS"].url) == "http://los.example/hook"


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/hook", "http://localhost:9000/hook", "http://[::1]:9000/h"])
def test_a_plain_http_webhook_to_this_host_is_allowed(url: str) -> None:
    settings = NotifierSettings(webhooks=json.dumps({"LOS": {"url": url, "secret": SECRET}}))

    assert str(settings.webhook_offices()["LOS"].url) == url


def test_webhooks_come_from_the_variable_and_the_file_which_wins_per_office(tmp_path: Path) -> None:
    file = tmp_path / "webhooks.json"
    file.write_text(json.dumps({"NYC": {"url": "https://nyc.example/new", "secret": "from-the-file-0123456"}}))

    settings = NotifierSettings(webhooks=json.dumps(WEBHOOKS), webhooks_file=file)
    offices = settings.webhook_offices()

    assert str(offices["LOS"].url) == "https://los.example/hook"
    assert str(offices["NYC"].url) == "https://nyc.example/new"
    assert SECRET not in repr(settings)
    assert SECRET not in repr(offices)
