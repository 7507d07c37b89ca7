"""The notifier process's HTTP surface: health, readiness and metrics, truthful from the first second.

The notifier starts in the background, so these answer while it waits for
Redis: ``/healthz`` is 200 unless start-up failed for good, ``/readyz`` is
200 only while the subscribers are reading and Redis answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notifier.app import Notifier, Phase
from runtime import redis_is_reachable

__all__ = ["create_http_app"]


def create_http_app(notifier: Notifier) -> Starlette:
    async def healthz(request: Request) -> JSONResponse:
        failed = notifier.phase is Phase.FAILED
        return JSONResponse(
            {"status": "failed" if failed else "ok", "phase": notifier.phase.value}, 503 if failed else 200
        )

    async def readyz(request: Request) -> JSONResponse:
        redis_ok = await redis_is_reachable(notifier.redis)
        ready = notifier.phase is Phase.RUNNING and redis_ok
        body = {
            "status": "ready" if ready else "not ready",
            "phase": notifier.phase.value,
            "redis": redis_ok,
            "active_detainers": len(notifier.detainers),
        }
        return JSONResponse(body, 200 if ready else 503)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        starting = asyncio.create_task(notifier.run(), name="notifier-start")
        try:
            yield
        finally:
            if not starting.done():
                starting.cancel()  # still waiting for Redis: nothing was read, nothing to finish
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await starting
            await notifier.stop()

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)],
        lifespan=lifespan,
    )
