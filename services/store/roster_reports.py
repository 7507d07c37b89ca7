"""The report of each facility's latest roster: kept by the notifier, read by operators
(``GET /v1/ops/rosters/{ori}``). Script: ``keep_roster_report.lua``."""

from __future__ import annotations

from typing import cast

from contracts import RedisNames, RosterReport
from contracts.stored_fields import RosterReportField
from runtime import RedisClient
from runtime.clock import epoch_ms
from store.scripts import SCRIPTS

__all__ = ["RosterReports"]


class RosterReports:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names
        self._keep = SCRIPTS.on(client, "keep_roster_report")

    async def keep(self, report: RosterReport) -> bool:
        """Keep ``report`` as its facility's latest, unless one of a later roster (or this one's) is kept."""
        reply = await self._keep(
            keys=[self._names.roster_report(report.facility_ori)],
            args=[report.roster_id, epoch_ms(report.as_of), report.model_dump_json()],
        )
        return bool(reply)

    async def latest(self, facility_ori: str) -> RosterReport | None:
        """The report of the facility's latest roster, or None before the notifier processed one."""
        key = self._names.roster_report(facility_ori)
        raw = cast(bytes | None, await self._client.hget(key, RosterReportField.REPORT))
        return None if raw is None else RosterReport.model_validate_json(raw)
