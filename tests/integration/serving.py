"""The ingest app served in-process, as the integration tests talk to it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from ingest.app import create_app
from ingest.auth import ApiKeyEntry
from ingest.server import IngestServer
from ingest.settings import IngestSettings
from releasewatch.redis_server import free_port

__all__ = [
    "BASE_URL",
    "BATCH_PATH",
    "BatchGate",
    "Served",
    "ServedApi",
    "keys_json",
    "served_over_http",
    "served_over_tcp",
    "serving",
]

BASE_URL = "http://ingest.test"  # where the in-process app answers


@asynccontextmanager
async def serving(settings: IngestSettings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to an ingest app started with ``settings`` (lifespan run, Redis connected)."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        yield client


@dataclass
class Served:
    client: httpx.AsyncClient
    app: FastAPI
    server: IngestServer
    running: asyncio.Task[None]

    async def stop(self) -> None:
        """Stop the server as SIGTERM does, and wait until it has."""
        self.server.should_exit = True
        await self.running


@asynccontextmanager
async def served_over_tcp(settings: IngestSettings) -> AsyncIterator[Served]:
    """The ingest app served by uvicorn on a free local port, in this event loop.

    For streamed answers (the live feed): ``httpx.ASGITransport`` hands a response over only once it
    has ended. The grace period is short, so a response that does not end when the server stops is cut
    off (the client sees an incomplete body) instead of holding the test up."""
    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, access_log=False, timeout_graceful_shutdown=1
    )
    server = IngestServer(app, config)
    running = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):  # only if uvicorn never starts
        while not server.started:
            if running.done():
                running.result()
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    served = Served(httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10), app, server, running)
    try:
        async with served.client:
            yield served
    finally:
        if not running.done():
            await served.stop()


def keys_json(entries: Iterable[ApiKeyEntry]) -> str:
    """API key entries as ``RW_API_KEYS`` takes them."""
    return json.dumps([entry.model_dump(mode="json") for entry in entries])


# --- served in a thread, for synchronous clients (the `releasewatch` commands) -------------------------
#
# A command is a synchronous HTTP client, as an operator's terminal runs it, so the app runs under uvicorn
# in a thread rather than in-process over ASGI. A ``BatchGate`` in front of it counts batch requests and
# can answer the next ones ``503``, as a busy API does.

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
