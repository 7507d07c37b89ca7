"""What the HTTP tests share: assertions on problem documents and on what reached Redis, and alerts stored as
the notifier stores them, and the API as an operator calls it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from redis.asyncio import Redis

from contracts import (
    Alert,
    AlertKind,
    AlertStatus,
    AlertTrigger,
    FieldAgreement,
    MatchDecision,
    MatchEvidence,
    Person,
    RedisNames,
    Sex,
)
from ingest.app import create_app
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings

__all__ = [
    "OFFICE_KEY",
    "OPERATOR_KEY",
    "assert_problem",
    "make_alert",
    "operators_api",
    "pointers",
    "store_alerts",
    "stream_entries",
    "stream_events",
]

OPERATOR_KEY, OFFICE_KEY = "rwk_operator_key", "rwk_office_key"


@asynccontextmanager
async def operators_api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The ingest app with two keys (the night operator's, and the LOS desk's), called with the operator's."""
    keys = [
        ApiKeyEntry(name="night operator", role=Role.OPERATOR, key_sha256=digest_of(OPERATOR_KEY)),
        ApiKeyEntry(name="LOS desk", role=Role.FIELD_OFFICE, field_office="LOS", key_sha256=digest_of(OFFICE_KEY)),
    ]
    settings = IngestSettings(
        redis_url=redis_url, log_format="text", api_keys=json.dumps([k.model_dump(mode="json") for k in keys])
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://ingest.test",
            headers={"Authorization": f"Bearer {OPERATOR_KEY}"},
        ) as client,
    ):
        yield client


PROBLEM_MEDIA_TYPE = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """Check an RFC 9457 problem answer and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert body["instance"] == response.request.url.path
    return body


def pointers(problem: dict[str, Any]) -> list[str]:
    return [error["pointer"] for error in problem.get("errors", [])]


async def stream_entries(redis: Redis, stream: str) -> list[tuple[str, dict[str, str]]]:
    """Every entry of ``stream`` as (id, fields) in text."""
    entries = await redis.xrange(stream)
    return [
        (entry_id.decode(), {field.decode(): value.decode() for field, value in fields.items()})
        for entry_id, fields in entries
    ]


async def stream_events(redis: Redis, stream: str) -> list[dict[str, Any]]:
    """The JSON documents held in the ``__data__`` field of each entry."""
    return [json.loads(fields["__data__"]) for _, fields in await stream_entries(redis, stream)]


START = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def make_alert(
    alert_id: str, *, field_office: str = "LOS", status: AlertStatus = AlertStatus.OPEN, minute: int = 0
) -> Alert:
    raised_at = START + timedelta(minutes=minute)
    return Alert(
        alert_id=alert_id,
        kind=AlertKind.IN_CUSTODY,
        status=status,
        field_office=field_office,
        detainer_id=f"{field_office}-2026-000871",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=raised_at,
        occurred_at=raised_at - timedelta(seconds=2),
        trigger=AlertTrigger.CUSTODY_EVENT,
        event_id="evt-0001",
        person=Person(
            last_name="GARCIA LOPEZ",
            first_name="JOSE",
            date_of_birth=datetime(1990, 4, 17).date(),
            sex=Sex.MALE,
            a_number="A012345678",
        ),
        match=MatchEvidence(
            decision=MatchDecision.MATCH,
            rule="identifier",
            fields=(FieldAgreement(field="a_number", level="exact"),),
        ),
    )


async def store_alerts(redis: Redis, names: RedisNames, *alerts: Alert) -> None:
    """Write alerts as the notifier does: the record, then the four listings it belongs to."""
    for alert in alerts:
        await redis.set(names.alert(alert.alert_id), alert.model_dump_json())
        score = int(alert.raised_at.timestamp() * 1000)
        for listing in names.listings("alerts", alert.field_office, alert.status.value):
            await redis.zadd(listing, {alert.alert_id: score})
