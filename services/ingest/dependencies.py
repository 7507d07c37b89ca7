"""What routes get injected: objects built once at start-up and kept on ``app.state``.

Each dependency is a coroutine function: FastAPI runs a plain ``def`` dependency in its thread pool, a hop to
another thread and back on every request for what is an attribute read (tests/unit/ingest/test_dependencies.py
keeps every route's dependencies so). ``settings_of`` and ``redis_of`` serve code that holds the request already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from fastapi import Request

from ingest.settings import IngestSettings
from runtime import RedisClient

if TYPE_CHECKING:
    from ingest.alerts.actions import AlertLifecycle, AlertReviews
    from ingest.custody.backlog import BacklogGauge
    from ingest.policies.intake import PolicyIntake
    from policies.enforcement import PolicyEnforcement
    from store.alerts import AlertStore
    from store.audit import AuditTrail
    from store.custody_stream import CustodyEventPublisher
    from store.detainers import DetainerStore

__all__ = [
    "get_alert_lifecycle",
    "get_alert_reviews",
    "get_alerts",
    "get_audit",
    "get_backlog",
    "get_detainers",
    "get_policies",
    "get_policy_intake",
    "get_publisher",
    "get_redis",
    "get_settings",
    "redis_of",
    "settings_of",
]


def settings_of(request: Request) -> IngestSettings:
    return cast(IngestSettings, request.app.state.settings)


def redis_of(request: Request) -> RedisClient:
    return cast(RedisClient, request.app.state.redis)


async def get_settings(request: Request) -> IngestSettings:
    return settings_of(request)


async def get_redis(request: Request) -> RedisClient:
    return redis_of(request)


async def get_publisher(request: Request) -> CustodyEventPublisher:
    return cast("CustodyEventPublisher", request.app.state.publisher)


async def get_audit(request: Request) -> AuditTrail:
    return cast("AuditTrail", request.app.state.audit)


async def get_backlog(request: Request) -> BacklogGauge:
    return cast("BacklogGauge", request.app.state.backlog)


async def get_detainers(request: Request) -> DetainerStore:
    return cast("DetainerStore", request.app.state.detainers)


async def get_alerts(request: Request) -> AlertStore:
    return cast("AlertStore", request.app.state.alerts)


async def get_alert_lifecycle(request: Request) -> AlertLifecycle:
    return cast("AlertLifecycle", request.app.state.alert_lifecycle)


async def get_alert_reviews(request: Request) -> AlertReviews:
    return cast("AlertReviews", request.app.state.alert_reviews)


async def get_policies(request: Request) -> PolicyEnforcement:
    return cast("PolicyEnforcement", request.app.state.policies)


async def get_policy_intake(request: Request) -> PolicyIntake:
    return cast("PolicyIntake", request.app.state.policy_intake)
