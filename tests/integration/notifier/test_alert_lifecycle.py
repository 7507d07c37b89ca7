"""The alert lifecycle: a field office acknowledges an alert, then resolves it, and reads its timeline.

Driven as in production: events and detainers through the ingest API with API keys, the notifier's
processors reading the streams, and the lifecycle through ``/v1/alerts/{id}/ack`` and ``.../resolve``;
asserted through what the duty officer reads back. Also: what a ``released`` alert says about notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests import samples
from tests.integration.ingest.support import assert_problem, pointers
from tests.integration.notifier.desks import Desk, booked_for_review
from tests.integration.notifier.support import DESK, NotifierInstance, Streams, as_, catch_up


class Office(Desk):
    async def lodge_matching(self) -> None:
        answer = await self.api.post("/v1/detainers", json=samples.detainer(), headers=as_("los"))
        assert answer.status_code == 201, answer.text

    async def ack(self, alert_id: str, holder: str = "los") -> httpx.Response:
        return await self.api.post(f"/v1/alerts/{alert_id}/ack", headers=as_(holder))

    async def resolve(self, alert_id: str, body: dict[str, Any], holder: str = "los") -> httpx.Response:
        return await self.api.post(f"/v1/alerts/{alert_id}/resolve", json=body, headers=as_(holder))

    async def read(self, alert_id: str, holder: str = "los") -> httpx.Response:
        return await self.api.get(f"/v1/alerts/{alert_id}", headers=as_(holder))


@pytest.fixture
def office(keyed_api: httpx.AsyncClient) -> Office:
    return Office(keyed_api)


async def in_custody(office: Office, notifier: NotifierInstance, streams: Streams, *events: dict[str, Any]) -> str:
    """A detainer lodged and its subject booked (then ``events``): the in_custody alert's id."""
    await office.lodge_matching()
    await office.submit(samples.booking(), *events)
    await catch_up(notifier, streams)
    return str((await office.alert("in_custody"))["alert_id"])


def steps(alert: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(entry["what"], entry["by"]) for entry in alert["timeline"]]


# --- acknowledge, then resolve ------------------------------------------------------------------


async def test_acknowledging_then_resolving_shows_who_did_what_and_when_in_the_timeline(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)

    acked = await office.ack(alert_id)
    resolved = await office.resolve(alert_id, {"outcome": "custody_assumed", "note": "picked up at 09:10"})

    assert acked.status_code == 200, acked.text
    assert "Idempotent-Replayed" not in acked.headers
    assert resolved.status_code == 200, resolved.text
    alert = (await office.read(alert_id)).json()
    assert alert == resolved.json()
    assert alert["status"] == "resolved"
    assert (alert["acknowledged_by"], alert["resolved_by"], alert["outcome"]) == (DESK, DESK, "custody_assumed")
    assert alert["resolution_note"] == "picked up at 09:10"
    assert steps(alert) == [("raised", None), ("acknowledged", DESK), ("resolved", DESK)]
    raised, ack, resolve = alert["timeline"]
    assert raised["at"] == alert["raised_at"]
    assert raised["detail"] == "custody_event"
    assert ack["at"] == alert["acknowledged_at"]
    assert resolve["at"] == alert["resolved_at"]
    assert resolve["detail"] == "custody_assumed: picked up at 09:10"
    assert datetime.fromisoformat(ack["at"]) <= datetime.fromisoformat(resolve["at"])


async def test_acknowledging_twice_answers_the_same_alert(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)

    first = await office.ack(alert_id)
    again = await office.ack(alert_id)

    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert steps(again.json()) == [("raised", None), ("acknowledged", DESK)]


async def test_an_acknowledged_alert_moves_from_the_open_listing_to_the_acknowledged_one(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)
    assert alert_id in [alert["alert_id"] for alert in await office.alerts(status="open")]

    assert (await office.ack(alert_id)).status_code == 200

    assert alert_id not in [alert["alert_id"] for alert in await office.alerts(status="open")]
    assert [alert["alert_id"] for alert in await office.alerts(status="acknowledged")] == [alert_id]

    assert (await office.resolve(alert_id, {"outcome": "released"})).status_code == 200

    assert await office.alerts(status="acknowledged") == []
    assert [alert["alert_id"] for alert in await office.alerts(status="resolved")] == [alert_id]


async def test_an_open_alert_is_resolved_directly_without_being_acknowledged(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)

    answer = await office.resolve(alert_id, {"outcome": "detainer_lifted"})

    assert answer.status_code == 200, answer.text
    alert = answer.json()
    assert (alert["status"], alert["acknowledged_at"], alert["outcome"]) == ("resolved", None, "detainer_lifted")
    assert steps(alert) == [("raised", None), ("resolved", DESK)]
    assert [entry["alert_id"] for entry in await office.alerts(status="open")] == []


async def test_resolving_again_with_the_same_outcome_answers_the_same_and_another_outcome_is_409(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)
    first = await office.resolve(alert_id, {"outcome": "custody_assumed"})

    again = await office.resolve(alert_id, {"outcome": "custody_assumed", "note": "second thoughts"})
    other = await office.resolve(alert_id, {"outcome": "released"})

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    problem = assert_problem(other, 409, "alert-lifecycle-conflict")
    assert pointers(problem) == ["#/outcome"]
    assert problem["alert"]["outcome"] == "custody_assumed"
    assert (await office.read(alert_id)).json() == first.json()


async def test_acknowledging_a_resolved_alert_is_409(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)
    resolved = await office.resolve(alert_id, {"outcome": "released"})

    answer = await office.ack(alert_id)

    assert_problem(answer, 409, "alert-lifecycle-conflict")
    assert (await office.read(alert_id)).json() == resolved.json()


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"outcome": "escaped"}, "#/outcome"),
        ({}, "#/outcome"),
        ({"outcome": "released", "note": "x" * 1001}, "#/note"),
        ({"outcome": "released", "by": "someone else"}, "#/by"),
    ],
)
async def test_an_invalid_resolution_is_422_naming_the_field(
    office: Office, notifier: NotifierInstance, streams: Streams, body: dict[str, Any], pointer: str
) -> None:
    alert_id = await in_custody(office, notifier, streams)

    answer = await office.resolve(alert_id, body)

    problem = assert_problem(answer, 422, "validation-error")
    assert pointers(problem) == [pointer]
    assert (await office.read(alert_id)).json()["status"] == "open"


async def test_another_office_gets_404_and_a_source_403_and_nothing_changes(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)

    assert_problem(await office.ack(alert_id, holder="nyc"), 404, "not-found")
    assert_problem(await office.resolve(alert_id, {"outcome": "released"}, holder="nyc"), 404, "not-found")
    assert_problem(await office.ack(alert_id, holder="jail"), 403, "forbidden")
    assert_problem(await office.resolve(alert_id, {"outcome": "released"}, holder="jail"), 403, "forbidden")
    assert_problem(await office.ack("al_nosuchalert"), 404, "not-found")

    alert = (await office.read(alert_id)).json()
    assert alert["status"] == "open"
    assert steps(alert) == [("raised", None)]


async def test_an_operator_may_acknowledge_and_resolve(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)

    assert (await office.ack(alert_id, holder="ops")).status_code == 200
    answer = await office.resolve(alert_id, {"outcome": "released"}, holder="ops")

    assert answer.status_code == 200, answer.text
    assert steps(answer.json()) == [
        ("raised", None),
        ("acknowledged", "night operator"),
        ("resolved", "night operator"),
    ]


async def test_acknowledging_and_resolving_are_in_the_audit_trail_once_each(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await in_custody(office, notifier, streams)
    await office.ack(alert_id)
    await office.ack(alert_id)  # a replay is not a second action
    await office.resolve(alert_id, {"outcome": "custody_assumed"})
    await office.resolve(alert_id, {"outcome": "custody_assumed"})

    trail = (await office.api.get("/v1/ops/audit", headers=as_("ops"))).json()

    # (the alert's raising is the notifier's own entry: a person's steps are the desk's)
    steps_taken = [
        entry for entry in trail["entries"] if entry["action"].startswith("alert.") and entry["actor"] == DESK
    ]
    assert sorted((entry["actor"], entry["action"], entry["target"]) for entry in steps_taken) == [
        (DESK, "alert.acknowledged", alert_id),
        (DESK, "alert.resolved", alert_id),
    ]


async def test_a_reviewed_possible_match_shows_its_review_in_the_timeline(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(office, notifier, streams)

    answer = await office.reject(alert_id)

    assert answer.status_code == 200, answer.text
    (raised, reviewed) = answer.json()["timeline"]
    assert (raised["what"], raised["detail"]) == ("raised", "custody_event")
    assert (reviewed["what"], reviewed["by"], reviewed["detail"]) == ("reviewed", DESK, "rejected")


async def test_an_unreviewed_possible_match_is_not_resolved_but_confirmed_or_rejected(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    alert_id = await booked_for_review(office, notifier, streams)

    answer = await office.resolve(alert_id, {"outcome": "not_the_person"})

    assert_problem(answer, 409, "alert-lifecycle-conflict")
    assert "confirm or reject" in answer.json()["detail"]
    assert (await office.read(alert_id)).json()["status"] == "open"


# --- what a released alert says about notice ----------------------------------------------------


async def test_a_release_after_a_scheduled_release_says_notice_came_first_and_how_many_hours_ahead(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    # scheduled (known 2026-11-21 10:00 -08:00), released 2026-11-24 09:05 -08:00: 71 h 5 min ahead
    await in_custody(office, notifier, streams, samples.release_scheduled(), samples.release())

    released = await office.alert("released")

    assert released["notice_given"] is True
    assert released["notice_lead_hours"] == 71.1
    assert released["released_without_notice"] is False
    assert released["released_early_hours"] is None  # 5 min after the time announced: as told


async def test_a_release_time_announced_again_counts_its_notice_from_its_first_announcement(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    # The jail sends its schedule again on the morning of the release (the same time, a new event): the office was
    # told 71 h ahead and counted down from then; the second message told it nothing new.
    again = samples.release_scheduled(event_id="evt-0013", occurred_at="2026-11-24T07:00:00-08:00")
    await in_custody(office, notifier, streams, samples.release_scheduled(), again, samples.release())

    released = await office.alert("released")
    schedule = await office.alert("release_scheduled")

    assert (released["notice_given"], released["notice_lead_hours"]) == (True, 71.1)
    assert schedule["release_status"] == "released"


async def test_a_release_well_before_the_time_announced_says_how_early_it_came(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    # scheduled (known 2026-11-21 10:00 -08:00) for 2026-11-24 09:00, released 2026-11-22 15:00: the office was
    # told of a release 42 h later than it came, so "with notice" alone would tell it it had time it did not have.
    early = samples.release(occurred_at="2026-11-22T15:00:00-08:00")
    await in_custody(office, notifier, streams, samples.release_scheduled(), early)

    released = await office.alert("released")

    assert (released["notice_given"], released["notice_lead_hours"]) == (True, 29.0)
    assert released["released_early_hours"] == 42.0


async def test_a_release_with_no_schedule_is_flagged_released_without_notice(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    await in_custody(office, notifier, streams, samples.release())

    released = await office.alert("released")

    assert released["notice_given"] is False
    assert released["notice_lead_hours"] is None
    assert released["released_without_notice"] is True


async def test_a_release_whose_schedule_was_cancelled_is_flagged_released_without_notice(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    await in_custody(
        office, notifier, streams, samples.release_scheduled(), samples.release_cancelled(), samples.release()
    )

    released = await office.alert("released")

    assert (released["notice_given"], released["released_without_notice"]) == (False, True)


async def test_only_released_alerts_speak_of_notice(
    office: Office, notifier: NotifierInstance, streams: Streams
) -> None:
    await in_custody(office, notifier, streams, samples.release_scheduled())

    for alert in await office.alerts():
        assert (alert["notice_given"], alert["notice_lead_hours"], alert["released_without_notice"]) == (
            None,
            None,
            None,
        )
