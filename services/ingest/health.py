"""Liveness, readiness, metrics, and the pages problem types point at."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from contracts import RedisNames
from ingest.custody.backlog import BacklogGauge
from ingest.dependencies import get_backlog, get_redis, get_settings
from ingest.openapi import problem_responses
from ingest.ops.queue_metrics import refresh_queue_gauges
from ingest.problems import PROBLEM_TYPES, Problem
from ingest.settings import IngestSettings
from runtime import RedisClient, redis_is_reachable

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str
    backlog: int | None = None
    max_backlog: int | None = None


@router.get("/healthz", response_model=Health, response_model_exclude_none=True, summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    response_model_exclude_none=True,
    summary="Ready to accept: Redis answers",
    responses=problem_responses(503),
)
async def readyz(
    redis: Annotated[RedisClient, Depends(get_redis)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    backlog: Annotated[BacklogGauge, Depends(get_backlog)],
) -> Health:
    """Ready while Redis answers. The backlog is reported, not judged: a full backlog answers
    each submission 503 with Retry-After, which a source handles better than a missing server."""
    if not await redis_is_reachable(redis):
        raise Problem(
            "redis-unavailable",
            "Redis does not answer.",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
    return Health(status="ready", backlog=await backlog.current(), max_backlog=backlog.limit)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(
    redis: Annotated[RedisClient, Depends(get_redis)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
) -> Response:
    """The process's counters, and the streams' lag, pending and dead letters as read now."""
    await refresh_queue_gauges(redis, RedisNames(settings.key_prefix))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class ProblemTypeDoc(BaseModel):
    type: str
    title: str
    status: int
    explanation: str


@router.get(
    "/problems/{slug}",
    response_model=ProblemTypeDoc,
    summary="What a problem type means",
    responses=problem_responses(404),
)
async def problem_type(slug: str) -> ProblemTypeDoc:
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise Problem("not-found", f"No problem type {slug!r}.")
    return ProblemTypeDoc(type=problem.uri, title=problem.title, status=problem.status, explanation=problem.explanation)
