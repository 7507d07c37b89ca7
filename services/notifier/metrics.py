"""Prometheus metrics of the notifier. Labels carry types and kinds, never personal data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ALERTS_RAISED",
    "ALERTS_WITHHELD",
    "BATCH_SECONDS",
    "DEAD_LETTERED",
    "EMAIL_DELIVERIES",
    "EMAIL_RECIPIENTS_REFUSED",
    "EVENTS_PROCESSED",
    "FEEDS_BY_STATUS",
    "FEED_ALARMS",
    "RELEASE_SCHEDULES_CLOSED",
    "STALE_RELEASE_SCHEDULES",
    "WEBHOOK_DELIVERIES",
]

EVENTS_PROCESSED = Counter(
    "releasewatch_notifier_events_total", "Custody events applied to booking state, by type.", ["type"]
)
ALERTS_RAISED = Counter(
    "releasewatch_notifier_alerts_raised_total", "Alerts raised (first time only), by kind.", ["kind"]
)
ALERTS_WITHHELD = Counter(
    "releasewatch_notifier_alerts_withheld_total",
    "Alerts not raised because the facility's sharing policy does not answer the detainer (its form, a judicial "
    "warrant) or withholds a roster's inferred release, by rule.",
    ["rule"],
)
DEAD_LETTERED = Counter(
    "releasewatch_notifier_dead_lettered_total",
    "Messages moved to the dead-letter stream, by source stream.",
    ["stream"],
)
RELEASE_SCHEDULES_CLOSED = Counter(
    "releasewatch_notifier_release_schedules_closed_total",
    "Release schedules closed because their release time stopped standing, by what became of it "
    "(rescheduled, cancelled, released, passed).",
    ["release_status"],
)
STALE_RELEASE_SCHEDULES = Counter(
    "releasewatch_notifier_release_schedules_stale_total",
    "Release schedules whose release time no longer stood when they arrived (an older schedule delivered after a "
    "newer one, a schedule delivered after the release or its cancellation): recorded closed, never announced, by "
    "release status (rescheduled, cancelled, released).",
    ["release_status"],
)
WEBHOOK_DELIVERIES = Counter(
    "releasewatch_notifier_webhook_deliveries_total",
    "Alert stream messages handled by webhook delivery, by message type and outcome (delivered, "
    "already_delivered, no_webhook, for_another_channel, not_for_channels, retry, refused, unreadable).",
    ["type", "outcome"],
)
EMAIL_DELIVERIES = Counter(
    "releasewatch_notifier_email_deliveries_total",
    "Alert stream messages handled by e-mail delivery, by message type and outcome (delivered, "
    "already_delivered, no_recipients, for_another_channel, not_for_channels, retry, refused, unreadable).",
    ["type", "outcome"],
)
EMAIL_RECIPIENTS_REFUSED = Counter(
    "releasewatch_notifier_email_recipients_refused_total",
    "Recipients the SMTP server refused while it took the message for the office's other recipients.",
)
BATCH_SECONDS = Histogram(
    "releasewatch_notifier_batch_seconds",
    "Time to process one batch read from a stream (seconds).",
    ["stream"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
FEEDS_BY_STATUS = Gauge(
    "releasewatch_notifier_feeds",
    "Facilities' feeds by status at the latest check (new, ok, silent, surge): alert on silent or surge > 0.",
    ["status"],
)
FEED_ALARMS = Counter(
    "releasewatch_notifier_feed_alarms_total",
    "Feed alarms begun, by alarm (silent: a feed stopped; surge: far more releases than usual, alerts held).",
    ["alarm"],
)
