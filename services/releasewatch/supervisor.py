"""Run ingest and notifier as child processes, and stop them all cleanly.

`releasewatch run` (and so `make run`) uses this; so does the end-to-end
test suite, which drives the very processes a newcomer starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["ChildProcess", "Supervisor"]

_STOP_TIMEOUT = 15.0  # seconds a child gets to finish its in-flight work after SIGTERM


@dataclass
class ChildProcess:
    name: str
    module: str  # run as `python -m <module>`
    health_url: str
    env: Mapping[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", self.module],
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops children in order
        )

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def healthy(self, http: httpx.Client) -> bool:
        try:
            return http.get(self.health_url).status_code == 200
        except httpx.HTTPError:
            return False

    def hang_up(self) -> None:
        """Pass SIGHUP on (the services reload their sharing policy file)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGHUP)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.exit_code
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@dataclass
class Supervisor:
    children: list[ChildProcess]

    def start(self, *, timeout: float = 30.0) -> None:
        """Start every child and wait until each answers its health URL."""
        for child in self.children:
            child.start()
        deadline = time.monotonic() + timeout
        waiting = list(self.children)
        # One client for every probe: a client of its own per probe (httpx.get) costs tens of milliseconds of
        # CPU each (it loads the TLS certificates), taken from the children starting up beside it.
        with httpx.Client(timeout=1.0) as http:
            while waiting:
                for child in list(waiting):
                    if child.exit_code is not None:
                        self.stop()
                        raise RuntimeError(f"{child.name} exited at start-up with code {child.exit_code}")
                    if child.healthy(http):
                        waiting.remove(child)
                if waiting and time.monotonic() > deadline:
                    self.stop()
                    names = ", ".join(child.name for child in waiting)
                    raise TimeoutError(f"{names} did not become healthy within {timeout} s")
                time.sleep(0.1)

    def first_exited(self) -> ChildProcess | None:
        return next((child for child in self.children if child.exit_code is not None), None)

    def hang_up(self) -> None:
        """SIGHUP to every child: each reloads its sharing policy file."""
        for child in self.children:
            child.hang_up()

    def stop(self) -> None:
        """Stop the edge first (no new input), then the consumers."""
        for child in self.children:
            child.stop()


def var_path(base: Path, *parts: str) -> Path:
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
