"""Wiring the notifier, once: the adapters behind its ports, its processors, its chores, its subscribers.

``build_parts`` assembles what processes the streams over one Redis client: the store's classes behind the
processors' ports, the in-memory detainer index, and, as ``NotifierOptions`` asks, the reminder and
escalation planner with its scheduler and the feed monitor. ``build_notifier`` adds what a running process
needs around them (its settings, the FastStream broker and its subscribers, the webhook and SMTP clients,
the chores) and is what ``python -m notifier`` runs; tests and benchmarks call ``build_parts`` with their own
options (a fixed clock, no planner), so every notifier is put together the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx
from faststream import AckPolicy
from faststream.redis import RedisBroker, RedisClusterBroker, StreamSub

from contracts import DELIVERIES_GROUP, EMAILS_GROUP, NOTIFIER_GROUP, RedisNames
from contracts.envelope import StreamEntry
from notifier.app import Notifier
from notifier.chores.feed_health import FeedMonitor
from notifier.chores.scheduler import JobPlanner, Scheduler
from notifier.chores.trimming import StreamTrimmer
from notifier.chores.weekly_report import WeeklyReport
from notifier.consuming.batch_runner import BatchRunner
from notifier.consuming.dead_letters import AUDIT_ACTOR, DeadLetterWriter
from notifier.consuming.raw_entries import StreamSettings, decode_raw_entries, keep_raw_entries
from notifier.delivery.email_delivery import EmailDeliveryProcessor, MailSettings
from notifier.delivery.retry_later import RetryPolicy
from notifier.delivery.smtp import SmtpTransport
from notifier.delivery.webhook_delivery import WebhookDeliveryProcessor
from notifier.domain.feeds import FeedPolicy
from notifier.domain.schedule import Job, SchedulePolicy
from notifier.handlers.alert_reviewed import AlertReviewProcessor
from notifier.handlers.booking_index import BookingIndex
from notifier.handlers.bookings import Bookings
from notifier.handlers.custody_events import CustodyEventProcessor
from notifier.handlers.detainer_index import DetainerIndex
from notifier.handlers.detainer_lodged import DetainerLodgeProcessor
from notifier.handlers.ports import NotifierPorts
from notifier.handlers.release_schedules import ReleaseScheduleCloser
from notifier.matching import MatchConfig
from notifier.metrics import BATCH_SECONDS
from notifier.settings import NotifierSettings
from policies.enforcement import PolicyEnforcement
from reports.stored import StoredReportRecords, WithheldDays
from runtime import RedisClient, connect_redis
from runtime.clock import Clock, utc_now
from store.alert_updates import AlertUpdates
from store.alerts import AlertStore
from store.audit import AuditTrail
from store.consumer_groups import IdleConsumerRemover
from store.deliveries import DeliveryRecords
from store.detainers import DetainerStore
from store.feed_days import FeedDays
from store.feeds import FeedReader, FeedStats
from store.jobs import JobStore
from store.policy_counts import PolicyCounts
from store.report_claims import WeeklyReportClaims
from store.roster_reports import RosterReports

__all__ = ["NotifierOptions", "NotifierParts", "Processors", "build_notifier", "build_parts", "weekly_report_of"]


@dataclass(frozen=True)
class NotifierOptions:
    """What differs from one notifier to another: how long bookings are kept, the matcher's thresholds, whether
    reminders and escalations are planned (``schedule``) and feeds watched (``feeds``), and the clock."""

    booking_retention_seconds: int
    match_config: MatchConfig | None = None
    schedule: SchedulePolicy | None = None  # None: no reminders or escalations planned, no scheduler
    feeds: FeedPolicy | None = None  # None: what facilities send is not counted, no alert is held
    policies: PolicyEnforcement | None = None  # None: no sharing policy
    clock: Clock = utc_now

    @classmethod
    def from_settings(cls, settings: NotifierSettings, *, policies: PolicyEnforcement | None = None) -> NotifierOptions:
        """``policies``: loaded already; otherwise the settings' file is loaded here (``PolicyFileError``)."""
        if policies is None:
            policies = PolicyEnforcement(settings.policies_file, actor=f"{AUDIT_ACTOR} {settings.consumer_name}")
            policies.load()
        return cls(
            booking_retention_seconds=settings.booking_retention_days * 24 * 3600,
            match_config=settings.match_config(),
            schedule=settings.schedule_policy(),
            feeds=settings.feed_policy(),
            policies=policies,
        )


@dataclass(frozen=True)
class Processors:
    """One processor per stream the notifier consumes, all working through the same ports."""

    custody: CustodyEventProcessor
    lodges: DetainerLodgeProcessor
    reviews: AlertReviewProcessor

    @classmethod
    def over(cls, ports: NotifierPorts) -> Processors:
        return cls(CustodyEventProcessor(ports), DetainerLodgeProcessor(ports), AlertReviewProcessor(ports))


@dataclass(frozen=True)
class NotifierParts:
    """What processes the streams, and the chores that go with it."""

    ports: NotifierPorts
    processors: Processors
    detainers: DetainerIndex
    scheduler: Scheduler | None  # with a schedule policy
    feeds: FeedMonitor | None  # with a feed policy


def build_parts(client: RedisClient, names: RedisNames, options: NotifierOptions) -> NotifierParts:
    clock = options.clock
    retention = options.booking_retention_seconds
    bookings = Bookings(client, names, retention_seconds=retention)
    detainers = DetainerIndex(client, names, config=options.match_config)
    alerts = AlertStore(client, names)
    jobs = JobStore(client, names, job_type=Job)
    planner = None if options.schedule is None else JobPlanner(jobs, options.schedule, clock=clock)
    overdue_seconds = (options.schedule or SchedulePolicy()).release_overdue_seconds
    releases = ReleaseScheduleCloser(
        AlertUpdates(client, names),
        alerts,
        job_ids=planner.job_ids_of if planner is not None else lambda _alert: (),
        overdue_after=timedelta(seconds=overdue_seconds),
        clock=clock,
    )
    feeds = None
    if options.feeds is not None:
        stats = FeedStats(
            client,
            names,
            history_seconds=options.feeds.history_seconds,
            surge_window_seconds=options.feeds.surge_window_seconds,
        )
        feeds = FeedMonitor(
            stats,
            options.feeds,
            alerts=alerts,
            bookings=bookings,
            releases=releases,
            follow_ups=planner,
            detainers=detainers,
            clock=clock,
        )
    ports = NotifierPorts(
        bookings=bookings,
        booking_index=BookingIndex(client, names, retention_seconds=retention, clock=clock),
        detainers=detainers,
        alerts=alerts,
        releases=releases,
        dead_letters=DeadLetterWriter(client, names, clock=clock),
        roster_reports=RosterReports(client, names),
        group=NOTIFIER_GROUP,
        clock=clock,
        follow_ups=planner,
        feeds=feeds,
        policies=options.policies,
        audit=AuditTrail(client, names, clock=clock),
    )
    scheduler = None
    if planner is not None:
        scheduler = Scheduler(jobs, alerts, bookings=bookings, detainers=detainers, releases=releases, clock=clock)
    return NotifierParts(ports, Processors.over(ports), detainers, scheduler, feeds)


def build_notifier(settings: NotifierSettings | None = None, *, policies: PolicyEnforcement | None = None) -> Notifier:
    """The notifier ``python -m notifier`` runs: nothing connects until it starts. ``policies``: the sharing
    policies, loaded already (otherwise loaded here: a file that cannot be used raises ``PolicyFileError``)."""
    settings = settings or NotifierSettings()
    names = RedisNames(settings.key_prefix)
    redis = connect_redis(settings.redis_url, cluster=settings.redis_cluster, timeout=settings.redis_timeout_seconds)
    broker_class = RedisClusterBroker if settings.redis_cluster else RedisBroker
    broker = broker_class(
        settings.redis_url,
        graceful_timeout=settings.shutdown_grace_seconds,
        logger=logging.getLogger("notifier.broker"),
        log_level=logging.DEBUG,  # one line per batch is noise at INFO; our processors log what matters
        apply_types=False,  # handlers take the batch's raw entries (decode_raw_entries), nothing to inject
    )
    options = NotifierOptions.from_settings(settings, policies=policies)
    parts = build_parts(redis, names, options)
    assert parts.scheduler is not None  # the settings give a schedule policy ...
    assert parts.feeds is not None  # ... and a feed policy
    dead_letters = DeadLetterWriter(redis, names)
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
            ("custody", names.custody_events, parts.processors.custody),
            ("detainers", names.detainer_changes, parts.processors.lodges),
            ("reviews", names.alert_reviews, parts.processors.reviews),
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
            records=DeliveryRecords(redis, names, channel="webhook"),
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
            records=DeliveryRecords(redis, names, channel="e-mail"),
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
        return StreamSettings(
            name,
            group=group,
            consumer=settings.consumer_name,
            batch=True,
            max_records=settings.batch_size,
            polling_interval=settings.poll_interval_ms,
        )

    def _idle_entries(name: str, group: str) -> StreamSub:
        # FastStream runs XAUTOCLAIM (one entry per call) instead of reading new entries.
        return StreamSettings(
            name,
            group=group,
            consumer=settings.consumer_name,
            batch=True,
            min_idle_time=int(settings.reclaim_idle_seconds * 1000),
            polling_interval=settings.reclaim_poll_ms,
        )

    def _subscribe(runner: BatchRunner, read: StreamSub) -> None:
        @broker.subscriber(
            stream=read, parser=keep_raw_entries, decoder=decode_raw_entries, ack_policy=AckPolicy.MANUAL
        )
        async def handle(entries: list[StreamEntry]) -> None:
            with BATCH_SECONDS.labels(stream=runner.label).time():
                await runner.run(entries)

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
    return Notifier(
        settings,
        names,
        redis,
        broker,
        parts.detainers,
        parts.processors.custody,
        parts.processors.lodges,
        list(runners.values()),
        trimmer,
        idle_consumers,
        parts.scheduler,
        parts.feeds,
        weekly_report=weekly_report_of(redis, names, settings, withheld_days=PolicyCounts(redis, names).withheld_days),
        webhook_http=webhook_http,
        booking_index=parts.ports.booking_index,
        bookings=parts.ports.bookings,
        policies=options.policies,
        audit=AuditTrail(redis, names),
    )


def weekly_report_of(
    redis: RedisClient,
    names: RedisNames,
    settings: NotifierSettings,
    *,
    clock: Clock = utc_now,
    withheld_days: WithheldDays | None = None,
) -> WeeklyReport | None:
    """The weekly outcome report by e-mail, when ``RW_REPORT_RECIPIENTS`` names anyone (``withheld_days``: the
    reader of what sharing policies withheld, if any)."""
    recipients = settings.weekly_report_recipients()
    if not recipients:
        return None
    records = StoredReportRecords(
        alerts=AlertStore(redis, names),
        detainers=DetainerStore(redis, names),
        feeds=FeedReader(redis, names),
        feed_days=FeedDays(redis, names),
        rosters=RosterReports(redis, names),
        withheld_days=withheld_days,
    )
    return WeeklyReport(
        records,
        WeeklyReportClaims(redis, names),
        SmtpTransport(settings.smtp_server()),
        sender=settings.email_from or "releasewatch@localhost",
        recipients=recipients,
        owner=settings.consumer_name,
        clock=clock,
    )
