"""An operator reads the logs; no name, date of birth or identifier is ever in them.

The whole path runs with the services' own logging configuration at DEBUG,
including the paths that see personal data in error: refused input, a
conflict, a record no consumer can read, a corrupt stored record, and a
processing failure.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from typing import cast

import httpx
import pytest
from redis.asyncio import Redis

from contracts import EMAILS_GROUP, RedisNames
from contracts.envelope import StreamEntry
from ingest.app import create_app
from ingest.settings import IngestSettings
from notifier.consuming.dead_letters import DeadLetterWriter
from notifier.delivery.email_delivery import EmailDeliveryProcessor, MailSettings
from notifier.delivery.emails import OfficeRecipients
from notifier.delivery.retry_later import RetryPolicy
from notifier.delivery.smtp import SendOutcome
from runtime import configure_logging
from store.consumer_groups import ensure_consumer_group
from store.deliveries import DeliveryRecords
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Streams, custody_runner, fixed_clock

PERSONAL_DATA = (
    "GARCIA",
    "LOPEZ",
    "JOSE",
    "LUIS",
    "PEPE",
    "1990-04-17",
    "17/04/1990",
    "012345678",
    "12345678",
    "123456AB9",
    "A1234567",
    "GARC1A",
)


@pytest.fixture
def service_logs() -> Iterator[io.StringIO]:
    """What the services would write to stderr, configured as they configure it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    written = io.StringIO()
    configure_logging("DEBUG", "json", service="test", stream=written)
    try:
        yield written
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


class FailsOnce:
    def __init__(self) -> None:
        self.failed = False

    async def process(self, entries: object) -> None:
        if not self.failed:
            self.failed = True
            raise ValueError("boom")


class DefersTheFirstEmail:
    """An SMTP server that answers 451 to the first e-mail and takes every other one."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage, *, sender: str, recipients: Sequence[str]) -> SendOutcome:
        self.sent.append(message)
        if len(self.sent) == 1:
            return SendOutcome(0, refused=len(recipients), code=451, reason="every recipient refused; replies [451]")
        return SendOutcome(len(recipients))


async def _email_the_alerts(redis_client: Redis, names: RedisNames) -> DefersTheFirstEmail:
    await ensure_consumer_group(redis_client, names.alerts_raised, EMAILS_GROUP)
    reply = cast(
        list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]],
        await redis_client.xreadgroup(EMAILS_GROUP, "test", {names.alerts_raised: ">"}),
    )
    entries = [StreamEntry(names.alerts_raised, i.decode(), fields) for i, fields in reply[0][1]]
    server = DefersTheFirstEmail()
    processor = EmailDeliveryProcessor(
        client=redis_client,
        names=names,
        group=EMAILS_GROUP,
        consumer="test",
        transport=server,
        offices={"LOS": OfficeRecipients(to=("duty@los.example.gov",))},
        mail=MailSettings(sender="rw@alerts.example.gov", link_base_url="http://rw", with_html=True),
        records=DeliveryRecords(redis_client, names, channel="e-mail"),
        dead_letters=DeadLetterWriter(redis_client, names, clock=fixed_clock),
        policy=RetryPolicy(max_attempts=3, backoff_base_seconds=0.1, backoff_cap_seconds=1.0),
    )
    await processor.process(entries)
    await processor.process(entries)  # the deferred one again; the other is already delivered
    return server


async def test_logs_name_no_personal_data_whatever_happens(
    service_logs: io.StringIO,
    api: httpx.AsyncClient,
    ingest_api: IngestApi,
    notifier: NotifierInstance,
    streams: Streams,
    redis_client: Redis,
    names: RedisNames,
    ingest_settings: IngestSettings,
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(), samples.release_scheduled())
    refused = [
        samples.booking(event_id="bad-1", person=samples.person(date_of_birth="17/04/1990")),
        samples.booking(event_id="bad-2", person=samples.person(last_name="GARC1A")),
    ]
    for event in refused:
        assert (await api.post("/v1/custody-events", json=event)).status_code == 422
    assert (await api.post("/v1/custody-events:batch", json=refused)).status_code == 422
    conflict = samples.detainer(person=samples.person(first_name="PEPE"))
    assert (await api.post("/v1/detainers", json=conflict)).status_code == 409
    await streams.append_raw_custody_entry({"__data__": json.dumps({"person": samples.person()})})

    await notifier.custody.process(await streams.new_custody_events())
    await notifier.lodges.process(await streams.new_detainer_changes())
    corrupt = samples.detainer(person=samples.person(date_of_birth="17/04/1990", last_name="GARC1A"))
    await redis_client.set(
        names.detainer("LOS-2026-000871"),
        json.dumps({**corrupt, "status": "active", "lodged_at": "2026-11-01T00:00:00Z"}),
    )
    app = create_app(ingest_settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # as a server would: answer, then log
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as raw:
        assert (await raw.get("/v1/detainers/LOS-2026-000871")).status_code == 500
    await ingest_api.submit(samples.booking(event_id="evt-later", booking_number="2026-000777"))
    runner = custody_runner(redis_client, names, FailsOnce())
    await runner.run(await streams.new_custody_events())
    smtp = await _email_the_alerts(redis_client, names)

    logged = service_logs.getvalue()
    assert "alert raised" in logged  # the logs did speak
    assert "unhandled error" in logged  # including the corrupt record's traceback
    assert "message dead-lettered" in logged
    assert "alert e-mailed" in logged
    assert "e-mail delivery failed; retried later" in logged
    assert any("GARCIA LOPEZ" in str(mail) for mail in smtp.sent)  # the office's own data went to the office
    assert "duty@los.example.gov" not in logged
    for value in PERSONAL_DATA:
        assert value not in logged, f"{value!r} reached the logs"
