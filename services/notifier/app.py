"""Wiring the notifier: settings, Redis, the FastStream broker and its subscribers.

Everything is built here at start-up and nothing connects at import time.
The subscribers are thin: they hand the raw batch to a processor and
acknowledge it when the processor returns. A batch whose processing raised
is not acknowledged and stays pending for another attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from enum import StrEnum

import httpx
from faststream import AckPolicy
from faststream.redis import RedisBroker, RedisClusterBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage

from contracts import DELIVERIES_GROUP, EMAILS_GROUP, NOTIFIER_GROUP, RedisNames
from notifier.adapters.alert_store import AlertStore
from notifier.adapters.booking_index import BookingIndex
from notifier.adapters.booking_store import BookingStore
from notifier.adapters.dead_letters import DeadLetterWriter
from notifier.adapters.delivery_records import DeliveryRecords
from notifier.adapters.detainer_index import DetainerIndex
from notifier.adapters.feed_stats import FeedStats
from notifier.adapters.roster_reports import RosterReports
from notifier.adapters.smtp import SmtpTransport
from notifier.adapters.stream_entries import keep_raw_entries, raw_entries
from notifier.delivery import BatchRunner
from notifier.email_delivery import EmailDeliveryProcessor, MailSettings
from notifier.feed_health import FeedMonitor
from notifier.metrics import BATCH_SECONDS
from notifier.scheduler import JobPlanner, Scheduler
from notifier.service import AlertReviewProcessor, CustodyEventProcessor, DetainerLodgeProcessor, NotifierPorts
from notifier.settings import NotifierSettings
from notifier.trimming import StreamTrimmer
from notifier.webhook_delivery import RetryPolicy, WebhookDeliveryProcessor
from runtime import IdleConsumerRemover, RedisClient, connect_redis, ensure_consumer_group, redis_is_reachable

__all__ = ["Notifier", "Phase", "build_notifier"]

log = logging.getLogger(__name__)

_REDIS_WAIT_LOG_EVERY = 5.0  # seconds between "still waiting for Redis" lines


class Phase(StrEnum):
    WAITING_FOR_REDIS = "waiting_for_redis"
    PREPARING = "preparing"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"


@dataclass
class Notifier:
    """The assembled notifier: its processors, subscribers and where it is in its life."""

    settings: NotifierSettings
    names: RedisNames
    redis: RedisClient
    broker: RedisBroker
    detainers: DetainerIndex
    custody: CustodyEventProcessor
    lodges: DetainerLodgeProcessor
    runners: list[BatchRunner]
    trimmer: StreamTrimmer
    idle_consumers: IdleConsumerRemover
    scheduler: Scheduler
    feeds: FeedMonitor
    phase: Phase = Phase.WAITING_FOR_REDIS
    webhook_http: httpx.AsyncClient | None = None  # one per process, shared by every webhook post
    _chores: list[asyncio.Task[None]] = field(default_factory=list, init=False, repr=False)

    async def run(self) -> None:
        """Start: wait for Redis, prepare, then let the subscribers read. ``phase`` says how far it got."""
        try:
            await self.prepare()
            await self.broker.start()
        except Exception:
            self.phase = Phase.FAILED
            log.exception("notifier failed to start")
            raise
        self.phase = Phase.RUNNING
        self._chores = [
            asyncio.create_task(_every(self.settings.trim_interval_seconds, "trim streams", self.trimmer.trim_all)),
            asyncio.create_task(
                _every(self.settings.trim_interval_seconds, "remove idle consumers", self.idle_consumers.remove_all)
            ),
            asyncio.create_task(_every(self.settings.detainer_sync_seconds, "sync detainers", self.detainers.sync)),
            asyncio.create_task(_every(self.settings.scheduler_tick_seconds, "run due jobs", self.scheduler.run_due)),
            asyncio.create_task(_every(self.settings.feed_check_seconds, "check feeds", self.feeds.check_all)),
        ]
        log.info("notifier running", extra={"consumer": self.settings.consumer_name})

    async def stop(self) -> None:
        """Stop reading; a batch in flight gets RW_SHUTDOWN_GRACE_SECONDS to finish, or stays pending."""
        self.phase = Phase.STOPPING
        for chore in self._chores:
            chore.cancel()
        await asyncio.gather(*self._chores, return_exceptions=True)
        try:
            # FastStream waits RW_SHUTDOWN_GRACE_SECONDS for the batch in flight; never wait for ever.
            await asyncio.wait_for(self.broker.stop(), timeout=self.settings.shutdown_grace_seconds + 5)
        except TimeoutError:
            log.warning("subscribers did not stop in time; what they held stays pending and is retried")
        await self.close()

    async def prepare(self) -> None:
        """Before any subscriber reads: wait for Redis, create groups at id 0, load the detainers,
        and re-process what this consumer read before a restart and never acknowledged."""
        self.phase = Phase.WAITING_FOR_REDIS
        await _wait_for_redis(self.redis)
        self.phase = Phase.PREPARING
        for stream in (self.names.custody_events, self.names.detainer_changes, self.names.alert_reviews):
            if await ensure_consumer_group(self.redis, stream, NOTIFIER_GROUP):
                log.info("consumer group created at id 0", extra={"stream": stream})
        for channel_group in (DELIVERIES_GROUP, EMAILS_GROUP):
            if await ensure_consumer_group(self.redis, self.names.alerts_raised, channel_group):
                log.info("consumer group created at id 0", extra={"stream": self.names.alerts_raised})
        await self.detainers.load()
        log.info("matching thresholds", extra=asdict(self.detainers.thresholds))
        for runner in self.runners:
            recovered = await runner.recover_own_pending(
                self.settings.consumer_name, batch_size=self.settings.batch_size
            )
            if recovered:
                log.info("own pending entries re-processed", extra={"stream": runner.label, "entries": recovered})

    async def close(self) -> None:
        if self.webhook_http is not None:
            await self.webhook_http.aclose()
        await self.redis.aclose()


async def _every(seconds: float, what: str, chore: Callable[[], Awaitable[object]]) -> None:
    """Run ``chore`` every ``seconds`` until cancelled; a failure is logged and tried again next time."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await chore()
        except Exception:  # Redis away for a moment: the next round tries again
            log.warning("periodic chore failed", extra={"chore": what}, exc_info=True)


async def _wait_for_redis(redis: RedisClient) -> None:
    waited = 0.0
    delay = 0.1
    while not await redis_is_reachable(redis, within_seconds=1.0):
        if waited == 0.0 or int(waited // _REDIS_WAIT_LOG_EVERY) != int((waited - delay) // _REDIS_WAIT_LOG_EVERY):
            log.warning("waiting for redis", extra={"waited_seconds": round(waited, 1)})
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 2.0)


def build_notifier(settings: NotifierSettings | None = None) -> Notifier:
    settings = settings or NotifierSettings()
    names = RedisNames(settings.key_prefix)
    redis = connect_redis(settings.redis_url, cluster=settings.redis_cluster, timeout=settings.redis_timeout_seconds)
    broker_class = RedisClusterBroker if settings.redis_cluster else RedisBroker
    broker = broker_class(
        settings.redis_url,
        graceful_timeout=settings.shutdown_grace_seconds,
        logger=logging.getLogger("notifier.broker"),
        log_level=logging.DEBUG,  # one line per batch is noise at INFO; our processors log what matters
    )

    detainers = DetainerIndex(redis, names, config=settings.match_config())
    retention_seconds = settings.booking_retention_days * 24 * 3600
    dead_letters = DeadLetterWriter(redis, names)
    bookings = BookingStore(redis, names, retention_seconds=retention_seconds)
    policy = settings.schedule_policy()
    alerts = AlertStore(
        redis,
        names,
        planner=JobPlanner(redis, names, policy),
        overdue_after=timedelta(seconds=policy.release_overdue_seconds),
        bookings=bookings,
    )
    feeds = FeedMonitor(FeedStats(redis, names, settings.feed_policy()), alerts)
    ports = NotifierPorts(
        bookings=bookings,
        booking_index=BookingIndex(redis, names, retention_seconds=retention_seconds),
        detainers=detainers,
        alerts=alerts,
        dead_letters=dead_letters,
        roster_reports=RosterReports(redis, names),
        group=NOTIFIER_GROUP,
        feeds=feeds,
    )
    custody = CustodyEventProcessor(ports)
    lodges = DetainerLodgeProcessor(ports)
    runners = {
        label: BatchRunner(
            client=redis,
            stream=stream,
            group=NOTIFIER_GROUP,
            stream_label=label,
            processor=processor,
            dead_letters=dead_letters,
            max_deliveries=settings.max_deliveries,
        )
        for label, stream, processor in (
            ("custody", names.custody_events, custody),
            ("detainers", names.detainer_changes, lodges),
            ("reviews", names.alert_reviews, AlertReviewProcessor(ports)),
        )
    }
    # Webhooks: the alert stream in its own group; retries wait in the pending list (webhook_delivery).
    webhook_http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
    runners["webhooks"] = BatchRunner(
        client=redis,
        stream=names.alerts_raised,
        group=DELIVERIES_GROUP,
        stream_label="webhooks",
        processor=WebhookDeliveryProcessor(
            client=redis,
            group=DELIVERIES_GROUP,
            consumer=settings.consumer_name,
            http=webhook_http,
            webhooks=settings.webhook_offices(),
            records=DeliveryRecords(redis, names),
            dead_letters=dead_letters,
            policy=RetryPolicy(
                max_attempts=settings.webhook_max_attempts,
                backoff_base_seconds=settings.webhook_backoff_seconds,
                backoff_cap_seconds=settings.reclaim_idle_seconds,
            ),
        ),
        dead_letters=dead_letters,
        # A failure to post is counted against RW_WEBHOOK_MAX_ATTEMPTS; this bounds failures of our own.
        max_deliveries=max(settings.max_deliveries, settings.webhook_max_attempts),
    )

    # E-mail: the alert stream in a group of its own, so it progresses and fails apart from the webhooks.
    runners["emails"] = BatchRunner(
        client=redis,
        stream=names.alerts_raised,
        group=EMAILS_GROUP,
        stream_label="emails",
        processor=EmailDeliveryProcessor(
            client=redis,
            names=names,
            group=EMAILS_GROUP,
            consumer=settings.consumer_name,
            transport=SmtpTransport(settings.smtp_server()),
            offices=settings.email_offices(),
            mail=MailSettings(
                sender=settings.email_from or "releasewatch@localhost",
                link_base_url=settings.email_link_base_url,
                with_html=settings.email_html,
            ),
            records=DeliveryRecords(redis, names, delivered_key=names.alerts_emailed),
            dead_letters=dead_letters,
            policy=RetryPolicy(
                max_attempts=settings.email_max_attempts,
                backoff_base_seconds=settings.email_backoff_seconds,
                backoff_cap_seconds=settings.reclaim_idle_seconds,
            ),
        ),
        dead_letters=dead_letters,
        max_deliveries=max(settings.max_deliveries, settings.email_max_attempts),
    )

    def _new_entries(name: str, group: str) -> StreamSub:
        return StreamSub(
            name,
            group=group,
            consumer=settings.consumer_name,
            batch=True,
            max_records=settings.batch_size,
            polling_interval=settings.poll_interval_ms,
        )

    def _idle_entries(name: str, group: str) -> StreamSub:
        # FastStream runs XAUTOCLAIM (one entry per call) instead of reading new entries.
        return StreamSub(
            name,
            group=group,
            consumer=settings.consumer_name,
            batch=True,
            min_idle_time=int(settings.reclaim_idle_seconds * 1000),
            polling_interval=settings.reclaim_poll_ms,
        )

    def _subscribe(runner: BatchRunner, read: StreamSub) -> None:
        @broker.subscriber(stream=read, parser=keep_raw_entries, ack_policy=AckPolicy.MANUAL)
        async def handle(message: RedisBatchStreamMessage) -> None:
            with BATCH_SECONDS.labels(stream=runner.label).time():
                await runner.run(raw_entries(message))

    for runner in runners.values():
        _subscribe(runner, _new_entries(runner.stream, runner.group))
        _subscribe(runner, _idle_entries(runner.stream, runner.group))

    trimmer = StreamTrimmer(
        redis,
        [names.custody_events, names.detainer_changes, names.alerts_raised, names.alert_reviews],
        retention_seconds=settings.stream_retention_seconds,
    )
    idle_consumers = IdleConsumerRemover(
        redis,
        [(runner.stream, runner.group) for runner in runners.values()],
        heir=settings.consumer_name,
        idle_limit_seconds=settings.consumer_idle_limit_seconds,
    )
    scheduler = Scheduler(redis, names, bookings=bookings, detainers=detainers, releases=alerts.releases)
    return Notifier(
        settings,
        names,
        redis,
        broker,
        detainers,
        custody,
        lodges,
        list(runners.values()),
        trimmer,
        idle_consumers,
        scheduler,
        feeds,
        webhook_http=webhook_http,
    )
