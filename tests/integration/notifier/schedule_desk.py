"""The LOS duty desk and the jail, as the release schedule tests drive them: through the API with real keys."""

from __future__ import annotations

from typing import Any

import httpx

from tests import samples
from tests.integration.notifier.support import as_


class ScheduleDesk:
    """What the jail sends and the LOS duty desk reads, through the API."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api

    async def lodge(self) -> None:
        answer = await self.api.post("/v1/detainers", json=samples.detainer(), headers=as_("los"))
        assert answer.status_code == 201, answer.text

    async def submit(self, *events: dict[str, Any]) -> None:
        """Each event on its own, as a jail's system sends them."""
        for event in events:
            answer = await self.api.post("/v1/custody-events", json=event, headers=as_("jail"))
            assert answer.status_code == 202, answer.text

    async def submit_batch(self, *events: dict[str, Any]) -> None:
        answer = await self.api.post("/v1/custody-events:batch", json=list(events), headers=as_("jail"))
        assert answer.status_code == 202, answer.text

    async def alerts(self, **query: str) -> list[dict[str, Any]]:
        """The office's alerts as listed (newest first)."""
        answer = await self.api.get("/v1/alerts", params={"limit": 100, **query}, headers=as_("los"))
        assert answer.status_code == 200, answer.text
        return list(answer.json()["alerts"])

    async def listed(self, **query: str) -> list[str]:
        return [alert["alert_id"] for alert in await self.alerts(**query)]

    async def alert(self, alert_id: str) -> dict[str, Any]:
        answer = await self.api.get(f"/v1/alerts/{alert_id}", headers=as_("los"))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def kind(self, kind: str) -> list[dict[str, Any]]:
        """The alerts of ``kind`` as listed."""
        return [alert for alert in await self.alerts() if alert["kind"] == kind]

    async def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """The alerts of ``kind``, each read whole (with its timeline)."""
        return [await self.alert(alert["alert_id"]) for alert in await self.kind(kind)]

    async def schedule_of(self, event_id: str) -> dict[str, Any]:
        """The release_scheduled alert raised for the schedule ``event_id`` sent."""
        (schedule,) = [alert for alert in await self.kind("release_scheduled") if alert["event_id"] == event_id]
        return await self.alert(schedule["alert_id"])

    async def story_now(self) -> dict[str, Any]:
        (story,) = (await self.api.get("/v1/stories", headers=as_("los"))).json()["stories"]
        return dict(story["now"])
