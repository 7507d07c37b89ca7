"""The offices' ends of the channels: a webhook receiver, an SMTP server's mailbox, and every channel an office
hears from fed the alert stream as the notifier feeds them."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contracts import DELIVERIES_GROUP, EMAILS_GROUP, RedisNames
from ingest.live.feed import AlertFeed
from notifier.consuming.dead_letters import DeadLetterWriter
from notifier.delivery.email_delivery import EmailDeliveryProcessor, MailSettings
from notifier.delivery.emails import parse_recipients
from notifier.delivery.retry_later import RetryPolicy
from notifier.delivery.smtp import SmtpServer, SmtpTransport
from notifier.delivery.webhook_delivery import WebhookDeliveryProcessor
from notifier.delivery.webhooks import parse_webhooks
from store.deliveries import DeliveryRecords
from tests.integration.notifier.support import READER, Streams, fixed_clock


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def message(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    def signed_with(self, secret: str) -> bool:
        timestamp = self.headers["x-releasewatch-timestamp"]
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers["x-releasewatch-signature"], f"sha256={expected}")


class Receiver:
    """The offices' webhook endpoints: records every post; answers 200 unless told otherwise per path."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, list[int]] = {}
        self.always: dict[str, int] = {}
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def posts_to(self, path: str) -> list[Received]:
        return [post for post in self.received if post.path == path]

    async def _endpoint(self, request: Request) -> Response:
        path = request.url.path
        self.received.append(Received(path, dict(request.headers), await request.body()))
        queued = self.answers.get(path)
        status = queued.pop(0) if queued else self.always.get(path, 200)
        return Response(status_code=status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._endpoint, methods=["POST"])])


@dataclass(frozen=True)
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        content: str = part.get_content()  # type: ignore[attr-defined]
        return content


class Mailbox:
    """The SMTP server's handler: keeps every message it took; answers what the test queued, else 250."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.rcpt_answers: dict[str, list[str]] = {}  # per recipient, answered in turn
        self.rcpt_always: dict[str, str] = {}
        self.data_answers: list[str] = []
        self.port = 0

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.recipients]

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        queued = self.rcpt_answers.get(address)
        if queued:
            return queued.pop(0)
        if address in self.rcpt_always:
            return self.rcpt_always[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_answers:
            return self.data_answers.pop(0)
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.mails.append(Mail(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


LOS_WEBHOOK_SECRET = "los-secret-0123456789abcdef"


class Channels:
    """Every channel an office hears from, fed the alert stream as the notifier feeds them: the office's webhook
    (a real HTTP receiver), its e-mail (a real SMTP server) and the live feed (as ingest reads it for pages)."""

    def __init__(self, client: Redis, names: RedisNames, streams: Streams, receiver: Receiver, mailbox: Mailbox):
        self._client = client
        self._names = names
        self._streams = streams
        self.receiver = receiver
        self.mailbox = mailbox
        self._http = httpx.AsyncClient(timeout=5)
        policy = RetryPolicy(max_attempts=3, backoff_base_seconds=0.1, backoff_cap_seconds=1.0)
        dead_letters = DeadLetterWriter(client, names, clock=fixed_clock)
        self.webhooks = WebhookDeliveryProcessor(
            client=client,
            group=DELIVERIES_GROUP,
            consumer=READER,
            http=self._http,
            webhooks=parse_webhooks(json.dumps({"LOS": {"url": receiver.url("/los"), "secret": LOS_WEBHOOK_SECRET}})),
            records=DeliveryRecords(client, names, channel="webhook"),
            dead_letters=dead_letters,
            policy=policy,
        )
        self.emails = EmailDeliveryProcessor(
            client=client,
            names=names,
            group=EMAILS_GROUP,
            consumer=READER,
            transport=SmtpTransport(SmtpServer("127.0.0.1", mailbox.port, "none", None, None, timeout_seconds=5)),
            offices=parse_recipients(json.dumps({"LOS": {"to": ["duty@los.example.gov"]}})),
            mail=MailSettings(
                sender="releasewatch@alerts.example.gov", link_base_url="https://rw.example", with_html=False
            ),
            records=DeliveryRecords(client, names, channel="e-mail"),
            dead_letters=dead_letters,
            policy=policy,
        )

    async def deliver(self) -> None:
        """Each channel takes what is new on the alert stream (its own consumer group), as the notifier does."""
        if entries := await self._streams.new_alert_messages(DELIVERIES_GROUP):
            await self.webhooks.process(entries)
        if entries := await self._streams.new_alert_messages(EMAILS_GROUP):
            await self.emails.process(entries)

    def webhook_events(self, alert_id: str) -> list[str]:
        """The message types LOS's webhook received about ``alert_id``, in order."""
        return [
            post.headers["x-releasewatch-event"]
            for post in self.receiver.posts_to("/los")
            if post.message["alert"]["alert_id"] == alert_id
        ]

    def email_events(self, alert_id: str) -> list[str]:
        return [
            str(mail.message["X-Releasewatch-Event"])
            for mail in self.mailbox.mails
            if mail.message["X-Releasewatch-Alert-Id"] == alert_id
        ]

    async def live_events(self, alert_id: str, field_office: str = "LOS") -> list[str]:
        """The event types a page of ``field_office`` following the live feed from the start got about it."""
        feed = AlertFeed(self._client, self._names.alerts_raised, block_ms=10)
        messages, _, _ = await feed.read_after("0-0")
        return [
            message.type
            for message in messages
            if message.field_office == field_office and json.loads(message.data)["alert"]["alert_id"] == alert_id
        ]

    async def close(self) -> None:
        await self._http.aclose()


class Office:
    """What an office reads back through the API: its alerts and the deliveries on their timelines."""

    def __init__(self, api: httpx.AsyncClient, field_office: str = "LOS") -> None:
        self.api = api
        self.field_office = field_office

    async def alerts(self) -> list[dict[str, Any]]:
        answer = await self.api.get("/v1/alerts", params={"field_office": self.field_office})
        alerts: list[dict[str, Any]] = answer.json()["alerts"]
        return alerts

    async def delivered_steps(self, alert_id: str) -> list[str]:
        alert = (await self.api.get(f"/v1/alerts/{alert_id}")).json()
        return [entry["detail"] for entry in alert["timeline"] if entry["what"] == "delivered"]
