"""What routes get injected: objects built once at start-up and kept on ``app.state``."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from fastapi import Request

from ingest.settings import IngestSettings
from runtime import RedisClient

if TYPE_CHECKING:
    from ingest.alerts.repository import AlertLifecycle, AlertReader, AlertReviews
    from ingest.custody.backlog import BacklogGauge
    from ingest.custody.publisher import CustodyEventPublisher
    from ingest.detainers.repository import DetainerRepository
    from ingest.ops.audit import AuditTrail

__all__ = [
    "get_alert_lifecycle",
    "get_alert_reviews",
    "get_alerts",
    "get_audit",
    "get_backlog",
    "get_detainers",
    "get_publisher",
    "get_redis",
    "get_settings",
]


def get_settings(request: Request) -> IngestSettings:
    return cast(IngestSettings, request.app.state.settings)


def get_redis(request: Request) -> RedisClient:
    return cast(RedisClient, request.app.state.redis)


def get_publisher(request: Request) -> CustodyEventPublisher:
    return cast("CustodyEventPublisher", request.app.state.publisher)


def get_audit(request: Request) -> AuditTrail:
    return cast("AuditTrail", request.app.state.audit)


def get_backlog(request: Request) -> BacklogGauge:
    return cast("BacklogGauge", request.app.state.backlog)


def get_detainers(request: Request) -> DetainerRepository:
    return cast("DetainerRepository", request.app.state.detainers)


def get_alerts(request: Request) -> AlertReader:
    return cast("AlertReader", request.app.state.alerts)


def get_alert_lifecycle(request: Request) -> AlertLifecycle:
    return cast("AlertLifecycle", request.app.state.alert_lifecycle)


def get_alert_reviews(request: Request) -> AlertReviews:
    return cast("AlertReviews", request.app.state.alert_reviews)
