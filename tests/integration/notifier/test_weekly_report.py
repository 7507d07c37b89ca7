"""The weekly outcome report by e-mail: on Monday, last week's, once, however many notifiers and restarts."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from bench.outcome_month import SyntheticMonth
from pydantic import ValidationError
from redis.asyncio import Redis

from contracts import RedisNames
from notifier.bootstrap import weekly_report_of
from notifier.chores.weekly_report import WeeklyReport
from notifier.settings import NotifierSettings
from reports import Scope, outcome_report
from store.report_claims import WeeklyReportClaims
from tests.integration.notifier.channels import Mailbox
from tests.support.outcome_month_stored import store_month

SENDER = "releasewatch@reports.example.gov"
READERS = ["counsel@county.example.gov", "ops@releasewatch.example.gov"]
MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # reports the week of November 23 to 29


def settings(redis_url: str, mailbox: Mailbox, consumer: str, **overrides: Any) -> NotifierSettings:
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "consumer_name": consumer,
        "report_recipients": ", ".join(READERS),
        "email_from": SENDER,
        "smtp_host": "127.0.0.1",
        "smtp_port": mailbox.port,
        "smtp_security": "none",
        "smtp_timeout_seconds": 5.0,
        **overrides,
    }
    return NotifierSettings(**values)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def notifier(redis_client: Redis, redis_url: str, mailbox: Mailbox, consumer: str, clock: Clock) -> WeeklyReport:
    report = weekly_report_of(redis_client, RedisNames(), settings(redis_url, mailbox, consumer), clock=clock)
    assert report is not None
    return report


async def test_on_monday_one_of_several_notifiers_sends_last_week_s_report_once(
    redis_client: Redis, redis_url: str, names: RedisNames, mailbox: Mailbox, month: SyntheticMonth
) -> None:
    await store_month(redis_client, names, month)
    clock = Clock(MONDAY)
    three = [notifier(redis_client, redis_url, mailbox, f"notifier-{n}", clock) for n in range(3)]

    sent = await asyncio.gather(*(each.send_if_due() for each in three))
    restarted = notifier(redis_client, redis_url, mailbox, "notifier-0", clock)
    again = [await restarted.send_if_due(), *[await each.send_if_due() for each in three]]

    assert sorted(sent) == [False, False, True]
    assert again == [False] * 4
    (mail,) = mailbox.mails
    assert sorted(mail.recipients) == sorted(READERS)
    assert mail.message["Subject"] == "releasewatch outcome report, 2026-W48 (2026-11-23 to 2026-11-29)"
    assert (await WeeklyReportClaims(redis_client, names).state("2026-W48") or "").startswith("sent:notifier-")

    week = Scope(period_from=date(2026, 11, 23), period_to=date(2026, 11, 29))
    truth = outcome_report(replace(month.records, withheld=()), week, generated_at=MONDAY)
    (attachment,) = list(mail.message.iter_attachments())
    assert attachment.get_filename() == "outcomes-2026-11-23-2026-11-29.csv"
    rows = {row["facility_ori"]: row for row in csv.DictReader(io.StringIO(attachment.get_content()))}
    assert sorted(rows) == sorted([row.facility_ori for row in truth.facilities] + ["TOTAL"])
    assert int(rows["TOTAL"]["releases"]) == truth.total.releases > 0
    assert int(rows["TOTAL"]["releases_with_notice"]) == truth.total.releases_with_notice
    html = mail.message.get_body(preferencelist=("html",))
    assert html is not None
    assert "<svg" in html.get_content()  # type: ignore[attr-defined]
    assert f"releases: {truth.total.releases} ({truth.total.releases_with_notice} with notice" in mail.text


async def test_nothing_is_sent_on_other_days_and_the_next_monday_sends_the_next_week(
    redis_client: Redis, redis_url: str, mailbox: Mailbox
) -> None:
    clock = Clock(datetime(2026, 12, 1, 6, tzinfo=UTC))  # a Tuesday
    report = notifier(redis_client, redis_url, mailbox, "notifier-0", clock)

    assert not await report.send_if_due()
    clock.now = datetime(2026, 12, 7, 0, 0, 30, tzinfo=UTC)
    assert await report.send_if_due()
    assert [mail.message["Subject"] for mail in mailbox.mails] == [
        "releasewatch outcome report, 2026-W49 (2026-11-30 to 2026-12-06)"
    ]


async def test_a_send_the_server_refused_is_not_taken_for_sent(
    redis_client: Redis, redis_url: str, names: RedisNames, mailbox: Mailbox
) -> None:
    mailbox.data_answers = ["451 4.3.0 try again later"]
    report = notifier(redis_client, redis_url, mailbox, "notifier-0", Clock(MONDAY))

    assert not await report.send_if_due()
    assert mailbox.mails == []
    assert await WeeklyReportClaims(redis_client, names).state("2026-W48") == "sending:notifier-0"


def test_recipients_need_a_server_and_a_sender(redis_url: str, mailbox: Mailbox) -> None:
    with pytest.raises(ValidationError, match="RW_SMTP_HOST"):
        settings(redis_url, mailbox, "n", smtp_host=None)
    with pytest.raises(ValidationError, match="not an e-mail address"):
        settings(redis_url, mailbox, "n", report_recipients="counsel@county.example.gov, nobody")
    assert settings(redis_url, mailbox, "n", report_recipients="").weekly_report_recipients() == []
