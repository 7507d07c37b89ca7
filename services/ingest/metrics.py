"""Prometheus metrics of the ingest service. Labels carry types and outcomes, never personal data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

__all__ = [
    "ALERT_LIFECYCLE",
    "ALERT_REVIEWS",
    "DETAINER_CHANGES",
    "EVENTS_RECEIVED",
    "EVENTS_WITHHELD",
    "LIVE_FEEDS_OPEN",
    "LIVE_MESSAGES_SENT",
]

EVENTS_RECEIVED = Counter(
    "releasewatch_ingest_events_total",
    "Custody events received, by event type and outcome (accepted, duplicate, conflict, invalid).",
    ["type", "outcome"],
)

EVENTS_WITHHELD = Counter(
    "releasewatch_ingest_events_withheld_total",
    "Custody events a sharing policy withheld at intake, by rule (`<jurisdiction> <clause>`), each event once.",
    ["rule"],
)

DETAINER_CHANGES = Counter(
    "releasewatch_ingest_detainer_changes_total",
    "Detainer lodges and lifts, by change and outcome (applied, replayed, conflict; a batch's items also invalid, "
    "forbidden).",
    ["change", "outcome"],
)

ALERT_LIFECYCLE = Counter(
    "releasewatch_ingest_alert_steps_total",
    "Alerts acknowledged or resolved, by step and outcome (applied, replayed, conflict).",
    ["step", "outcome"],
)

ALERT_REVIEWS = Counter(
    "releasewatch_ingest_alert_reviews_total",
    "Possible matches confirmed or rejected, by decision and outcome (applied, replayed, conflict).",
    ["decision", "outcome"],
)

LIVE_FEEDS_OPEN = Gauge("releasewatch_ingest_live_feeds_open", "Live feeds (server-sent events) open in this process.")

LIVE_MESSAGES_SENT = Counter(
    "releasewatch_ingest_live_messages_total", "Alert messages sent on live feeds, by message type.", ["type"]
)
