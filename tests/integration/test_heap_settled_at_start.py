"""Once started, each service puts what start-up loaded out of the garbage collector's later full collections,
and collects its young objects less often.

Without it a full collection walks every module, schema and validator the process loaded, tens of ms in the
middle of whatever the service was doing (a batch, a request), every few seconds under a steady trickle; and a
batch's objects, promoted by young collections in the middle of it, set off full collections every second or so.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ingest.app import create_app
from ingest.settings import IngestSettings
from notifier.bootstrap import build_notifier
from notifier.settings import NotifierSettings
from runtime.heap import YOUNG_COLLECTION_EVERY
from tests.support.collector import collect_quietly


@pytest.fixture
def unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    collect_quietly()  # what earlier tests left for the collector, collected before start-up does
    yield
    gc.unfreeze()  # the rest of the suite collects as it did
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("unfrozen")
async def test_ingest_freezes_what_it_loaded_once_started(redis_url: str) -> None:
    app = create_app(IngestSettings(redis_url=redis_url, log_format="text"))
    assert gc.get_freeze_count() == 0

    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        young = gc.get_threshold()[0]

    assert frozen > 10_000  # the modules, their classes and validators: tens of thousands of objects
    assert young == YOUNG_COLLECTION_EVERY


@pytest.mark.usefixtures("unfrozen")
async def test_the_notifier_freezes_what_it_loaded_once_started(redis_url: str) -> None:
    notifier = build_notifier(NotifierSettings(redis_url=redis_url, consumer_name="heap", poll_interval_ms=50))
    assert gc.get_freeze_count() == 0
    try:
        await notifier.run()
        frozen = gc.get_freeze_count()
        young = gc.get_threshold()[0]
    finally:
        await notifier.stop()

    assert frozen > 10_000
    assert young == YOUNG_COLLECTION_EVERY
