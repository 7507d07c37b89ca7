"""Once started, each service puts what start-up loaded out of the garbage collector's later full collections.

Without it a full collection walks every module, schema and validator the process loaded, tens of ms in the
middle of whatever the service was doing (a batch, a request), every few seconds under a steady trickle.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ingest.app import create_app
from ingest.settings import IngestSettings
from notifier.bootstrap import build_notifier
from notifier.settings import NotifierSettings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite collects as it did


@pytest.mark.usefixtures("unfrozen")
async def test_ingest_freezes_what_it_loaded_once_started(redis_url: str) -> None:
    app = create_app(IngestSettings(redis_url=redis_url, log_format="text"))
    assert gc.get_freeze_count() == 0

    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()

    assert frozen > 10_000  # the modules, their classes and validators: tens of thousands of objects


@pytest.mark.usefixtures("unfrozen")
async def test_the_notifier_freezes_what_it_loaded_once_started(redis_url: str) -> None:
    notifier = build_notifier(NotifierSettings(redis_url=redis_url, consumer_name="heap", poll_interval_ms=50))
    assert gc.get_freeze_count() == 0
    try:
        await notifier.run()
        frozen = gc.get_freeze_count()
    finally:
        await notifier.stop()

    assert frozen > 10_000
