"""The notifier's processors over the test Redis, assembled the way ``app.build_notifier`` does.

Custody events and detainers go in through the real ingest API (the ``api``
fixture), so the streams, records and changelog are exactly what ingest
writes. Entries are read back with the notifier's consumer group, as the
FastStream subscribers read them, and handed to the processors directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any, cast

import httpx
import pytest
import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contracts import (
    DELIVERIES_GROUP,
    EMAILS_GROUP,
    NOTIFIER_GROUP,
    Alert,
    AlertRaised,
    AlertUpdated,
    DeadLetter,
    RedisNames,
)
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.live.feed import AlertFeed
from ingest.settings import IngestSettings
from notifier.adapters.alert_store import AlertStore
from notifier.adapters.booking_index import BookingIndex
from notifier.adapters.booking_store import BookingStore
from notifier.adapters.dead_letters import DeadLetterWriter
from notifier.adapters.delivery_records import DeliveryRecords
from notifier.adapters.detainer_index import DetainerIndex
from notifier.adapters.roster_reports import RosterReports
from notifier.adapters.smtp import SmtpServer, SmtpTransport
from notifier.adapters.stream_entries import StreamEntry
from notifier.domain.custody import BookingState
from notifier.email_delivery import EmailDeliveryProcessor, MailSettings
from notifier.emails import parse_recipients
from notifier.retry_later import RetryPolicy
from notifier.scheduler import JobPlanner, SchedulePolicy, Scheduler
from notifier.service import AlertReviewProcessor, CustodyEventProcessor, DetainerLodgeProcessor, NotifierPorts
from notifier.webhook_delivery import WebhookDeliveryProcessor
from notifier.webhooks import parse_webhooks
from runtime import ensure_consumer_group
from tests.integration.serving import Served, keys_json, served_over_tcp, serving

StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]

FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RETENTION_SECONDS = 30 * 24 * 3600
READER = "test-reader"  # this test's consumer name in the notifier group

FACILITY = "CA0194200"
BOOKING_NUMBER = "2026-004512"


def fixed_clock() -> datetime:
    return FIXED_NOW


def build_ports(
    client: Redis,
    names: RedisNames,
    *,
    bookings: BookingStore | None = None,
    booking_index: BookingIndex | None = None,
    detainers: DetainerIndex | None = None,
) -> NotifierPorts:
    bookings = bookings or BookingStore(client, names, retention_seconds=RETENTION_SECONDS)
    return NotifierPorts(
        bookings=bookings,
        booking_index=booking_index
        or BookingIndex(client, names, retention_seconds=RETENTION_SECONDS, clock=fixed_clock),
        detainers=detainers if detainers is not None else DetainerIndex(client, names),
        alerts=AlertStore(client, names, bookings=bookings),
        dead_letters=DeadLetterWriter(client, names, clock=fixed_clock),
        roster_reports=RosterReports(client, names),
        group=NOTIFIER_GROUP,
        clock=fixed_clock,
    )


@dataclass
class NotifierInstance:
    """One notifier's processors and ports (each instance holds its own detainer index)."""

    ports: NotifierPorts
    custody: CustodyEventProcessor
    lodges: DetainerLodgeProcessor
    reviews: AlertReviewProcessor

    @classmethod
    async def start(cls, ports: NotifierPorts) -> NotifierInstance:
        await ports.detainers.load()  # what Notifier.prepare() does before subscribing
        return cls(ports, CustodyEventProcessor(ports), DetainerLodgeProcessor(ports), AlertReviewProcessor(ports))


class Streams:
    """Reads new entries with the notifier's consumer group (created at id 0, as ``prepare`` does)."""

    def __init__(self, client: Redis, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def _new(self, stream: str, group: str = NOTIFIER_GROUP) -> list[StreamEntry]:
        await ensure_consumer_group(self._client, stream, group)
        reply = cast(
            list[tuple[bytes, StreamEntries]],
            await self._client.xreadgroup(group, READER, {stream: ">"}, count=10_000),
        )
        return [
            StreamEntry(stream, message_id.decode(), fields) for _, entries in reply for message_id, fields in entries
        ]

    async def new_custody_events(self) -> list[StreamEntry]:
        return await self._new(self._names.custody_events)

    async def new_detainer_changes(self) -> list[StreamEntry]:
        return await self._new(self._names.detainer_changes)

    async def new_alert_messages(self, group: str) -> list[StreamEntry]:
        """New entries of the alert stream for a channel's consumer group (webhooks, e-mail)."""
        return await self._new(self._names.alerts_raised, group)

    async def new_alert_reviews(self) -> list[StreamEntry]:
        return await self._new(self._names.alert_reviews)

    async def append_raw_entry(self, stream: str, fields: dict[str, str | bytes]) -> str:
        """An entry written by something other than ingest."""
        message_id = await self._client.xadd(stream, cast(Any, fields))
        return cast(bytes, message_id).decode()

    async def append_raw_custody_entry(self, fields: dict[str, str | bytes]) -> str:
        return await self.append_raw_entry(self._names.custody_events, fields)


class IngestApi:
    """What the jails and the field offices do, through the ingest API."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self._api = api

    async def submit(self, *events: dict[str, Any]) -> list[str]:
        """Posts custody events one by one; returns their stream ids."""
        stream_ids = []
        for event in events:
            answer = await self._api.post("/v1/custody-events", json=event)
            assert answer.status_code == 202, answer.text
            stream_ids.append(answer.json()["stream_id"])
        return stream_ids

    async def lodge(self, detainer: dict[str, Any]) -> None:
        answer = await self._api.post("/v1/detainers", json=detainer)
        assert answer.status_code == 201, answer.text

    async def lift(self, detainer_id: str, reason: str = "cancelled") -> None:
        answer = await self._api.post(f"/v1/detainers/{detainer_id}/lift", json={"reason": reason})
        assert answer.status_code == 200, answer.text


class Outcome:
    """What the notifier left in Redis for users to see."""

    def __init__(self, client: Redis, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def alerts(self, field_office: str | None = None) -> list[Alert]:
        """Alerts in the listing (all, or one office's), oldest first."""
        ids = cast(list[bytes], await self._client.zrange(self._names.alert_listing(field_office=field_office), 0, -1))
        if not ids:
            return []
        records = cast(list[bytes | None], await self._client.mget([self._names.alert(i.decode()) for i in ids]))
        assert all(record is not None for record in records), "a listed alert has no record"
        return [Alert.model_validate_json(record or b"") for record in records]

    async def alert_kinds(self, field_office: str | None = None) -> list[str]:
        return sorted(alert.kind.value for alert in await self.alerts(field_office))

    async def alerts_raised(self) -> list[AlertRaised]:
        entries = cast(StreamEntries, await self._client.xrange(self._names.alerts_raised))
        return [
            AlertRaised.model_validate_json(fields[b"__data__"])
            for _, fields in entries
            if fields[b"type"] == b"alert_raised"
        ]

    async def alerts_updated(self) -> list[AlertUpdated]:
        """The ``alert_updated`` messages on the alert stream, oldest first."""
        entries = cast(StreamEntries, await self._client.xrange(self._names.alerts_raised))
        return [
            AlertUpdated.model_validate_json(fields[b"__data__"])
            for _, fields in entries
            if fields[b"type"] == b"alert_updated"
        ]

    async def dead_letters(self) -> list[tuple[dict[bytes, bytes], DeadLetter]]:
        entries = cast(StreamEntries, await self._client.xrange(self._names.dead_letters))
        return [(fields, DeadLetter.model_validate_json(fields[b"__data__"])) for _, fields in entries]

    async def booking_if_stored(
        self, facility_ori: str = FACILITY, booking_number: str = BOOKING_NUMBER
    ) -> BookingState | None:
        raw = await self._client.hget(self._names.booking(facility_ori, booking_number), "state")
        return None if raw is None else BookingState.model_validate_json(raw)

    async def booking(self, facility_ori: str = FACILITY, booking_number: str = BOOKING_NUMBER) -> BookingState:
        state = await self.booking_if_stored(facility_ori, booking_number)
        assert state is not None, "no booking state stored"
        return state


def without_identifiers_but(**identifiers: Any) -> dict[str, Any]:
    """Identifier overrides for ``samples.person``: only those given."""
    return {"fbi_number": None, "state_id": None, "a_number": None, **identifiers}


@pytest.fixture
async def notifier(redis_client: Redis, names: RedisNames) -> NotifierInstance:
    return await NotifierInstance.start(build_ports(redis_client, names))


@pytest.fixture
def streams(redis_client: Redis, names: RedisNames) -> Streams:
    return Streams(redis_client, names)


@pytest.fixture
def ingest_api(api: httpx.AsyncClient) -> IngestApi:
    return IngestApi(api)


@pytest.fixture
def outcome(redis_client: Redis, names: RedisNames) -> Outcome:
    return Outcome(redis_client, names)


@pytest.fixture
async def second_client(redis_url: str) -> AsyncIterator[Redis]:
    """Another connection, as a second notifier process would have."""
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


# --- the API with real keys: a jail, two field offices and an operator ---------------------------

DESK = "LOS duty desk"

KEYS = {
    "jail": ApiKeyEntry(name="county jail", role=Role.SOURCE, key_sha256=digest_of("rwk_jail")),
    "los": ApiKeyEntry(name=DESK, role=Role.FIELD_OFFICE, field_office="LOS", key_sha256=digest_of("rwk_los")),
    "nyc": ApiKeyEntry(
        name="NYC duty desk", role=Role.FIELD_OFFICE, field_office="NYC", key_sha256=digest_of("rwk_nyc")
    ),
    "ops": ApiKeyEntry(name="night operator", role=Role.OPERATOR, key_sha256=digest_of("rwk_ops")),
}


def as_(holder: str) -> dict[str, str]:
    """The Authorization header of ``holder`` (a key of ``KEYS``)."""
    return {"Authorization": f"Bearer rwk_{holder}"}


@pytest.fixture
async def keyed_api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The ingest API with authentication on and the ``KEYS`` above."""
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(KEYS.values()))
    async with serving(settings) as client:
        yield client


# --- the offices' ends of the channels: a webhook receiver and an SMTP server ---------------------


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


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    config = uvicorn.Config(
        receiver.app(), host="127.0.0.1", port=0, lifespan="off", ws="none", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(500):  # up to 5 s
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "the receiver did not start"
    receiver.port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        server.should_exit = True
        await serving


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


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    mailbox = Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(mailbox, hostname="mail.test"), "127.0.0.1", 0)
    mailbox.port = server.sockets[0].getsockname()[1]
    try:
        yield mailbox
    finally:
        server.close()
        await server.wait_closed()


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
            records=DeliveryRecords(client, names),
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
            records=DeliveryRecords(client, names, delivered_key=names.alerts_emailed),
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


@pytest.fixture
async def channels(
    redis_client: Redis, names: RedisNames, streams: Streams, receiver: Receiver, mailbox: Mailbox
) -> AsyncIterator[Channels]:
    channels = Channels(redis_client, names, streams, receiver, mailbox)
    try:
        yield channels
    finally:
        await channels.close()


# --- a notifier with its planner and scheduler, on a clock the test moves --------------------------

RELEASE_AT = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # samples.release_scheduled's release time


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ScheduledNotifier:
    """One notifier: its processors (reminders and escalations planned) and its scheduler, on ``clock``."""

    instance: NotifierInstance
    scheduler: Scheduler
    clock: MovableClock

    async def catch_up(self, streams: Streams) -> None:
        """Process whatever is new on each stream the notifier consumes."""
        if changes := await streams.new_detainer_changes():
            await self.instance.lodges.process(changes)
        if events := await streams.new_custody_events():
            await self.instance.custody.process(events)
        if reviews := await streams.new_alert_reviews():
            await self.instance.reviews.process(reviews)

    async def run_due_at(self, moment: datetime) -> dict[str, int]:
        self.clock.now = moment
        return await self.scheduler.run_due()


async def start_scheduled_notifier(client: Redis, names: RedisNames, clock: MovableClock) -> ScheduledNotifier:
    planner = JobPlanner(client, names, SchedulePolicy(), clock=clock)
    ports = build_ports(client, names)
    alerts = AlertStore(client, names, planner=planner, clock=clock, bookings=ports.bookings)
    ports = dataclasses.replace(ports, clock=clock, alerts=alerts)
    scheduler = Scheduler(
        client, names, bookings=ports.bookings, detainers=ports.detainers, releases=ports.alerts.releases, clock=clock
    )
    return ScheduledNotifier(await NotifierInstance.start(ports), scheduler, clock)


@pytest.fixture
async def scheduled_notifier(redis_client: Redis, names: RedisNames) -> ScheduledNotifier:
    """Starts two days before ``RELEASE_AT``, so the release's reminders are planned."""
    return await start_scheduled_notifier(redis_client, names, MovableClock(RELEASE_AT - timedelta(days=2)))


# --- the office page in a real browser: ingest served over TCP, a notifier on the real clock ------------


@dataclass
class ServedOffice:
    """The ingest API served over TCP (the live feed streams) with authentication off, and one notifier on the
    real clock: what a browser on the office page talks to, with the test acting as the jail and the notifier."""

    served: Served
    notifier: ScheduledNotifier
    streams: Streams

    @property
    def base_url(self) -> str:
        return str(self.served.client.base_url).rstrip("/")

    @property
    def api(self) -> httpx.AsyncClient:
        return self.served.client

    async def lodge(self, detainer: dict[str, Any]) -> None:
        answer = await self.api.post("/v1/detainers", json=detainer)
        assert answer.status_code == 201, answer.text

    async def submit(self, *events: dict[str, Any]) -> None:
        """The jail sends ``events`` (one batch), and the notifier processes them."""
        answer = await self.api.post("/v1/custody-events:batch", json=list(events))
        assert answer.status_code == 202, answer.text
        await self.catch_up()

    async def catch_up(self) -> None:
        self.notifier.clock.now = datetime.now(UTC)
        await self.notifier.catch_up(self.streams)

    async def alerts(self, **query: str) -> list[dict[str, Any]]:
        answer = await self.api.get("/v1/alerts", params={"field_office": "LOS", "limit": 500, **query})
        assert answer.status_code == 200, answer.text
        return list(answer.json()["alerts"])


@pytest.fixture
async def served_office(redis_url: str, redis_client: Redis, names: RedisNames) -> AsyncIterator[ServedOffice]:
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="off", live_heartbeat_seconds=1)
    notifier = await start_scheduled_notifier(redis_client, names, MovableClock(datetime.now(UTC)))
    async with served_over_tcp(settings) as served:
        yield ServedOffice(served, notifier, Streams(redis_client, names))
