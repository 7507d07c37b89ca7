"""The ingest app served in-process, as the integration tests talk to it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import httpx

from ingest.app import create_app
from ingest.auth import ApiKeyEntry
from ingest.settings import IngestSettings

__all__ = ["keys_json", "serving"]


@asynccontextmanager
async def serving(settings: IngestSettings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to an ingest app started with ``settings`` (lifespan run, Redis connected)."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest.test") as client,
    ):
        yield client


def keys_json(entries: Iterable[ApiKeyEntry]) -> str:
    """API key entries as ``RW_API_KEYS`` takes them."""
    return json.dumps([entry.model_dump(mode="json") for entry in entries])
