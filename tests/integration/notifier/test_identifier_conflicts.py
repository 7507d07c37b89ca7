"""A booking whose A-number differs from the detainer's: exactly one possible match, never the alerts of a match.

Everything goes through the ingest API with API keys (the office lodges, the jail books, the office
reads its alerts), and the notifier's processors read the streams with its consumer group, as in
production. The booked person is the detainer's subject in every other respect.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests import samples
from tests.integration.notifier.support import NotifierInstance, Streams, as_, without_identifiers_but

DETAINER_ID = "LOS-2026-000871"
DETAINERS_A_NUMBER = "A099999999"
BOOKED_A_NUMBER = "A055500011"


async def _process_what_is_new(notifier: NotifierInstance, streams: Streams) -> None:
    if changes := await streams.new_detainer_changes():
        await notifier.lodges.process(changes)
    if events := await streams.new_custody_events():
        await notifier.custody.process(events)


async def _alerts_of(api: httpx.AsyncClient, holder: str) -> list[dict[str, Any]]:
    answer = await api.get("/v1/alerts", params={"limit": 100}, headers=as_(holder))
    assert answer.status_code == 200, answer.text
    alerts: list[dict[str, Any]] = answer.json()["alerts"]
    return alerts


async def test_a_booking_with_a_conflicting_a_number_raises_one_possible_match_naming_both_numbers(
    keyed_api: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams
) -> None:
    wanted = samples.person(**without_identifiers_but(a_number=DETAINERS_A_NUMBER))
    lodged = await keyed_api.post(
        "/v1/detainers", json=samples.detainer(detainer_id=DETAINER_ID, person=wanted), headers=as_("los")
    )
    assert lodged.status_code == 201, lodged.text
    await _process_what_is_new(notifier, streams)

    booked = samples.person(**without_identifiers_but(a_number=BOOKED_A_NUMBER))
    for event in (samples.booking(person=booked), samples.release_scheduled(), samples.booking_updated(person=booked)):
        answer = await keyed_api.post("/v1/custody-events", json=event, headers=as_("jail"))
        assert answer.status_code == 202, answer.text
    await _process_what_is_new(notifier, streams)

    (listed,) = await _alerts_of(keyed_api, "los")
    assert listed["kind"] == "possible_match"
    assert listed["detainer_id"] == DETAINER_ID
    answer = await keyed_api.get(f"/v1/alerts/{listed['alert_id']}", headers=as_("los"))
    assert answer.status_code == 200, answer.text
    match = answer.json()["match"]
    assert match["decision"] == "possible_match"
    assert match["rule"] == "identifier_conflict"
    assert match["conflicts"] == [{"field": "a_number", "booked": BOOKED_A_NUMBER, "detainer": DETAINERS_A_NUMBER}]
    assert match["reasons"][0] == f"A-number differs: {BOOKED_A_NUMBER} (booking) vs {DETAINERS_A_NUMBER} (detainer)"
    assert await _alerts_of(keyed_api, "nyc") == []


async def test_the_same_booking_with_the_detainers_a_number_is_an_in_custody_alert(
    keyed_api: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams
) -> None:
    wanted = samples.person(**without_identifiers_but(a_number=DETAINERS_A_NUMBER))
    lodged = await keyed_api.post(
        "/v1/detainers", json=samples.detainer(detainer_id=DETAINER_ID, person=wanted), headers=as_("los")
    )
    assert lodged.status_code == 201, lodged.text
    answer = await keyed_api.post("/v1/custody-events", json=samples.booking(person=wanted), headers=as_("jail"))
    assert answer.status_code == 202, answer.text
    await _process_what_is_new(notifier, streams)

    (listed,) = await _alerts_of(keyed_api, "los")
    assert listed["kind"] == "in_custody"
    assert listed["match"]["reasons"][0] == f"A-number agrees: {DETAINERS_A_NUMBER}"
