"""Integration fixtures: the ingest app served in-process over real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ingest.settings import IngestSettings
from tests.integration.serving import serving


@pytest.fixture
def ingest_settings(redis_url: str) -> IngestSettings:
    return IngestSettings(redis_url=redis_url, log_format="text", auth="off")  # authorization: test_auth.py


@pytest.fixture
async def api(ingest_settings: IngestSettings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to a started ingest app (lifespan run, Redis connected)."""
    async with serving(ingest_settings) as client:
        yield client
