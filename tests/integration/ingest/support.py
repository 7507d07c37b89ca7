"""Assertions the HTTP tests share: problem documents and what reached Redis."""

from __future__ import annotations

import json
from typing import Any

import httpx
from redis.asyncio import Redis

__all__ = ["assert_problem", "pointers", "stream_entries", "stream_events"]

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
