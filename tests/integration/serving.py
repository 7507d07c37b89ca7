"""The ingest app served in-process, as the integration tests talk to it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

from ingest.app import create_app
from ingest.auth import ApiKeyEntry
from ingest.server import IngestServer
from ingest.settings import IngestSettings

__all__ = ["BASE_URL", "Served", "keys_json", "served_over_tcp", "serving"]

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
