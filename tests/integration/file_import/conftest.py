"""The ingest app served over real HTTP on a local port, for the `releasewatch ingest` command to talk to.

The command is a synchronous HTTP client, as an operator's terminal runs it,
so the app runs under uvicorn in a thread rather than in-process over ASGI.
A ``BatchGate`` in front of it counts batch requests and can answer the next
ones ``503``, as a busy API does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from ingest.app import create_app
from ingest.settings import IngestSettings
from releasewatch.redis_server import free_port

STARTUP_TIMEOUT = 30.0  # seconds; generous for a loaded machine, never asserted on
BATCH_PATH = "/v1/custody-events:batch"


@dataclass
class BatchGate:
    """ASGI middleware: counts batch posts and answers the next ``refuse_next`` of them 503."""

    app: ASGIApp
    batch_posts: int = 0
    refuse_next: int = 0
    retry_after: str = "0"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == BATCH_PATH and scope["method"] == "POST":
            self.batch_posts += 1
            if self.refuse_next > 0:
                self.refuse_next -= 1
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"retry-after", self.retry_after.encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b'{"title": "Busy", "status": 503}'})
                return
        await self.app(scope, receive, send)


@dataclass
class ServedApi:
    url: str
    gate: BatchGate


@contextmanager
def served_over_http(settings: IngestSettings) -> Iterator[ServedApi]:
    """The ingest app with ``settings`` on 127.0.0.1 at a free port, behind a ``BatchGate``."""
    gate = BatchGate(create_app(settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(gate, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="ingest-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the ingest app did not start")
        time.sleep(0.01)
    try:
        yield ServedApi(f"http://127.0.0.1:{port}", gate)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)


@pytest.fixture
def served_api(redis_url: str) -> Iterator[ServedApi]:
    """The ingest app (auth off) over the test's Redis."""
    with served_over_http(IngestSettings(redis_url=redis_url, log_format="text", auth="off")) as served:
        yield served
