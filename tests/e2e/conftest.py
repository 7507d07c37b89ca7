"""End-to-end: the real processes, started the way `make run` starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import redis

from releasewatch.redis_server import free_port
from tests.redis_for_tests import RedisForTests

STARTUP_TIMEOUT = 30.0  # seconds; generous for a loaded CI machine, never asserted on
PATIENCE = 30.0  # seconds to wait for asynchronous effects; never asserted on

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, what: str) -> T:
    """``probe()`` once it answers something (polled; a hang guard, not a timing)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        result = probe()
        if result is not None:
            return result
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@dataclass
class RunningSystem:
    api: str
    notifier: str
    process: subprocess.Popen[bytes]
    redis_kind: str
    workdir: Path
    redis_url: str

    def stop(self) -> int:
        """Ctrl-C, as a person at the terminal would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def _wait_healthy(system: RunningSystem) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if system.process.poll() is not None:
            raise RuntimeError(f"releasewatch run exited with {system.process.returncode}")
        try:
            if (
                httpx.get(f"{system.api}/readyz", timeout=1).status_code == 200
                and httpx.get(f"{system.notifier}/readyz", timeout=1).status_code == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    system.stop()
    raise TimeoutError("releasewatch run did not become ready")


def _redis_major_version(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(str(client.info("server")["redis_version"]).split(".")[0])
    finally:
        client.close()


def start_system(workdir: Path, *, redis_url: str | None, env_extra: dict[str, str] | None = None) -> RunningSystem:
    """`releasewatch run` as `make run` starts it: from ``workdir``, with its default relative var/
    (and ``env_extra``, e.g. API keys)."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "RW_REDIS_URL"}}
    env.update(env_extra or {})
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    else:
        embedded_port = free_port()
        env["RW_EMBEDDED_REDIS_PORT"] = str(embedded_port)
    api_port, notifier_port = free_port(), free_port()
    env.update({"RW_LOG_FORMAT": "text", "RW_POLL_INTERVAL_MS": "50"})
    process = subprocess.Popen(
        [sys.executable, "-m", "releasewatch", "run", "--port", str(api_port), "--health-port", str(notifier_port)],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
    )
    system = RunningSystem(
        f"http://127.0.0.1:{api_port}",
        f"http://127.0.0.1:{notifier_port}",
        process,
        "redis7" if redis_url else "embedded",
        workdir,
        redis_url or f"redis://127.0.0.1:{embedded_port}/0",
    )
    _wait_healthy(system)
    return system


@pytest.fixture(params=["embedded", "redis7"])
def running_system(
    request: pytest.FixtureRequest, redis_server: RedisForTests, tmp_path: Path
) -> Iterator[RunningSystem]:
    """`releasewatch run` on the embedded Redis (REDIS_URL unset), or on the tests' Redis 7."""
    redis_url = None
    if request.param == "redis7":
        if _redis_major_version(redis_server.url) < 7:
            pytest.skip(f"the tests' Redis ({redis_server.source}) is older than 7")
        redis.Redis.from_url(redis_server.url).flushdb()
        redis_url = redis_server.url
    system = start_system(tmp_path, redis_url=redis_url)
    try:
        yield system
    finally:
        system.stop()
