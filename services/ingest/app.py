"""The ingest service: the HTTP edge where sources and field offices meet releasewatch."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from contracts import RedisNames
from ingest.alerts.actions import AlertLifecycle, AlertReviews
from ingest.alerts.routes import router as alerts_router
from ingest.auth import ApiKeys
from ingest.custody.backlog import BacklogGauge
from ingest.custody.routes import router as custody_router
from ingest.detainers.routes import router as detainers_router
from ingest.documentation import router as documentation_router
from ingest.health import router as health_router
from ingest.live.feed import AlertFeed
from ingest.live.routes import router as live_router
from ingest.offices.routes import router as offices_router
from ingest.openapi import install_openapi
from ingest.ops.routes import router as ops_router
from ingest.ops_page.routes import router as ops_page_router
from ingest.outcomes.routes import router as outcomes_router
from ingest.policies.intake import AUDIT_ACTOR, PolicyIntake
from ingest.policies.routes import router as policies_router
from ingest.problems import Problem, install_problem_handlers, problem_response
from ingest.settings import IngestSettings
from ingest.stories.routes import router as stories_router
from policies.enforcement import PolicyEnforcement
from runtime import connect_redis, heap
from store.alerts import AlertStore
from store.audit import AuditTrail
from store.bookings import StoredStates
from store.custody_stream import CustodyEventPublisher
from store.dead_letters import DeadLetterOperations
from store.detainers import DetainerStore
from store.feeds import FeedReader
from store.policy_counts import PolicyCounts
from store.policy_holds import PolicyHolds
from store.roster_reports import RosterReports

__all__ = ["create_app"]

log = logging.getLogger(__name__)

DESCRIPTION = """\
Custody events from jail booking systems, detainers from field offices, and
the alerts that tell an office a person it holds a detainer on is in custody,
about to be released, or released.

Every error is RFC 9457 `application/problem+json` with a JSON pointer to
each offending field.
"""


def create_app(settings: IngestSettings | None = None, *, policies: PolicyEnforcement | None = None) -> FastAPI:
    """Build the app; it connects to Redis when it starts, not before. ``policies``: the sharing policies, loaded
    already (``python -m ingest`` refuses to start on a bad file); otherwise they are loaded at start."""
    settings = settings or IngestSettings()
    enforcement = policies or PolicyEnforcement(settings.policies_file, actor=AUDIT_ACTOR)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = connect_redis(
            settings.redis_url, cluster=settings.redis_cluster, timeout=settings.redis_timeout_seconds
        )
        names = RedisNames(settings.key_prefix)
        app.state.api_keys = ApiKeys.configured(
            auth=settings.auth, api_keys=settings.api_keys, api_keys_file=settings.api_keys_file
        )
        app.state.settings = settings
        app.state.redis = redis
        app.state.publisher = CustodyEventPublisher(
            redis, names, receipt_ttl_seconds=settings.receipt_ttl_seconds, max_backlog=settings.max_backlog
        )
        app.state.backlog = BacklogGauge(
            redis, names, limit=settings.max_backlog, refresh_seconds=settings.backlog_refresh_seconds
        )
        app.state.detainers = DetainerStore(redis, names)
        app.state.alerts = AlertStore(redis, names)
        app.state.alert_reviews = AlertReviews(redis, names)
        app.state.alert_lifecycle = AlertLifecycle(redis, names)
        app.state.dead_letters = DeadLetterOperations(redis, names)
        app.state.audit = audit = AuditTrail(redis, names)
        app.state.policy_withheld_days = PolicyCounts(redis, names).withheld_days  # read by the outcome report
        enforcement.load()  # a file that cannot be used stops the start (PolicyFileError)
        app.state.policies = enforcement
        app.state.policy_intake = PolicyIntake(
            enforcement,
            app.state.publisher,
            PolicyHolds(redis, names, receipt_ttl_seconds=settings.receipt_ttl_seconds),
            retention=timedelta(days=settings.booking_retention_days),
            longest_hold=timedelta(days=settings.policy_hold_days),
            audit=audit,
            known=StoredStates(redis, names),
        )
        await enforcement.record_start(audit)
        enforcement.reload_on_hangup(audit)
        app.state.feeds = FeedReader(redis, names)
        app.state.roster_reports = RosterReports(redis, names)
        # A read blocked longer than the Redis timeout would fail as a timeout: at most half of it.
        block_ms = max(1, min(settings.live_block_ms, int(settings.redis_timeout_seconds * 500)))
        app.state.alert_feed = feed = AlertFeed(redis, names.alerts_raised, block_ms=block_ms)
        heap.settle()  # what start-up loaded lives as long as we do: out of the collector's way
        log.info("ingest started", extra={"redis_cluster": settings.redis_cluster})
        try:
            yield
        finally:
            enforcement.stop_reloading()
            await feed.close()
            await redis.aclose()
            log.info("ingest stopped")

    app = FastAPI(
        title="releasewatch",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "custody events", "description": "From jail booking systems."},
            {"name": "detainers", "description": "From field offices."},
            {"name": "alerts", "description": "To field offices."},
            {
                "name": "sharing policies",
                "description": "What each jurisdiction lets its jails share, enforced at intake.",
            },
            {"name": "operations", "description": "Health and metrics."},
        ],
    )
    install_problem_handlers(app)

    @app.exception_handler(RedisError)
    async def _redis_unavailable(request: Request, error: RedisError) -> JSONResponse:
        transient = isinstance(error, RedisConnectionError | RedisTimeoutError)
        log.error(
            "redis error",
            extra={"path": request.url.path, "error": type(error).__name__, "transient": transient},
        )
        problem = Problem(
            "redis-unavailable",
            "Redis did not answer. Retrying is safe: events or detainers already accepted come back as replays.",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
        return problem_response(problem, request.url.path)

    # The live feed before the alerts: `/v1/alerts/live` is not an alert id.
    routers = (
        custody_router,
        detainers_router,
        live_router,
        alerts_router,
        stories_router,
        ops_router,
        policies_router,
        outcomes_router,
    )
    pages = (offices_router, ops_page_router)
    for router in (*routers, health_router, documentation_router, *pages):
        app.include_router(router)
    install_openapi(app)
    return app
