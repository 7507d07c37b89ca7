"""The whole system as the end-to-end tests run it: the real processes, started the way `make run` starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import redis
from prometheus_client.parser import text_string_to_metric_families

from releasewatch.redis_server import free_port, port_is_free

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
    more_notifiers: tuple[str, ...] = ()  # with ``--notifiers``: the others' health addresses

    @property
    def notifiers(self) -> tuple[str, ...]:
        return (self.notifier, *self.more_notifiers)

    def stop(self) -> int:
        """Ctrl-C, as a person at the terminal would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def _wait_healthy(system: RunningSystem) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    # One client for every probe: httpx.get makes a client per call, tens of milliseconds of CPU each (it loads
    # the TLS certificates), taken from the processes starting up.
    with httpx.Client(timeout=1) as http:
        while time.monotonic() < deadline:
            if system.process.poll() is not None:
                raise RuntimeError(f"releasewatch run exited with {system.process.returncode}")
            try:
                if http.get(f"{system.api}/readyz").status_code == 200 and all(
                    http.get(f"{notifier}/readyz").status_code == 200 for notifier in system.notifiers
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    system.stop()
    raise TimeoutError("releasewatch run did not become ready")


def redis_major_version(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(str(client.info("server")["redis_version"]).split(".")[0])
    finally:
        client.close()


def _free_ports_from(count: int, taken: set[int]) -> int:
    """A port free with the ``count - 1`` after it (``--notifiers`` counts health ports up from one), none of them
    among ``taken`` (ports chosen already, free until their process binds them: the system would refuse to share
    one), which it joins."""
    while True:
        first = free_port()
        ports = range(first, first + count)
        if taken.isdisjoint(ports) and all(port_is_free("127.0.0.1", port) for port in ports[1:]):
            taken.update(ports)
            return first


def start_system(
    workdir: Path, *, redis_url: str | None, env_extra: dict[str, str] | None = None, notifiers: int = 1
) -> RunningSystem:
    """`releasewatch run` as `make run` starts it: from ``workdir``, with its default relative var/
    (and ``env_extra``, e.g. API keys; ``notifiers``: processes sharing the work, ``--notifiers``)."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "RW_REDIS_URL"}}
    env.update(env_extra or {})
    taken: set[int] = set()
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    else:
        embedded_port = _free_ports_from(1, taken)
        env["RW_EMBEDDED_REDIS_PORT"] = str(embedded_port)
    api_port = _free_ports_from(1, taken)
    notifier_port = _free_ports_from(notifiers, taken)
    env.update({"RW_LOG_FORMAT": "text", "RW_POLL_INTERVAL_MS": "50"})
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "releasewatch", "run", "--port", str(api_port)),
            *("--health-port", str(notifier_port), "--notifiers", str(notifiers)),
        ],
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
        tuple(f"http://127.0.0.1:{notifier_port + number}" for number in range(1, notifiers)),
    )
    _wait_healthy(system)
    return system


def events_processed(system: RunningSystem, notifier: str | None = None) -> int:
    """Custody events the system's notifier (or the one at ``notifier``) has processed, by its metrics."""
    text = httpx.get(f"{notifier or system.notifier}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        if family.name == "releasewatch_notifier_events":
            return int(sum(sample.value for sample in family.samples if sample.name.endswith("_total")))
    return 0


def alerts_of(api: httpx.Client, office: str) -> list[dict[str, Any]]:
    answer = api.get("/v1/alerts", params={"field_office": office})
    assert answer.status_code == 200
    alerts: list[dict[str, Any]] = answer.json()["alerts"]
    return alerts
