"""The audit trail: an append-only stream of who did what, and when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from pydantic import BaseModel

from contracts import RedisNames
from ingest.stream_ids import exclusive_before
from runtime import RedisClient

__all__ = ["AuditEntry", "AuditTrail"]


class AuditEntry(BaseModel):
    id: str
    at: datetime
    actor: str
    action: str  # e.g. detainer.lodged, dead_letter.replayed
    target: str  # the id acted on
    detail: str = ""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditTrail:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._client = client
        self._stream = names.audit_trail
        self._clock = clock

    async def record(self, *, actor: str, action: str, target: str, detail: str = "") -> None:
        fields = {"at": self._clock().isoformat(), "actor": actor, "action": action, "target": target, "detail": detail}
        await self._client.xadd(self._stream, fields)  # type: ignore[arg-type]

    async def newest(self, *, limit: int, before: str | None) -> list[AuditEntry]:
        upper = exclusive_before(before) if before else "+"
        if upper is None:
            return []  # nothing is older than the first possible id
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self._client.xrevrange(self._stream, max=upper, min="-", count=limit),
        )
        return [
            AuditEntry.model_validate(
                {"id": entry_id.decode(), **{key.decode(): value.decode() for key, value in fields.items()}}
            )
            for entry_id, fields in entries
        ]
