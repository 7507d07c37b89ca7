"""Fixtures of the notifier's integration tests: a notifier's processors over the test Redis, the streams read
as the notifier reads them, the ingest API (with real keys too), the offices' webhook receiver and mailbox, and
a notifier on a clock the test moves. What they hand out is defined in ``support``, ``channels`` and ``desks``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from aiosmtpd.smtp import SMTP
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from notifier.bootstrap import build_notifier
from tests.integration.notifier.channels import Channels, Mailbox, Receiver
from tests.integration.notifier.desks import Desk
from tests.integration.notifier.support import (
    KEYS,
    RELEASE_AT,
    IngestApi,
    MovableClock,
    NotifierInstance,
    Outcome,
    ScheduledNotifier,
    ServedOffice,
    Streams,
    WiredNotifier,
    build_ports,
    settings_for,
    start_scheduled_notifier,
)
from tests.integration.serving import keys_json, served_over_tcp, serving


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


@pytest.fixture
async def wired(redis_url: str) -> AsyncIterator[WiredNotifier]:
    """The notifier as a process runs it (not started: the test starts it when it wants)."""
    wired = WiredNotifier(build_notifier(settings_for(redis_url)))
    try:
        yield wired
    finally:
        await wired.stop()


# --- the API with real keys: a jail, two field offices and an operator ---------------------------


@pytest.fixture
async def keyed_api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The ingest API with authentication on and the ``KEYS`` of ``support``."""
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(KEYS.values()))
    async with serving(settings) as client:
        yield client


@pytest.fixture
def desk(keyed_api: httpx.AsyncClient) -> Desk:
    return Desk(keyed_api)


# --- the offices' ends of the channels: a webhook receiver and an SMTP server ---------------------


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


@pytest.fixture
async def scheduled_notifier(redis_client: Redis, names: RedisNames) -> ScheduledNotifier:
    """Starts two days before ``RELEASE_AT``, so the release's reminders are planned."""
    return await start_scheduled_notifier(redis_client, names, MovableClock(RELEASE_AT - timedelta(days=2)))


# --- the office page in a real browser: ingest served over TCP, a notifier on the real clock ------------


@pytest.fixture
async def served_office(redis_url: str, redis_client: Redis, names: RedisNames) -> AsyncIterator[ServedOffice]:
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="off", live_heartbeat_seconds=1)
    notifier = await start_scheduled_notifier(redis_client, names, MovableClock(datetime.now(UTC)))
    async with served_over_tcp(settings) as served:
        yield ServedOffice(served, notifier, Streams(redis_client, names))
