"""End-to-end fixtures: the real processes, started the way `make run` starts them (see ``system``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.system import RunningSystem, redis_major_version, start_system
from tests.redis_for_tests import RedisForTests


class SystemOfModule:
    """One `releasewatch run` for a test module's tests (starting one takes seconds): each test keeps to its own
    people, bookings, ids and offices, and a test that stops it (Ctrl-C) leaves the next one a fresh start."""

    def __init__(self, redis_url: str | None, workdirs: pytest.TempPathFactory) -> None:
        self.redis_url = redis_url
        self.workdirs = workdirs
        self.system: RunningSystem | None = None

    def running(self) -> RunningSystem:
        if self.system is None or self.system.process.poll() is not None:
            if self.redis_url is not None:
                with redis.Redis.from_url(self.redis_url) as client:  # closed here, not whenever it is collected
                    client.flushdb()
            workdir: Path = self.workdirs.mktemp("system")
            self.system = start_system(workdir, redis_url=self.redis_url)
        return self.system

    def stop(self) -> None:
        if self.system is not None:
            self.system.stop()


@pytest.fixture(scope="module", params=["embedded", "redis7"])
def system_of_module(
    request: pytest.FixtureRequest, redis_server: RedisForTests, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SystemOfModule]:
    """`releasewatch run` on the embedded Redis (REDIS_URL unset), or on the tests' Redis 7."""
    redis_url = None
    if request.param == "redis7":
        if redis_major_version(redis_server.url) < 7:
            pytest.skip(f"the tests' Redis ({redis_server.source}) is older than 7")
        redis_url = redis_server.url
    systems = SystemOfModule(redis_url, tmp_path_factory)
    try:
        yield systems
    finally:
        systems.stop()


@pytest.fixture
def running_system(system_of_module: SystemOfModule) -> RunningSystem:
    """The module's running system (started again if a test stopped it)."""
    return system_of_module.running()
