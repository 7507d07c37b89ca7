"""The notifier as it runs: waiting for Redis, preparing (consumer groups at id 0, the detainers loaded, its own
pending entries re-processed), reading, its chores on timers, and stopping within a grace period.

Everything it runs is built once by ``notifier.bootstrap.build_notifier``; nothing connects at import time.
The subscribers are thin: they hand the raw batch to a processor and acknowledge it when the processor
returns. A batch whose processing raised is not acknowledged and stays pending for another attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum

import httpx
from faststream.redis import RedisBroker

from contracts import DELIVERIES_GROUP, EMAILS_GROUP, NOTIFIER_GROUP, RedisNames
from notifier.chores.feed_health import FeedMonitor
from notifier.chores.scheduler import Scheduler
from notifier.chores.trimming import StreamTrimmer
from notifier.chores.weekly_report import WeeklyReport
from notifier.consuming.batch_runner import BatchRunner
from notifier.handlers.custody_events import CustodyEventProcessor
from notifier.handlers.detainer_index import DetainerIndex
from notifier.handlers.detainer_lodged import DetainerLodgeProcessor
from notifier.handlers.ports import BookingsByPerson, BookingStates
from notifier.settings import NotifierSettings
from policies.enforcement import PolicyEnforcement
from runtime import RedisClient, heap, redis_is_reachable
from store.audit import AuditTrail
from store.consumer_groups import IdleConsumerRemover, ensure_consumer_group

__all__ = ["Notifier", "Phase"]

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
    weekly_report: WeeklyReport | None = None  # with RW_REPORT_RECIPIENTS
    booking_index: BookingsByPerson | None = None  # moved to its current layout before reading, then pruned
    bookings: BookingStates | None = None  # what the booking index refiles under its current keys once
    phase: Phase = Phase.WAITING_FOR_REDIS
    webhook_http: httpx.AsyncClient | None = None  # one per process, shared by every webhook post
    policies: PolicyEnforcement | None = None  # the sharing policies: their loads in the audit trail, SIGHUP reloads
    audit: AuditTrail | None = None
    _chores: list[asyncio.Task[None]] = field(default_factory=list, init=False, repr=False)

    async def run(self) -> None:
        """Start: wait for Redis, prepare, then let the subscribers read. ``phase`` says how far it got."""
        try:
            await self.prepare()
            if self.policies is not None and self.audit is not None:
                await self.policies.record_start(self.audit)  # the file this notifier enforces, by its digest
                self.policies.reload_on_hangup(self.audit)
            heap.settle()  # what start-up loaded lives as long as we do: out of the collector's way
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
        if self.booking_index is not None and self.bookings is not None:
            self._chores.append(asyncio.create_task(self._refile_former_keys(self.booking_index, self.bookings)))
        if self.booking_index is not None:
            prune = self.booking_index.prune  # the index's expired filings, in buckets nobody wrote since
            self._chores.append(asyncio.create_task(_every(self.settings.trim_interval_seconds, "prune index", prune)))
        if self.weekly_report is not None:
            send = self.weekly_report.send_if_due
            self._chores.append(asyncio.create_task(_every(self.settings.report_check_seconds, "weekly report", send)))
        log.info("notifier running", extra={"consumer": self.settings.consumer_name})

    async def stop(self) -> None:
        """Stop reading; a batch in flight gets RW_SHUTDOWN_GRACE_SECONDS to finish, or stays pending."""
        self.phase = Phase.STOPPING
        if self.policies is not None:
            self.policies.stop_reloading()
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
        if self.booking_index is not None:
            former = await self.booking_index.upgrade()
            if former:
                log.info("booking index sets of the former layout moved", extra={"sets": former})
        await self.detainers.load()
        log.info("matching thresholds", extra=asdict(self.detainers.thresholds))
        for runner in self.runners:
            recovered = await runner.recover_own_pending(
                self.settings.consumer_name, batch_size=self.settings.batch_size
            )
            if recovered:
                log.info("own pending entries re-processed", extra={"stream": runner.label, "entries": recovered})

    @staticmethod
    async def _refile_former_keys(index: BookingsByPerson, bookings: BookingStates) -> None:
        """Once, beside reading: the bookings filed under the former scheme's blocking keys moved to the current
        one's (lookups read both meanwhile). A failure is tried again at the next start."""
        try:
            moved = await index.refile_former_keys(bookings.every_state())
        except Exception:
            log.warning(
                "booking index not refiled under the current blocking keys; tried at the next start", exc_info=True
            )
            return
        if moved is not None:
            log.info("booking index refiled under the current blocking keys", extra={"bookings": moved})

    async def close(self) -> None:
        if self.webhook_http is not None:
            await self.webhook_http.aclose()
        await self.redis.aclose()


async def _every(seconds: float, what: str, chore: Callable[[], Awaitable[object]]) -> None:
    """Run ``chore`` every ``seconds`` until cancelled; a failure is logged and tried again next time."""
    task = asyncio.current_task()
    while True:
        await asyncio.sleep(seconds)
        try:
            await chore()
        except Exception:  # Redis away for a moment: the next round tries again
            if task is None or not task.cancelling():
                log.warning("periodic chore failed", extra={"chore": what}, exc_info=True)
        if task is not None and task.cancelling():
            # Stopping, and the cancel reached the chore mid-command, where the Redis client can answer it with
            # another error or with nothing at all. Carrying on would outlive the stop, which waits for us.
            raise asyncio.CancelledError


async def _wait_for_redis(redis: RedisClient) -> None:
    waited = 0.0
    delay = 0.1
    while not await redis_is_reachable(redis, within_seconds=1.0):
        if waited == 0.0 or int(waited // _REDIS_WAIT_LOG_EVERY) != int((waited - delay) // _REDIS_WAIT_LOG_EVERY):
            log.warning("waiting for redis", extra={"waited_seconds": round(waited, 1)})
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 2.0)
