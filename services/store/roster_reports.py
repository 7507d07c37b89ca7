"""The report of each facility's latest roster: kept by the notifier, read by operators
(``GET /v1/ops/rosters/{ori}``); and what each roster showed, by its ``as_of``, for the outcome report.
Script: ``keep_roster_report.lua``."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import cast

from contracts import RedisNames, RosterReport
from contracts.stored_fields import RosterReportField
from runtime import RedisClient
from runtime.clock import epoch_ms
from store.scripts import SCRIPTS

__all__ = ["FINDINGS_KEPT_MS", "RosterFinding", "RosterReports"]

FINDINGS_KEPT_MS = 800 * 86_400_000  # a roster's findings are kept this long after its as_of (two report years)


@dataclass(frozen=True, slots=True)
class RosterFinding:
    """What one roster showed: booking numbers unknown to us, listed after we believed them gone, and the
    releases it implied."""

    facility_ori: str
    roster_id: str
    as_of_ms: int
    unknown: int
    listed_after_leaving: int
    released: int


class RosterReports:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names
        self._keep = SCRIPTS.on(client, "keep_roster_report")

    async def keep(self, report: RosterReport) -> bool:
        """Keep ``report`` as its facility's latest, unless one of a later roster (or this one's) is kept; its
        findings are kept either way (a redelivered roster's once)."""
        as_of_ms = epoch_ms(report.as_of)
        reply = await self._keep(
            keys=[self._names.roster_report(report.facility_ori)],
            args=[report.roster_id, as_of_ms, report.model_dump_json()],
        )
        finding = {
            "roster_id": report.roster_id,
            "unknown": report.unknown,
            "listed_after_leaving": report.listed_after_leaving,
            "released": report.released,
        }
        findings = self._names.facility_roster_findings(report.facility_ori)
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.zadd(findings, {json.dumps(finding, sort_keys=True): as_of_ms})
            pipe.zremrangebyscore(findings, "-inf", f"({as_of_ms - FINDINGS_KEPT_MS}")
            await pipe.execute()
        return bool(reply)

    async def latest(self, facility_ori: str) -> RosterReport | None:
        """The report of the facility's latest roster, or None before the notifier processed one."""
        key = self._names.roster_report(facility_ori)
        raw = cast(bytes | None, await self._client.hget(key, RosterReportField.REPORT))
        return None if raw is None else RosterReport.model_validate_json(raw)

    async def findings(self, facilities: Collection[str], start_ms: int, end_ms: int) -> list[RosterFinding]:
        """What each roster of ``facilities`` drawn up in [start_ms, end_ms] showed, oldest first per facility."""
        wanted = sorted(facilities)
        if not wanted:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in wanted:
                pipe.zrangebyscore(self._names.facility_roster_findings(ori), start_ms, end_ms, withscores=True)
            replies: list[list[tuple[bytes, float]]] = await pipe.execute()
        found = []
        for ori, members in zip(wanted, replies, strict=True):
            for member, score in members:
                finding = json.loads(member)
                found.append(
                    RosterFinding(
                        facility_ori=ori,
                        roster_id=str(finding["roster_id"]),
                        as_of_ms=int(score),
                        unknown=int(finding["unknown"]),
                        listed_after_leaving=int(finding["listed_after_leaving"]),
                        released=int(finding["released"]),
                    )
                )
        return found

    async def latest_of(self, facilities: Sequence[str]) -> list[RosterReport]:
        """The latest roster's report of each of ``facilities`` that has one, read in one pipeline."""
        if not facilities:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for ori in facilities:
                pipe.hget(self._names.roster_report(ori), RosterReportField.REPORT)
            replies = cast(list[bytes | None], await pipe.execute())
        return [RosterReport.model_validate_json(raw) for raw in replies if raw is not None]
