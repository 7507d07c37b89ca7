"""End-to-end fixtures: the real processes, started the way `make run` starts them (see ``system``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.system import RunningSystem, redis_major_version, start_system
from tests.redis_for_tests import RedisForTests


@pytest.fixture(params=["embedded", "redis7"])
def running_system(
    request: pytest.FixtureRequest, redis_server: RedisForTests, tmp_path: Path
) -> Iterator[RunningSystem]:
    """`releasewatch run` on the embedded Redis (REDIS_URL unset), or on the tests' Redis 7."""
    redis_url = None
    if request.param == "redis7":
        if redis_major_version(redis_server.url) < 7:
            pytest.skip(f"the tests' Redis ({redis_server.source}) is older than 7")
        with redis.Redis.from_url(redis_server.url) as client:  # closed here, not whenever it is collected
            client.flushdb()
        redis_url = redis_server.url
    system = start_system(tmp_path, redis_url=redis_url)
    try:
        yield system
    finally:
        system.stop()
