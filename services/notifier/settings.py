"""Notifier configuration: the only place the notifier reads the environment."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from notifier.delivery.emails import OfficeRecipients, parse_recipients
from notifier.delivery.smtp import SmtpSecurity, SmtpServer
from notifier.delivery.webhooks import OfficeWebhook, parse_webhooks
from notifier.domain.feeds import FeedPolicy
from notifier.domain.schedule import SchedulePolicy, parse_durations
from notifier.matching import MatchConfig, fitted_model

__all__ = ["NotifierSettings"]

_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


def _this_host(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, a loopback address): plain text to it never crosses a
    network."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class NotifierSettings(BaseSettings):
    """Every variable is documented in README.md (Configuration)."""

    # hide_input_in_errors: a refused RW_WEBHOOKS must not print its secrets in the error.
    model_config = SettingsConfigDict(env_prefix="RW_", extra="ignore", frozen=True, hide_input_in_errors=True)

    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "RW_REDIS_URL"),
    )
    redis_cluster: bool = False
    redis_timeout_seconds: float = 5.0
    key_prefix: str = "rw"

    consumer_name: str = Field(
        default_factory=_default_consumer_name,
        description="This instance's name in the consumer groups; unique per running notifier.",
    )
    batch_size: int = Field(default=500, ge=1, le=10_000, description="Stream entries read per batch.")
    poll_interval_ms: int = Field(default=200, ge=1, description="How long one read blocks waiting for entries (ms).")
    reclaim_idle_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Entries another consumer left unacknowledged this long are claimed and retried.",
    )
    reclaim_poll_ms: int = Field(default=1000, ge=1, description="How often to look for such entries (ms).")
    max_deliveries: int = Field(
        default=5, ge=1, description="Deliveries after which an entry that keeps failing goes to the dead letters."
    )
    trim_interval_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How often the streams are trimmed behind the slowest consumer group (and the booking index's"
        " expired filings pruned).",
    )
    consumer_idle_limit_seconds: float = Field(
        default=900.0,
        ge=60,
        description="A consumer idle this long (a notifier that stopped) is removed from its groups, after what it "
        "held is handed to a live one.",
    )
    stream_retention_seconds: float = Field(
        default=600.0,
        ge=0,
        description="Acknowledged stream entries are kept at least this long; unacknowledged ones are never trimmed.",
    )
    detainer_sync_seconds: float = Field(
        default=5.0, gt=0, description="How often an idle notifier applies detainer changes (busy ones do per batch)."
    )
    reminder_leads: str = Field(
        default="72h,48h,24h,4h",
        description="Lead times of the reminders before a scheduled release (s, m, h, d; seconds if no unit).",
    )
    escalation_after_seconds: float = Field(
        default=3600.0, gt=0, description="An alert not acknowledged this long after it was raised is escalated."
    )
    escalation_urgent_after_seconds: float = Field(
        default=900.0, gt=0, description="The same, when the release is within RW_ESCALATION_URGENT_WITHIN_HOURS."
    )
    escalation_urgent_within_hours: float = Field(
        default=48.0, ge=0, description="A release this close makes an alert's escalation urgent."
    )
    escalation_levels: int = Field(
        default=2, ge=0, le=10, description="Escalations per alert, each one window after the one before."
    )
    release_overdue_minutes: float = Field(
        default=60.0,
        ge=0,
        description="How long after a release time, with no release reported, the release schedule is closed as "
        "passed (until then the office page shows 'release time passed').",
    )
    scheduler_tick_seconds: float = Field(default=1.0, gt=0, description="How often due reminders are looked for.")
    match_auto_min_score: float | None = Field(
        default=None,
        description="Score (bits) an automatic match needs; unset: the value fitted with the shipped weights.",
    )
    match_review_min_score: float | None = Field(
        default=None,
        description="Score (bits) a possible match (sent to review) needs; unset: the fitted value.",
    )
    match_min_margin: float | None = Field(
        default=None,
        ge=0,
        description="Lead (bits) an automatic match needs over the best other candidate; unset: the fitted value.",
    )
    match_scale_with_detainers: bool = Field(
        default=True,
        description="Raise the automatic and review thresholds by log2(active / fitted) detainers above the "
        "number the weights were fitted with.",
    )
    booking_retention_days: int = Field(
        default=30, ge=1, description="How long a booking's state is kept after the person left custody."
    )
    policies_file: Path | None = Field(
        default=None,
        description="The sharing policies (the file ingest enforces): no alert for a detainer a facility's policy "
        "does not answer, nor for a roster's inferred release its release rule withholds. Reloaded on SIGHUP.",
    )

    webhooks: SecretStr | None = Field(
        default=None,
        description='Webhooks per field office, as JSON: {"LOS": {"url": ..., "secret": ..., "escalation_url": ...}}.',
    )
    webhooks_file: Path | None = Field(default=None, description="A file holding that JSON (both may be used).")
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long one webhook post may take, connecting included (seconds)."
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, description="Posts of one message before it goes to the dead letters."
    )
    webhook_backoff_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait after a failed post; doubles per attempt, up to RW_RECLAIM_IDLE_SECONDS (seconds).",
    )
    allow_plaintext_delivery: bool = Field(
        default=False,
        description="Let webhooks use http:// and e-mail go unencrypted (RW_SMTP_SECURITY=none) to another host.",
    )

    feed_check_seconds: float = Field(default=30.0, gt=0, description="How often every facility's feed is judged.")
    feed_silent_min_seconds: float = Field(
        default=3600.0, gt=0, description="A feed is never called silent sooner than this (seconds)."
    )
    feed_silent_max_seconds: float = Field(
        default=86_400.0, gt=0, description="A feed quiet this long is silent, however slow it usually is (seconds)."
    )
    feed_silent_expected_entries: float = Field(
        default=10.0,
        gt=0,
        description="Silent once the quiet time would, at the feed's usual rate, have brought this many entries.",
    )
    feed_history_days: float = Field(default=7.0, gt=0, description="How far back a feed's usual rates look.")
    feed_surge_window_seconds: float = Field(
        default=3600.0, gt=0, description="The window releases are counted in for a surge (seconds)."
    )
    feed_surge_min_releases: int = Field(
        default=50, ge=1, description="Releases in the window below which a facility's alerts are never held."
    )
    feed_surge_factor: float = Field(
        default=10.0, gt=1, description="A surge: this many times the facility's usual releases per window."
    )
    email_recipients: str | None = Field(
        default=None,
        description='E-mail recipients per field office, as JSON: {"LOS": {"to": [...], "escalation_to": [...]}}.',
    )
    email_recipients_file: Path | None = Field(default=None, description="A file holding that JSON (both may be used).")
    email_from: str | None = Field(default=None, description="The From address of alert e-mails.")
    email_link_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public base URL of the API: an e-mail links to <this>/v1/alerts/<alert_id>.",
    )
    email_html: bool = Field(default=True, description="Send an HTML part beside the plain text.")
    email_max_attempts: int = Field(
        default=8, ge=1, description="Attempts at sending one message before it goes to the dead letters."
    )
    email_backoff_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait after a failed attempt; doubles per attempt, up to RW_RECLAIM_IDLE_SECONDS (seconds).",
    )
    smtp_host: str | None = Field(default=None, description="The SMTP server (needed once any office has recipients).")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Its port (587 submission, 465 TLS, 25).")
    smtp_security: SmtpSecurity = Field(
        default="starttls",
        description="starttls (upgrade required), tls (TLS from the first byte, port 465) or none (plain).",
    )
    smtp_username: str | None = Field(default=None, description="Login, if the server asks for one.")
    smtp_password: SecretStr | None = Field(default=None, description="Its password; never logged.")
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long sending one e-mail may take, connecting included (seconds)."
    )

    report_recipients: str | None = Field(
        default=None,
        description="Comma-separated addresses the weekly outcome report is e-mailed to on Mondays (none: not sent).",
    )
    report_check_seconds: float = Field(
        default=300.0, gt=0, description="How often each notifier looks whether the weekly report is due (seconds)."
    )

    shutdown_grace_seconds: float = Field(
        default=10.0, ge=0, description="On SIGTERM, how long a batch in flight may take to finish."
    )

    health_host: str = "127.0.0.1"
    health_port: int = 8001

    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"

    @field_validator("reminder_leads")
    @classmethod
    def _leads_parse(cls, value: str) -> str:
        parse_durations(value)
        return value

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> NotifierSettings:
        auto, review, _ = self.match_config().resolved(fitted_model())
        if review > auto:
            raise ValueError(
                f"RW_MATCH_REVIEW_MIN_SCORE ({review}) is above RW_MATCH_AUTO_MIN_SCORE ({auto}): "
                "a possible match must need less than an automatic one"
            )
        return self

    @model_validator(mode="after")
    def _webhooks_parse(self) -> NotifierSettings:
        offices = self.webhook_offices()
        if not self.allow_plaintext_delivery:
            plain = [
                f"{office}.{field}"
                for office, webhook in sorted(offices.items())
                for field, url in (("url", webhook.url), ("escalation_url", webhook.escalation_url))
                if url is not None and url.scheme == "http" and not _this_host(url.host or "")
            ]
            if plain:
                raise ValueError(
                    f"webhooks: {', '.join(plain)} would post alerts (names, dates of birth, A-numbers) in plain "
                    f"http to another host: use https, or set RW_ALLOW_PLAINTEXT_DELIVERY=true where the network "
                    f"itself is protected"
                )
        return self

    @model_validator(mode="after")
    def _smtp_encrypted(self) -> NotifierSettings:
        host = self.smtp_host
        if host and self.smtp_security == "none" and not self.allow_plaintext_delivery and not _this_host(host):
            raise ValueError(
                "RW_SMTP_SECURITY=none would send alert e-mails (names, A-numbers) unencrypted to another host: "
                "use starttls or tls, or set RW_ALLOW_PLAINTEXT_DELIVERY=true where the network itself is protected"
            )
        return self

    def webhook_offices(self) -> dict[str, OfficeWebhook]:
        """The offices' webhooks: ``RW_WEBHOOKS``, then ``RW_WEBHOOKS_FILE`` (which wins per office)."""
        inline = self.webhooks.get_secret_value() if self.webhooks is not None else None
        from_file = self.webhooks_file.read_bytes() if self.webhooks_file is not None else None
        return parse_webhooks(inline, from_file)

    @model_validator(mode="after")
    def _email_recipients_parse(self) -> NotifierSettings:
        offices = self.email_offices()
        if any(office.to or office.escalation_to for office in offices.values()):
            missing = [
                name
                for name, value in (("RW_SMTP_HOST", self.smtp_host), ("RW_EMAIL_FROM", self.email_from))
                if not value
            ]
            if missing:
                raise ValueError(f"offices have e-mail recipients, so {' and '.join(missing)} must be set")
        if self.email_from is not None and not _ADDRESS.fullmatch(self.email_from):
            raise ValueError("RW_EMAIL_FROM must be one address, e.g. releasewatch@example.gov")
        return self

    @model_validator(mode="after")
    def _report_recipients_parse(self) -> NotifierSettings:
        recipients = self.weekly_report_recipients()
        if recipients:
            bad = [address for address in recipients if not _ADDRESS.fullmatch(address)]
            if bad:
                raise ValueError(f"RW_REPORT_RECIPIENTS: {len(bad)} entry(ies) not an e-mail address")
            missing = [
                name
                for name, value in (("RW_SMTP_HOST", self.smtp_host), ("RW_EMAIL_FROM", self.email_from))
                if not value
            ]
            if missing:
                raise ValueError(f"RW_REPORT_RECIPIENTS is set, so {' and '.join(missing)} must be set")
        return self

    def weekly_report_recipients(self) -> list[str]:
        """``RW_REPORT_RECIPIENTS`` as a list (empty: no weekly report)."""
        return [address.strip() for address in (self.report_recipients or "").split(",") if address.strip()]

    def email_offices(self) -> dict[str, OfficeRecipients]:
        """The offices' e-mail recipients: ``RW_EMAIL_RECIPIENTS``, then ``RW_EMAIL_RECIPIENTS_FILE`` (which wins
        per office)."""
        from_file = self.email_recipients_file.read_bytes() if self.email_recipients_file is not None else None
        return parse_recipients(self.email_recipients, from_file)

    def smtp_server(self) -> SmtpServer:
        return SmtpServer(
            host=self.smtp_host or "localhost",
            port=self.smtp_port,
            security=self.smtp_security,
            username=self.smtp_username,
            password=self.smtp_password.get_secret_value() if self.smtp_password is not None else None,
            timeout_seconds=self.smtp_timeout_seconds,
        )

    def match_config(self) -> MatchConfig:
        return MatchConfig(
            auto_min_score=self.match_auto_min_score,
            review_min_score=self.match_review_min_score,
            min_margin=self.match_min_margin,
            scale_with_detainers=self.match_scale_with_detainers,
        )

    def feed_policy(self) -> FeedPolicy:
        return FeedPolicy(
            silent_min_seconds=self.feed_silent_min_seconds,
            silent_max_seconds=max(self.feed_silent_max_seconds, self.feed_silent_min_seconds),
            silent_expected_entries=self.feed_silent_expected_entries,
            history_seconds=self.feed_history_days * 86_400,
            surge_window_seconds=self.feed_surge_window_seconds,
            surge_min_releases=self.feed_surge_min_releases,
            surge_factor=self.feed_surge_factor,
        )

    def schedule_policy(self) -> SchedulePolicy:
        return SchedulePolicy(
            reminder_leads_seconds=parse_durations(self.reminder_leads),
            escalation_after_seconds=self.escalation_after_seconds,
            escalation_urgent_after_seconds=self.escalation_urgent_after_seconds,
            escalation_urgent_within_seconds=self.escalation_urgent_within_hours * 3600,
            escalation_levels=self.escalation_levels,
            release_overdue_seconds=self.release_overdue_minutes * 60,
        )
