"""Start-up and shutdown as an operator sees them through /healthz and /readyz."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from contracts import NOTIFIER_GROUP, RedisNames
from notifier.adapters.stream_entries import StreamEntry
from notifier.app import build_notifier
from notifier.http import create_http_app
from notifier.service import BatchReport
from notifier.settings import NotifierSettings
from releasewatch.redis_server import RedisServerProcess, embedded_redis_server, free_port, redis_server_on_path
from tests import samples
from tests.integration.notifier.conftest import IngestApi, Outcome
from tests.integration.notifier.test_wired_service import eventually, pending_on
from tests.redis_for_tests import RedisForTests


async def status_of(client: httpx.AsyncClient, path: str) -> tuple[int, str]:
    answer = await client.get(path)
    return answer.status_code, answer.json()["phase"]


async def test_a_notifier_started_before_redis_says_so_then_catches_up_when_redis_comes(
    redis_server: RedisForTests,
) -> None:
    binary = redis_server.binary or redis_server_on_path() or embedded_redis_server()
    if binary is None:
        pytest.skip("needs a redis-server binary to start Redis late")
    port = free_port()
    notifier = build_notifier(
        NotifierSettings(redis_url=f"redis://127.0.0.1:{port}/0", consumer_name="late", poll_interval_ms=50)
    )
    app = create_http_app(notifier)
    with tempfile.TemporaryDirectory() as directory:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier") as client,
        ):
            assert await status_of(client, "/healthz") == (200, "waiting_for_redis")
            assert await status_of(client, "/readyz") == (503, "waiting_for_redis")

            server = RedisServerProcess(binary=binary, directory=Path(directory), port=port)
            server.start()
            try:
                # A booking of a detained person, published while the notifier was not yet reading.
                redis = Redis.from_url(server.url)
                names = RedisNames()
                await redis.flushdb()
                await _publish_detainer_and_booking(redis, names)

                await eventually(lambda: status_of(client, "/readyz"), lambda s: s == (200, "running"), what="ready")
                alerts = await eventually(
                    lambda: Outcome(redis, names).alert_kinds("LOS"), bool, what="the alert of the early booking"
                )
                assert alerts == ["in_custody"]
                await redis.aclose()
            finally:
                server.stop()


async def _publish_detainer_and_booking(redis: Redis, names: RedisNames) -> None:
    """What ingest would have written: a lodged detainer and a booking, before any notifier read."""
    from httpx import ASGITransport

    from ingest.app import create_app
    from ingest.settings import IngestSettings

    url = f"redis://127.0.0.1:{redis.connection_pool.connection_kwargs['port']}/0"
    ingest = create_app(IngestSettings(redis_url=url, auth="off", log_format="text"))
    async with (
        ingest.router.lifespan_context(ingest),
        httpx.AsyncClient(transport=ASGITransport(app=ingest), base_url="http://ingest") as api,
    ):
        await IngestApi(api).lodge(samples.detainer())
        await IngestApi(api).submit(samples.booking())


async def test_a_stop_lets_the_batch_in_flight_finish_and_acknowledges_it(
    redis_url: str, redis_client: Redis, names: RedisNames, ingest_api: IngestApi, outcome: Outcome
) -> None:
    notifier = build_notifier(
        NotifierSettings(redis_url=redis_url, consumer_name="stopping", poll_interval_ms=50, shutdown_grace_seconds=5)
    )
    started = asyncio.Event()
    really_process = notifier.custody.process

    async def slow(entries: Sequence[StreamEntry]) -> BatchReport:
        started.set()
        await asyncio.sleep(0.5)  # a batch that takes a while
        return await really_process(entries)

    notifier.custody.process = slow  # type: ignore[method-assign]
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking())
    await notifier.run()
    await asyncio.wait_for(started.wait(), timeout=10)

    await notifier.stop()  # what SIGTERM does

    assert await outcome.alert_kinds("LOS") == ["in_custody"]
    assert await pending_on(redis_client, names.custody_events)() == 0
    assert (await redis_client.xinfo_groups(names.custody_events))[0]["name"].decode() == NOTIFIER_GROUP
