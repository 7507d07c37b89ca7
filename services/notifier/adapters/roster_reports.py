"""The report of each facility's latest roster, for operators (``GET /v1/ops/rosters/{ori}``)."""

from __future__ import annotations

from importlib.resources import files

from contracts import RedisNames, RosterReport
from runtime import RedisClient
from runtime.clock import epoch_ms

__all__ = ["RosterReports"]

_KEEP_SCRIPT = (files(__package__) / "keep_roster_report.lua").read_text()


class RosterReports:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._names = names
        self._keep = client.register_script(_KEEP_SCRIPT)

    async def keep(self, report: RosterReport) -> bool:
        """Keep ``report`` as its facility's latest, unless one of a later roster (or this one's) is kept."""
        as_of_ms = epoch_ms(report.as_of)
        reply = await self._keep(
            keys=[self._names.roster_report(report.facility_ori)],
            args=[report.roster_id, as_of_ms, report.model_dump_json()],
        )
        return bool(reply)
