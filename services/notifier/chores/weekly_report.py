"""The weekly outcome report by e-mail: on Mondays (UTC), the report of the week before (Monday 00:00 UTC to
Sunday, both days included), to ``RW_REPORT_RECIPIENTS``, once.

Every notifier looks every ``RW_REPORT_CHECK_SECONDS``; the first to claim the week in Redis
(``store.report_claims``) sends it, whatever the number of notifiers and however often they restart. A
failed send leaves its claim's lease to expire and is tried again then, while it is still Monday. The message
has a few totals in plain text, the printable HTML page as its HTML part, and the CSV attached.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from notifier.delivery.smtp import MailTransport
from reports import OutcomeReport, Scope, outcome_report, report_csv, report_html
from reports.stored import StoredReportRecords
from runtime.clock import Clock, utc_now
from store.report_claims import WeeklyReportClaims

__all__ = ["WeeklyReport", "previous_week"]

log = logging.getLogger(__name__)

LEASE_SECONDS = 15 * 60  # a claim not followed by a send is tried again after this
KEEP_SECONDS = 8 * 86_400  # a sent week's key outlives the Monday it could be sent on


def previous_week(today: date) -> tuple[date, date, str]:
    """The week before ``today``'s: its Monday, its Sunday, and its ISO name (``2026-W48``)."""
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    return monday, monday + timedelta(days=6), f"{year}-W{week:02d}"


class WeeklyReport:
    def __init__(
        self,
        records: StoredReportRecords,
        claims: WeeklyReportClaims,
        transport: MailTransport,
        *,
        sender: str,
        recipients: Sequence[str],
        owner: str,
        clock: Clock = utc_now,
    ) -> None:
        self._records = records
        self._claims = claims
        self._transport = transport
        self._sender = sender
        self._recipients = list(recipients)
        self._owner = owner
        self._clock = clock

    async def send_if_due(self) -> bool:
        """On a Monday, send last week's report unless it was sent (or is being sent); True when this call sent."""
        now = self._clock()
        if now.weekday() != 0:
            return False
        first, last, week = previous_week(now.date())
        if not await self._claims.claim(week, self._owner, lease_seconds=LEASE_SECONDS):
            return False
        scope = Scope(period_from=first, period_to=last)
        report = outcome_report(await self._records.gather(scope), scope, generated_at=now)
        outcome = await self._transport.send(
            self._message(report, week, now), sender=self._sender, recipients=self._recipients
        )
        if not outcome.accepted:
            log.warning(
                "weekly report not sent; tried again when its claim expires",
                extra={"week": week, "code": outcome.code, "reason": outcome.reason},
            )
            return False
        await self._claims.sent(week, self._owner, keep_seconds=KEEP_SECONDS)
        log.info("weekly report sent", extra={"week": week, "recipients": outcome.accepted})
        return True

    def _message(self, report: OutcomeReport, week: str, now: datetime) -> EmailMessage:
        first, last = report.scope.period_from, report.scope.period_to
        total = report.total
        message = EmailMessage()
        message["Subject"] = f"releasewatch outcome report, {week} ({first.isoformat()} to {last.isoformat()})"
        message["From"] = self._sender
        message["To"] = ", ".join(self._recipients)
        message["Date"] = format_datetime(now)
        message["Message-ID"] = make_msgid(idstring=f"report.{week}", domain=self._sender.rpartition("@")[2] or None)
        median = total.notice_lead_hours_median
        lines = [
            f"The outcome report of {first.isoformat()} to {last.isoformat()} (UTC weeks, each facility's own clock).",
            "",
            f"facilities: {len(report.facilities)}",
            f"detainers matched: {total.detainers_matched}",
            f"releases: {total.releases} ({total.releases_with_notice} with notice, "
            f"{total.releases_without_notice} without)",
            f"median hours of notice: {'-' if median is None else median}",
            f"notice at least 48 hours ahead: {total.notice_at_least_48h}",
            f"transferred: {total.transferred}   custody assumed: {total.custody_assumed}",
            "",
            "The whole report is this message's HTML part; the table is attached as CSV.",
        ]
        message.set_content("\n".join(lines) + "\n")
        message.add_alternative(report_html(report), subtype="html")
        message.add_attachment(
            report_csv(report).encode(),
            maintype="text",
            subtype="csv",
            filename=f"outcomes-{first.isoformat()}-{last.isoformat()}.csv",
        )
        return message
