"""The audit trail: an append-only stream of who did what, and when (flat fields, see ``AuditField``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from pydantic import BaseModel

from contracts import RedisNames
from contracts.stored_fields import AuditField
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from runtime.redis import pipelined
from runtime.stream_ids import exclusive_after, exclusive_before

__all__ = ["AuditEntry", "AuditFilter", "AuditTrail"]

_PAGE = 500
_CLOCK_SKEW = timedelta(minutes=5)
"""Entries are appended in the order of their ``at`` give or take the clocks of the processes writing them; a
reading in time order stops this far past the end of the range it was asked for."""


class AuditEntry(BaseModel):
    id: str
    at: datetime
    actor: str
    action: str  # e.g. detainer.lodged, dead_letter.replayed
    target: str  # the id acted on
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries an operator asked for: each given criterion must hold. ``action`` names an action
    (``dead_letter.replayed``) or a family of them (``dead_letter``); ``target`` the id acted on, or the owner's
    own id within it (``LOS-2026-000871`` finds ``LOS/LOS-2026-000871``, as the office knows its detainer; an
    event withheld, ``CA0194200/evt-1``, by its event id); ``since`` is inclusive, ``until`` not."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def admits(self, entry: AuditEntry) -> bool:
        return (
            (self.actor is None or entry.actor == self.actor)
            and (self.action is None or entry.action == self.action or entry.action.startswith(f"{self.action}."))
            and (self.target is None or entry.target == self.target or entry.target.endswith(f"/{self.target}"))
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at < self.until)
        )

    def passed_before(self, entry: AuditEntry) -> bool:
        """Reading newest first: ``entry`` and everything older lies before ``since``."""
        return self.since is not None and entry.at + _CLOCK_SKEW < self.since  # (any since: no overflow)

    def passed_after(self, entry: AuditEntry) -> bool:
        """Reading oldest first: ``entry`` and everything newer lies after ``until``."""
        return self.until is not None and entry.at - _CLOCK_SKEW >= self.until


def _entries(raw: list[tuple[bytes, dict[bytes, bytes]]]) -> list[AuditEntry]:
    return [
        AuditEntry.model_validate(
            {"id": entry_id.decode(), **{key.decode(): value.decode() for key, value in fields.items()}}
        )
        for entry_id, fields in raw
    ]


class AuditTrail:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Clock = utc_now) -> None:
        self._client = client
        self._stream = names.audit_trail
        self._clock = clock

    async def record(self, *, actor: str, action: str, target: str, detail: str = "") -> None:
        await self.record_many(actor=actor, action=action, entries=[(target, detail)])

    async def record_many(self, *, actor: str, action: str, entries: Sequence[tuple[str, str]]) -> None:
        """One entry per (target, detail), in one round trip (shared within ``runtime.redis.together``): what
        releasewatch did to many at once."""
        if not entries:
            return
        at = self._clock().isoformat()
        await pipelined(
            self._client,
            [
                (
                    "XADD",
                    self._stream,
                    "*",
                    AuditField.AT.value,
                    at,
                    AuditField.ACTOR.value,
                    actor,
                    AuditField.ACTION.value,
                    action,
                    AuditField.TARGET.value,
                    target,
                    AuditField.DETAIL.value,
                    detail,
                )
                for target, detail in entries
            ],
        )

    async def newest(
        self, *, limit: int, before: str | None, wanted: AuditFilter | None = None
    ) -> tuple[list[AuditEntry], str | None]:
        """Up to ``limit`` entries ``wanted`` admits, newest first, older than the entry ``before``; and where the
        next page would start (None: the trail holds no more)."""
        wanted = wanted or AuditFilter()
        found: list[AuditEntry] = []
        upper = exclusive_before(before) if before else "+"
        while upper is not None:
            page = _entries(
                cast(
                    list[tuple[bytes, dict[bytes, bytes]]],
                    await self._client.xrevrange(self._stream, max=upper, min="-", count=_PAGE),
                )
            )
            for entry in page:
                if wanted.passed_before(entry):
                    return found, None
                if wanted.admits(entry):
                    found.append(entry)
                    if len(found) == limit:
                        return found, entry.id
            if len(page) < _PAGE:
                break
            upper = exclusive_before(page[-1].id)
        return found, None

    async def oldest_first(self, wanted: AuditFilter | None = None) -> AsyncIterator[AuditEntry]:
        """Every entry ``wanted`` admits, oldest first, read a page at a time (for exports of any size)."""
        wanted = wanted or AuditFilter()
        lower: str | None = "-"
        while lower is not None:
            page = _entries(
                cast(
                    list[tuple[bytes, dict[bytes, bytes]]],
                    await self._client.xrange(self._stream, min=lower, max="+", count=_PAGE),
                )
            )
            for entry in page:
                if wanted.passed_after(entry):
                    return
                if wanted.admits(entry):
                    yield entry
            if len(page) < _PAGE:
                return
            lower = exclusive_after(page[-1].id)
