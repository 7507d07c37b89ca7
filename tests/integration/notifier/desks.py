"""A field office's duty desk and the people it lodges detainers on, as the review tests drive them: through the
API with real keys, the jail booking the subject under a name that only possibly matches."""

from __future__ import annotations

from typing import Any

import httpx

from tests import samples
from tests.integration.notifier.support import NotifierInstance, Streams, as_, catch_up, without_identifiers_but

DETAINER_ID = "LOS-2026-000871"


def wanted_person() -> dict[str, Any]:
    """The detainer's subject, known by name and birth date only."""
    return samples.person(**without_identifiers_but())


def booked_with_a_typo() -> dict[str, Any]:
    """The same person as the jail booked them: birth date one day off, no aliases, no identifiers."""
    return samples.person(**without_identifiers_but(), date_of_birth="1990-04-18", aliases=[])


def booked_by_name_only() -> dict[str, Any]:
    """The detainer's subject as a jail books him: accents, hyphen, no middle name, no identifiers."""
    return samples.person(
        first_name="José",
        middle_name=None,
        last_name="García-López",
        aliases=[],
        fbi_number=None,
        a_number=None,
        state_id=None,
    )


class Desk:
    """What the jail and the field offices do and see, through the API."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api

    async def lodge(self) -> None:
        detainer = samples.detainer(detainer_id=DETAINER_ID, person=wanted_person())
        answer = await self.api.post("/v1/detainers", json=detainer, headers=as_("los"))
        assert answer.status_code == 201, answer.text

    async def lift(self) -> None:
        answer = await self.api.post(
            f"/v1/detainers/{DETAINER_ID}/lift", json={"reason": "cancelled"}, headers=as_("los")
        )
        assert answer.status_code == 200, answer.text

    async def submit(self, *events: dict[str, Any]) -> None:
        for event in events:
            answer = await self.api.post("/v1/custody-events", json=event, headers=as_("jail"))
            assert answer.status_code == 202, answer.text

    async def alerts(self, holder: str = "los", **query: str) -> list[dict[str, Any]]:
        """The office's alerts, oldest first."""
        answer = await self.api.get("/v1/alerts", params={"limit": 100, **query}, headers=as_(holder))
        assert answer.status_code == 200, answer.text
        return list(reversed(answer.json()["alerts"]))

    async def kinds(self, holder: str = "los", **query: str) -> list[str]:
        return sorted(alert["kind"] for alert in await self.alerts(holder, **query))

    async def alert(self, kind: str, holder: str = "los") -> dict[str, Any]:
        (alert,) = [alert for alert in await self.alerts(holder) if alert["kind"] == kind]
        return alert

    async def possible_match(self) -> dict[str, Any]:
        return await self.alert("possible_match")

    async def confirm(self, alert_id: str, holder: str = "los") -> httpx.Response:
        return await self.api.post(f"/v1/alerts/{alert_id}/confirm", headers=as_(holder))

    async def reject(self, alert_id: str, holder: str = "los") -> httpx.Response:
        return await self.api.post(f"/v1/alerts/{alert_id}/reject", headers=as_(holder))


async def booked_for_review(desk: Desk, notifier: NotifierInstance, streams: Streams, *events: dict[str, Any]) -> str:
    """A detainer lodged, then a booking that only possibly matches it (and ``events``): the possible
    match's alert id."""
    await desk.lodge()
    await desk.submit(samples.booking(person=booked_with_a_typo()), *events)
    await catch_up(notifier, streams)
    assert await desk.kinds() == ["possible_match"]
    return str((await desk.possible_match())["alert_id"])
