"""A field office's view of the whole path, on the real processes.

An office lodges a detainer; a jail books the person, schedules the release
and releases them, every event sent twice (the same event again, and the
same facts again under new event ids, as a source re-sending its feed
does). The office sees exactly one in_custody, one release_scheduled and
one released alert, and no other office sees any.

The tests of a module share one running system (``conftest.SystemOfModule``), so each keeps to its own person,
booking, event ids and office, and waits for its own events by how far the notifier's count has moved.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests import samples
from tests.e2e.system import RunningSystem, alerts_of, events_processed, eventually, start_system

pytestmark = pytest.mark.e2e

# Its own booking, of a person none of the other tests' detainers could match.
HOU_BOOKING = {"facility_ori": "CA0194200", "booking_number": "2026-007730"}
HOU_PERSON = samples.person(
    last_name="OKAFOR", first_name="CHIDI", middle_name=None, date_of_birth="1969-08-30", sex="M",
    place_of_birth="NG", aliases=[], fbi_number="555123EF4", state_id={"state": "TX", "number": "T9988776"},
    a_number="A076543210",
)  # fmt: skip


def test_detained_person_booked_scheduled_and_released_raises_exactly_three_alerts(
    running_system: RunningSystem,
) -> None:
    with httpx.Client(base_url=running_system.api, timeout=10) as api:
        processed = events_processed(running_system)
        lodged = api.post("/v1/detainers", json=samples.detainer(field_office="LOS"))
        assert lodged.status_code == 201

        feed = [samples.booking(), samples.release_scheduled(), samples.release()]
        for event in feed:
            first = api.post("/v1/custody-events", json=event)
            again = api.post("/v1/custody-events", json=event)
            assert first.status_code == again.status_code == 202
            assert again.json() == first.json()
            assert again.headers["Idempotent-Replayed"] == "true"
        for event in feed:  # the same facts re-sent by the source under new ids
            resent = api.post("/v1/custody-events", json={**event, "event_id": event["event_id"] + "-resent"})
            assert resent.status_code == 202

        eventually(
            lambda: events_processed(running_system) >= processed + 6 or None, what="the notifier to process 6 events"
        )
        alerts = alerts_of(api, "LOS")

        assert sorted(alert["kind"] for alert in alerts) == ["in_custody", "release_scheduled", "released"]
        for alert in alerts:
            assert alert["field_office"] == "LOS"
            assert alert["detainer_id"] == "LOS-2026-000871"
            assert (alert["facility_ori"], alert["booking_number"]) == ("CA0194200", "2026-004512")
            assert alert["match"]["decision"] == "match"
            assert api.get(f"/v1/alerts/{alert['alert_id']}").json() == alert
        scheduled = next(alert for alert in alerts if alert["kind"] == "release_scheduled")
        assert datetime.fromisoformat(scheduled["scheduled_release_at"]) == datetime.fromisoformat(
            samples.release_scheduled()["scheduled_release_at"]
        )
        # The release closed the schedule it superseded; the other two are there to act on.
        released = next(alert for alert in alerts if alert["kind"] == "released")
        assert (scheduled["status"], scheduled["release_status"], scheduled["superseded_by"]) == (
            "resolved",
            "released",
            released["alert_id"],
        )
        assert [alert["status"] for alert in alerts if alert["kind"] != "release_scheduled"] == ["open", "open"]
        assert alerts_of(api, "NYC") == []


def test_detainer_lodged_on_someone_already_in_custody_raises_in_custody_at_once(
    running_system: RunningSystem,
) -> None:
    with httpx.Client(base_url=running_system.api, timeout=10) as api:
        processed = events_processed(running_system)
        booking = samples.booking(event_id="evt-hou-0001", person=HOU_PERSON, **HOU_BOOKING)
        assert api.post("/v1/custody-events", json=booking).status_code == 202
        scheduled = samples.release_scheduled(event_id="evt-hou-0003", **HOU_BOOKING)
        assert api.post("/v1/custody-events", json=scheduled).status_code == 202
        eventually(
            lambda: events_processed(running_system) >= processed + 2 or None, what="the booking to be processed"
        )
        assert alerts_of(api, "HOU") == []

        detainer = samples.detainer(detainer_id="HOU-2026-000112", field_office="HOU", person=HOU_PERSON)
        assert api.post("/v1/detainers", json=detainer).status_code == 201

        alerts = eventually(
            lambda: ((found := alerts_of(api, "HOU")) and len(found) >= 2 and found) or None, what="alerts"
        )
        assert sorted(alert["kind"] for alert in alerts) == ["in_custody", "release_scheduled"]
        assert {alert["trigger"] for alert in alerts} == {"detainer_lodged"}


def test_ctrl_c_stops_every_process_cleanly(running_system: RunningSystem) -> None:
    assert running_system.stop() == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running_system.api}/healthz", timeout=2)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running_system.notifier}/healthz", timeout=2)


def test_the_embedded_redis_keeps_its_data_under_var_across_a_restart(tmp_path: Path) -> None:
    first = start_system(tmp_path, redis_url=None)
    try:
        with httpx.Client(base_url=first.api, timeout=10) as api:
            assert api.post("/v1/detainers", json=samples.detainer()).status_code == 201
            assert api.post("/v1/custody-events", json=samples.booking()).status_code == 202
    finally:
        assert first.stop() == 0
    assert list((tmp_path / "var" / "redis").glob("appendonly*"))

    second = start_system(tmp_path, redis_url=None)
    try:
        with httpx.Client(base_url=second.api, timeout=10) as api:
            assert api.get("/v1/detainers/LOS-2026-000871").json()["status"] == "active"
            replay = api.post("/v1/custody-events", json=samples.booking())
            assert replay.headers["Idempotent-Replayed"] == "true"
    finally:
        second.stop()
