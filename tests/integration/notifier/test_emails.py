"""Alerts reach the field offices' recipients by e-mail: once per message, retried, or dead-lettered with why.

The notifier runs as ``app.build_notifier`` wires it (FastStream subscribers on the real Redis); the SMTP
server is a real one (aiosmtpd, on a free port in the test's event loop) that keeps what it took and
answers what the test programs. What the office sees of the alert is read through ``GET /v1/alerts/{id}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import DELIVERIES_GROUP, EMAILS_GROUP, RedisNames
from notifier.adapters.stream_entries import StreamEntry
from notifier.app import build_notifier
from notifier.metrics import EMAIL_DELIVERIES
from notifier.settings import NotifierSettings
from tests import samples
from tests.integration.notifier.conftest import IngestApi, Mailbox, Outcome, Receiver
from tests.integration.notifier.test_webhooks import Office
from tests.integration.notifier.test_wired_service import WiredNotifier, eventually

LOS_DUTY = "duty@los.example.gov"
LOS_DESK = "desk@los.example.gov"
LOS_SUPERVISOR = "supervisor@los.example.gov"
NYC_DUTY = "duty@nyc.example.gov"
SENDER = "releasewatch@alerts.example.gov"
LINK_BASE = "https://releasewatch.example.gov"


def settings_for(redis_url: str, mailbox: Mailbox, **overrides: Any) -> NotifierSettings:
    recipients = {
        "LOS": {"to": [LOS_DUTY, LOS_DESK], "escalation_to": [LOS_SUPERVISOR]},
        "NYC": {"to": [NYC_DUTY]},
        "HOU": {"to": []},
    }
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "poll_interval_ms": 50,
        "batch_size": 100,
        "consumer_name": "test-1",
        "email_recipients": json.dumps(recipients),
        "email_from": SENDER,
        "email_link_base_url": LINK_BASE,
        "smtp_host": "127.0.0.1",
        "smtp_port": mailbox.port,
        "smtp_security": "none",
        "smtp_timeout_seconds": 2.0,
        "email_backoff_seconds": 0.1,
        "reclaim_idle_seconds": 3.0,  # the longest backoff
        "reclaim_poll_ms": 50,
        **overrides,
    }
    return NotifierSettings(**values)


@pytest.fixture
async def started(redis_url: str, mailbox: Mailbox) -> AsyncIterator[WiredNotifier]:
    wired = WiredNotifier(build_notifier(settings_for(redis_url, mailbox)))
    try:
        await wired.start()
        yield wired
    finally:
        await wired.stop()


async def _raise_in_custody_alert(ingest_api: IngestApi, **detainer: Any) -> None:
    await ingest_api.lodge(samples.detainer(**detainer))
    await ingest_api.submit(samples.booking())


async def _emails_pending(client: Redis, names: RedisNames) -> int:
    return int((await client.xpending(names.alerts_raised, EMAILS_GROUP))["pending"])


async def _emails_caught_up(client: Redis, names: RedisNames) -> bool:
    """The emails group has read every entry of the alert stream and acknowledged them all."""
    ((last_id, _),) = await client.xrevrange(names.alerts_raised, count=1)
    (group,) = [g for g in await client.xinfo_groups(names.alerts_raised) if g["name"] == EMAILS_GROUP.encode()]
    return bool(group["last-delivered-id"] == last_id and group["pending"] == 0)


async def _emailed(office: Office, alert_id: str) -> list[str]:
    return [step for step in await office.delivered_steps(alert_id) if step.startswith(("e-mail", "escalation e-mail"))]


async def test_an_alert_raised_for_los_arrives_as_one_email_to_los_saying_what_to_act_on(
    started: WiredNotifier, mailbox: Mailbox, ingest_api: IngestApi, api: httpx.AsyncClient, names: RedisNames
) -> None:
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")
    alert_id = alert["alert_id"]

    steps = await eventually(lambda: office.delivered_steps(alert_id), bool, what="the delivered step")

    assert steps == ["e-mail alert_raised"]
    (mail,) = mailbox.mails
    assert mail.sender == SENDER
    assert sorted(mail.recipients) == sorted([LOS_DUTY, LOS_DESK])
    message = mail.message
    assert message["Subject"] == "In custody — CA0194200 booking 2026-004512"
    assert message["From"] == SENDER
    assert message["Message-ID"] == f"<{alert_id}.raised@alerts.example.gov>"
    ((entry_id, _),) = await started.notifier.redis.xrange(names.alerts_raised)
    assert message["X-Releasewatch-Delivery"] == entry_id.decode()
    assert message["X-Releasewatch-Alert-Id"] == alert_id
    text = mail.text
    assert "GARCIA LOPEZ, JOSE LUIS" in text  # the person, as lodged and as booked
    assert "LOS-2026-000871 (I-247A)" in text
    assert "CA0194200" in text
    assert "2026-004512" in text
    assert "2026-11-20 16:15 UTC" in text  # booked at 08:15 -08:00
    assert "match by identifier" in text
    assert alert_id in text
    assert f"{LINK_BASE}/v1/alerts/{alert_id}" in text
    assert message.get_body(preferencelist=("html",)) is not None


async def test_an_entry_redelivered_after_its_email_is_neither_sent_nor_recorded_again(
    started: WiredNotifier,
    mailbox: Mailbox,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")
    await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the delivery")
    ((entry_id, fields),) = await redis_client.xrange(names.alerts_raised)

    (runner,) = [runner for runner in started.notifier.runners if runner.group == EMAILS_GROUP]
    for _ in range(2):  # as a crash before the acknowledgement, then a reclaim, would
        await runner.run([StreamEntry(names.alerts_raised, entry_id.decode(), fields)])

    assert await office.delivered_steps(alert["alert_id"]) == ["e-mail alert_raised"]
    assert len(mailbox.mails) == 1


@pytest.mark.parametrize(
    ("stage", "answer"),
    [
        pytest.param("rcpt", "451 4.3.0 Mailbox busy, try again later", id="451-to-the-recipient"),
        pytest.param("data", "421 4.3.2 Service shutting down", id="421-to-the-message"),
    ],
)
async def test_a_transient_smtp_failure_is_retried_and_the_email_then_delivered_once(
    started: WiredNotifier,
    mailbox: Mailbox,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
    outcome: Outcome,
    stage: str,
    answer: str,
) -> None:
    if stage == "rcpt":
        mailbox.rcpt_answers = {LOS_DUTY: [answer], LOS_DESK: [answer]}
    else:
        mailbox.data_answers = [answer]
    retried = EMAIL_DELIVERIES.labels(type="alert_raised", outcome="retry")
    retried_before = retried._value.get()
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")

    steps = await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the retried delivery")

    assert steps == ["e-mail alert_raised"]
    (mail,) = mailbox.mails
    assert sorted(mail.recipients) == sorted([LOS_DUTY, LOS_DESK])
    assert retried._value.get() == retried_before + 1
    assert await eventually(lambda: _emails_pending(redis_client, names), lambda n: n == 0, what="the ack") == 0
    assert await outcome.dead_letters() == []


async def test_a_550_for_every_recipient_is_dead_lettered_at_once_with_the_reply(
    started: WiredNotifier,
    mailbox: Mailbox,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
    outcome: Outcome,
) -> None:
    mailbox.rcpt_always = dict.fromkeys([LOS_DUTY, LOS_DESK], "550 5.1.1 No such user here")
    office = Office(api)
    await _raise_in_custody_alert(ingest_api)
    (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")

    ((_, letter),) = await eventually(outcome.dead_letters, bool, what="the dead letter")

    assert letter.stream == names.alerts_raised
    assert letter.group == EMAILS_GROUP
    assert letter.attempts == 1
    assert "550" in letter.reason
    assert "not retried" in letter.reason
    assert LOS_DUTY not in letter.reason  # codes, not addresses
    assert json.loads(letter.fields["__data__"])["alert"]["alert_id"] == alert["alert_id"]
    assert mailbox.mails == []
    assert await office.delivered_steps(alert["alert_id"]) == []
    assert await eventually(lambda: _emails_pending(redis_client, names), lambda n: n == 0, what="the ack") == 0


async def test_a_server_that_keeps_deferring_is_dead_lettered_after_the_last_attempt(
    redis_url: str,
    mailbox: Mailbox,
    ingest_api: IngestApi,
    redis_client: Redis,
    names: RedisNames,
    outcome: Outcome,
) -> None:
    mailbox.rcpt_always = dict.fromkeys([LOS_DUTY, LOS_DESK], "451 4.3.0 Try again later")
    wired = WiredNotifier(build_notifier(settings_for(redis_url, mailbox, email_max_attempts=3)))
    try:
        await wired.start()
        await _raise_in_custody_alert(ingest_api)
        ((_, letter),) = await eventually(outcome.dead_letters, bool, what="the dead letter")
    finally:
        await wired.stop()

    assert letter.group == EMAILS_GROUP
    assert letter.attempts == 3
    assert "after 3 attempts" in letter.reason
    assert "451" in letter.reason
    assert mailbox.mails == []
    assert await _emails_pending(redis_client, names) == 0


async def test_an_office_without_recipients_gets_nothing_and_its_entry_is_acknowledged(
    started: WiredNotifier,
    mailbox: Mailbox,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    redis_client: Redis,
    names: RedisNames,
) -> None:
    skipped = EMAIL_DELIVERIES.labels(type="alert_raised", outcome="no_recipients")
    skipped_before = skipped._value.get()
    office = Office(api, "HOU")
    await _raise_in_custody_alert(ingest_api, field_office="HOU", detainer_id="HOU-2026-000001")
    (alert,) = await eventually(office.alerts, bool, what="HOU's alert")

    async def read_by_the_emails_group() -> bool:
        groups = await redis_client.xinfo_groups(names.alerts_raised)
        return any(g["name"] == EMAILS_GROUP.encode() and g["last-delivered-id"] != b"0-0" for g in groups)

    await eventually(read_by_the_emails_group, bool, what="the emails group to read the alert")
    assert await eventually(lambda: _emails_pending(redis_client, names), lambda n: n == 0, what="the ack") == 0

    assert mailbox.mails == []
    assert await office.delivered_steps(alert["alert_id"]) == []
    assert skipped._value.get() == skipped_before + 1


async def test_each_office_is_emailed_only_its_own_alerts(
    started: WiredNotifier, mailbox: Mailbox, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    await ingest_api.lodge(samples.detainer(field_office="NYC", detainer_id="NYC-2026-000001"))
    await _raise_in_custody_alert(ingest_api)
    los, nyc = Office(api, "LOS"), Office(api, "NYC")
    (los_alert,) = await eventually(los.alerts, bool, what="LOS's alert")
    (nyc_alert,) = await eventually(nyc.alerts, bool, what="NYC's alert")

    await eventually(lambda: los.delivered_steps(los_alert["alert_id"]), bool, what="LOS's e-mail")
    await eventually(lambda: nyc.delivered_steps(nyc_alert["alert_id"]), bool, what="NYC's e-mail")

    assert [mail.message["X-Releasewatch-Alert-Id"] for mail in mailbox.to(LOS_DUTY)] == [los_alert["alert_id"]]
    assert [mail.message["X-Releasewatch-Alert-Id"] for mail in mailbox.to(NYC_DUTY)] == [nyc_alert["alert_id"]]
    assert mailbox.to(NYC_DUTY)[0].recipients == [NYC_DUTY]
    assert "NYC-2026-000001" not in mailbox.to(LOS_DUTY)[0].text
    assert len(mailbox.mails) == 2


async def test_an_escalation_is_emailed_to_the_office_and_its_escalation_recipients_in_the_alerts_thread(
    redis_url: str, mailbox: Mailbox, ingest_api: IngestApi, api: httpx.AsyncClient
) -> None:
    office = Office(api)
    wired = WiredNotifier(
        build_notifier(settings_for(redis_url, mailbox, escalation_after_seconds=0.2, escalation_levels=1))
    )
    try:
        await wired.start()
        await _raise_in_custody_alert(ingest_api)
        (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")
        await eventually(lambda: office.delivered_steps(alert["alert_id"]), bool, what="the alert's e-mail")

        await asyncio.sleep(0.3)  # the escalation window passes with nobody acknowledging
        await wired.notifier.scheduler.run_due()
        steps = await eventually(
            lambda: office.delivered_steps(alert["alert_id"]), lambda steps: len(steps) == 2, what="the escalation"
        )
    finally:
        await wired.stop()

    assert steps == ["e-mail alert_raised", "escalation e-mail level 1"]
    raised, escalated = mailbox.mails
    assert sorted(escalated.recipients) == sorted([LOS_DUTY, LOS_DESK, LOS_SUPERVISOR])
    assert LOS_SUPERVISOR not in raised.recipients
    assert escalated.message["Subject"] == (
        "Escalation level 1, not acknowledged: In custody — CA0194200 booking 2026-004512"
    )
    assert escalated.message["In-Reply-To"] == raised.message["Message-ID"]
    assert escalated.message["Message-ID"] != raised.message["Message-ID"]


async def test_a_webhook_dead_letter_replayed_is_posted_again_but_not_emailed_again(
    redis_url: str,
    mailbox: Mailbox,
    receiver: Receiver,
    ingest_api: IngestApi,
    api: httpx.AsyncClient,
    outcome: Outcome,
) -> None:
    receiver.always["/los"] = 410
    webhooks = {"LOS": {"url": receiver.url("/los"), "secret": "los-secret-0123456789abcdef"}}
    office = Office(api)
    wired = WiredNotifier(build_notifier(settings_for(redis_url, mailbox, webhooks=json.dumps(webhooks))))
    try:
        await wired.start()
        await _raise_in_custody_alert(ingest_api)
        (alert,) = await eventually(office.alerts, bool, what="the in_custody alert")
        ((_, letter),) = await eventually(outcome.dead_letters, bool, what="the webhook's dead letter")
        assert letter.group == DELIVERIES_GROUP
        await eventually(lambda: _emailed(office, alert["alert_id"]), bool, what="the e-mail")

        receiver.always["/los"] = 200
        (listed,) = (await api.get("/v1/ops/dead-letters")).json()["dead_letters"]
        replayed = await api.post(f"/v1/ops/dead-letters/{listed['id']}/replay")
        assert replayed.status_code == 200, replayed.text
        steps = await eventually(
            lambda: office.delivered_steps(alert["alert_id"]), lambda s: len(s) == 2, what="the replayed post"
        )
        await eventually(lambda: _emails_caught_up(wired.notifier.redis, RedisNames()), bool, what="the emails group")
    finally:
        await wired.stop()

    assert sorted(steps) == ["e-mail alert_raised", "webhook alert_raised"]
    assert len(mailbox.mails) == 1
    assert len(receiver.posts_to("/los")) == 2
