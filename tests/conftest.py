"""Fixtures every test layer shares: one real Redis per session, flushed per test, and a real browser."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
import redis
from bench.outcome_month import MONTH_END, MONTH_START, SyntheticMonth, synthetic_month
from playwright.async_api import Browser, async_playwright
from redis.asyncio import Redis

from contracts import RedisNames
from reports import OutcomeReport, Scope, outcome_report
from runtime.redis import connect_redis
from tests.browser_for_tests import CHROMIUM_ARGS, chromium_path
from tests.redis_for_tests import RedisForTests, redis_for_tests, shared_server_problem


def pytest_configure(config: pytest.Config) -> None:
    # Before any worker starts: parallel workers cannot share the one server REDIS_URL names.
    problem = shared_server_problem(getattr(config.option, "numprocesses", None) or 0)
    if problem is not None:
        raise pytest.UsageError(problem)


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
async def lean_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client as the services connect (``connect_redis``: commands packed by hiredis, lean round trips)."""
    client = connect_redis(redis_url)
    assert isinstance(client, Redis)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def names() -> RedisNames:
    return RedisNames()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium (see ``tests/browser_for_tests.py``), one per test: each test's pages live in its own
    event loop. Skipped where no Chromium can be had, except on CI."""
    path = chromium_path()
    if path is None:
        reason = "no Chromium here: install Debian's chromium (apt-get install -y chromium) or set RW_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs it on CI")
        pytest.skip(reason)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="session")
def month() -> SyntheticMonth:
    """The synthetic month of feeds across five facilities, with its outcomes known (``bench/outcome_month.py``)."""
    return synthetic_month()


@pytest.fixture(scope="session")
def november(month: SyntheticMonth) -> OutcomeReport:
    """The month's outcome report, every facility and office."""
    scope = Scope(period_from=MONTH_START, period_to=MONTH_END)
    return outcome_report(month.records, scope, generated_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
