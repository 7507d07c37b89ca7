"""Fixtures every test layer shares: one real Redis per session, flushed per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import redis
from redis.asyncio import Redis

from contracts import RedisNames
from tests.redis_for_tests import RedisForTests, redis_for_tests


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisForTests]:
    with redis_for_tests() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisForTests) -> Iterator[str]:
    """A real Redis with an empty database for this test."""
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushdb()
        yield redis_server.url
    finally:
        client.close()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def names() -> RedisNames:
    return RedisNames()
