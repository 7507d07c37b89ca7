"""The match thresholds are configuration: RW_MATCH_* move what is an alert and what goes to review."""

from __future__ import annotations

from redis.asyncio import Redis

from contracts import AlertKind, MatchDecision, RedisNames
from notifier.bootstrap import build_notifier
from notifier.handlers.detainer_index import DetainerIndex
from notifier.matching import fitted_model
from notifier.settings import NotifierSettings
from tests import samples
from tests.integration.notifier.desks import booked_by_name_only
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams, build_ports


async def test_an_automatic_threshold_above_a_name_match_sends_it_to_review_instead(
    redis_client: Redis,
    redis_url: str,
    names: RedisNames,
    streams: Streams,
    ingest_api: IngestApi,
    outcome: Outcome,
) -> None:
    # Under the fitted thresholds this booking is an automatic match (test_index_lifecycle.py).
    settings = NotifierSettings(redis_url=redis_url, match_auto_min_score=500.0)
    detainers = DetainerIndex(redis_client, names, config=settings.match_config())
    notifier = await NotifierInstance.start(build_ports(redis_client, names, detainers=detainers))
    await ingest_api.lodge(samples.detainer())

    await ingest_api.submit(samples.booking(person=booked_by_name_only()))
    await notifier.custody.process(await streams.new_custody_events())

    (alert,) = await outcome.alerts("LOS")
    assert alert.kind is AlertKind.POSSIBLE_MATCH
    assert alert.match.decision is MatchDecision.POSSIBLE_MATCH


async def test_the_notifier_decides_with_the_configured_thresholds_and_the_fitted_ones_for_the_rest(
    redis_url: str,
) -> None:
    notifier = build_notifier(NotifierSettings(redis_url=redis_url, match_auto_min_score=40.0, match_min_margin=5.0))
    try:
        thresholds = notifier.detainers.thresholds
    finally:
        await notifier.close()

    assert thresholds.auto_min_score == 40.0
    assert thresholds.min_margin == 5.0
    assert thresholds.review_min_score == fitted_model().thresholds["review"]
