"""The ingest app enforcing a sharing policy file that a test rewrites and reloads, as SIGHUP reloads it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.app import create_app
from ingest.settings import IngestSettings
from policies.enforcement import PolicyEnforcement
from store.audit import AuditTrail
from tests.integration.serving import BASE_URL

__all__ = ["IntakeUnderPolicies", "intake_under_policies"]


class IntakeUnderPolicies:
    """The ingest app (``api``, auth off) and the policy file it enforces."""

    def __init__(self, api: httpx.AsyncClient, policies: PolicyEnforcement, path: Path, audit: AuditTrail) -> None:
        self.api, self.policies, self.path, self.audit = api, policies, path, audit

    async def adopt(self, text: str) -> None:
        """Rewrite the policy file and reload it: ``text`` is in force from now on."""
        self.path.write_text(text)
        assert await self.policies.reload(self.audit)


@asynccontextmanager
async def intake_under_policies(
    redis_url: str, redis: Redis, names: RedisNames, path: Path
) -> AsyncIterator[IntakeUnderPolicies]:
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="off", policies_file=path)
    policies = PolicyEnforcement(path, actor="ingest")
    app = create_app(settings, policies=policies)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        yield IntakeUnderPolicies(client, policies, path, AuditTrail(redis, names))
