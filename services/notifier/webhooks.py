"""Webhooks of the field offices: where each message goes, how it is signed, what an answer means.

Pure: no I/O. ``notifier.webhook_delivery`` does the posting and the bookkeeping.

A message of the alert stream (``alert_raised``, ``alert_reminded``,
``alert_escalated``, ``alert_updated``) is posted to its office's ``url``; an escalation to the
office's ``escalation_url`` when it has one. The body is the stream message's
JSON exactly as published; the receiver checks

    X-Releasewatch-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

with ``<timestamp>`` the ``X-Releasewatch-Timestamp`` header (Unix seconds),
and de-duplicates on ``X-Releasewatch-Delivery`` (the stream entry id, the
same on every attempt).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr

from contracts import AlertNotice, AlertRaised, AlertUpdated
from notifier.office_config import parse_per_office
from notifier.retry_later import backoff_seconds

__all__ = [
    "DeliveryVerdict",
    "OfficeWebhook",
    "WebhookRequest",
    "backoff_seconds",
    "parse_webhooks",
    "sign",
    "timeline_detail",
    "verdict_for_status",
    "webhook_request",
]

SIGNATURE_SCHEME = "sha256"


class OfficeWebhook(BaseModel):
    """One field office's webhook (``RW_WEBHOOKS``). The secret never shows in a repr or a log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: AnyHttpUrl
    secret: SecretStr = Field(min_length=16, description="Shared with the receiver, which checks the signature.")
    escalation_url: AnyHttpUrl | None = Field(default=None, description="Escalations go here (else to url).")


def parse_webhooks(*documents: str | bytes | None) -> dict[str, OfficeWebhook]:
    """The offices' webhooks from JSON documents (``{"LOS": {"url": ..., "secret": ...}}``), later ones
    overriding earlier ones per office. Errors name where, never what (a secret must not reach a log)."""
    return parse_per_office(OfficeWebhook, documents, what="webhooks")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``"<timestamp>.<body>"`` with the office's secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_SCHEME}={digest}"


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    url: str
    headers: Mapping[str, str]
    body: bytes


def webhook_request(
    webhook: OfficeWebhook,
    message: AlertRaised | AlertNotice | AlertUpdated,
    body: bytes,
    *,
    delivery_id: str,
    timestamp: int,
) -> WebhookRequest:
    """What to post for one stream message (``body``: its JSON as published; ``delivery_id``: its entry id)."""
    url = webhook.url
    if message.type == "alert_escalated" and webhook.escalation_url is not None:
        url = webhook.escalation_url
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "releasewatch-notifier",
        "X-Releasewatch-Event": message.type,
        "X-Releasewatch-Delivery": delivery_id,
        "X-Releasewatch-Timestamp": str(timestamp),
        "X-Releasewatch-Signature": sign(webhook.secret.get_secret_value(), timestamp, body),
    }
    return WebhookRequest(str(url), headers, body)


class DeliveryVerdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # the receiver may take it later: 5xx, 408, 429, a timeout, no connection
    REFUSED = "refused"  # it never will: any other 4xx, or a redirect (configure the final URL)


def verdict_for_status(status: int) -> DeliveryVerdict:
    if 200 <= status < 300:
        return DeliveryVerdict.DELIVERED
    if status in (408, 429) or status >= 500:
        return DeliveryVerdict.RETRY
    return DeliveryVerdict.REFUSED


def _duration(seconds: int) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def timeline_detail(message: AlertRaised | AlertNotice | AlertUpdated, *, channel: str = "webhook") -> str:
    """The detail of the ``delivered`` step: which message reached the office, by which channel."""
    if message.type == "alert_updated":
        return f"{channel} alert_updated {message.change.value}"
    if message.type == "alert_escalated":
        return f"escalation {channel} level {message.level or 1}"
    if message.type == "alert_reminded" and message.lead_seconds is not None:
        return f"{channel} alert_reminded {_duration(message.lead_seconds)}"
    return f"{channel} {message.type}"
