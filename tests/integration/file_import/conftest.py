"""The ingest app served over real HTTP on a local port, for the `releasewatch ingest` command to talk to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.settings import IngestSettings
from tests.integration.serving import ServedApi, served_over_http


@pytest.fixture
def served_api(redis_url: str) -> Iterator[ServedApi]:
    """The ingest app (auth off) over the test's Redis."""
    with served_over_http(IngestSettings(redis_url=redis_url, log_format="text", auth="off")) as served:
        yield served
