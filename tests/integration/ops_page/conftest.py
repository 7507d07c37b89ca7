"""The operators' page served as a browser reaches it: over TCP, keys required, one notifier on the real clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.settings import IngestSettings
from tests.integration.notifier.support import MovableClock, Streams, start_scheduled_notifier
from tests.integration.ops_page.support import ServedOps, page_keys
from tests.integration.serving import served_over_tcp


@pytest.fixture
async def served_ops(redis_url: str, redis_client: Redis, names: RedisNames) -> AsyncIterator[ServedOps]:
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="required", api_keys=page_keys())
    notifier = await start_scheduled_notifier(redis_client, names, MovableClock(datetime.now(UTC)))
    async with served_over_tcp(settings) as served:
        yield ServedOps(served, notifier, Streams(redis_client, names), redis_client, names)
