"""Intake as real feeds send it: identifiers in their common written forms are read, placeholders for
"none" are dropped silently, an optional field that still cannot be read costs a warning and never the
event, and what the source wrote is kept for the record (never in a log). Bodies that cannot be read
one way only (a key given twice, a line that is not UTF-8) refuse as little as they can."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from contracts import RedisNames
from tests import samples
from tests.integration.ingest.support import assert_problem, pointers, stream_events

URL = "/v1/custody-events"
BATCH = "/v1/custody-events:batch"


def fields_read(field: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("releasewatch_ingest_optional_fields_total", {"field": field, "outcome": outcome})
    return value or 0.0


def booked_with(**person: Any) -> dict[str, Any]:
    return samples.booking(person=samples.person(**person))


@pytest.mark.parametrize("written", ["201555123", "A-201-555-123", "A# 201 555 123", "a201555123", 201555123])
async def test_a_jails_a_number_in_any_common_form_is_published_canonical_and_kept_as_sent(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, written: Any
) -> None:
    response = await api.post(URL, json=booked_with(a_number=written))

    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (published,) = await stream_events(redis_client, names.custody_events)
    assert published["person"]["a_number"] == "A201555123"
    assert published["person"]["as_sent"] == {"/a_number": written}


async def test_placeholders_for_none_are_dropped_silently_and_counted(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    before = fields_read("a_number", "placeholder"), fields_read("middle_name", "placeholder")

    response = await api.post(
        URL, json=booked_with(a_number="UNKNOWN", fbi_number="000000000", middle_name="NMN", place_of_birth="N/A")
    )

    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (published,) = await stream_events(redis_client, names.custody_events)
    assert {
        key: published["person"].get(key) for key in ("a_number", "fbi_number", "middle_name", "place_of_birth")
    } == {
        "a_number": None,
        "fbi_number": None,
        "middle_name": None,
        "place_of_birth": None,
    }
    after = fields_read("a_number", "placeholder"), fields_read("middle_name", "placeholder")
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


@pytest.mark.parametrize("written", ["NA", "PENDING", "NO FBI", "0"])
async def test_an_identifier_without_a_digit_reads_as_none_so_no_two_people_agree_on_it(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, written: str
) -> None:
    before = fields_read("fbi_number", "placeholder")

    response = await api.post(
        URL, json=booked_with(fbi_number=written, a_number=written, state_id={"state": "CA", "number": written})
    )

    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (published,) = await stream_events(redis_client, names.custody_events)
    assert [published["person"].get(key) for key in ("fbi_number", "a_number", "state_id")] == [None, None, None]
    assert published["person"]["as_sent"]["/fbi_number"] == written  # kept for the record
    assert fields_read("fbi_number", "placeholder") - before == 1


async def test_an_unreadable_optional_field_costs_a_warning_never_the_event(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person = samples.person(
        a_number="ALIEN-NO-9X7Q",
        place_of_birth="Mexico",
        state_id={"state": "QQ", "number": "A1234567"},
        aliases=[
            {"last_name": "GARCIA", "first_name": "PEPE", "middle_name": "L3WIS"},
            {"last_name": "G4RCIA", "first_name": "PEPE"},
        ],
    )

    response = await api.post(URL, json=samples.booking(person=person))

    assert response.status_code == 202, response.text
    warnings = response.json()["warnings"]
    assert [warning["pointer"] for warning in warnings] == [
        "#/person/a_number",
        "#/person/aliases/0/middle_name",
        "#/person/aliases/1",
        "#/person/place_of_birth",
        "#/person/state_id",
    ]
    assert all(warning["detail"].startswith("dropped, not read: ") for warning in warnings)
    assert "ALIEN-NO-9X7Q" not in response.text
    assert "Mexico" not in response.text
    (published,) = await stream_events(redis_client, names.custody_events)
    assert (published["person"]["a_number"], published["person"]["place_of_birth"]) == (None, None)
    assert published["person"]["aliases"] == [
        {"last_name": "GARCIA", "first_name": "PEPE", "middle_name": None, "date_of_birth": None}
    ]
    assert published["person"]["as_sent"]["/a_number"] == "ALIEN-NO-9X7Q"
    assert published["person"]["as_sent"]["/aliases/1"] == {"last_name": "G4RCIA", "first_name": "PEPE"}
    assert "ALIEN-NO-9X7Q" not in caplog.text
    assert "G4RCIA" not in caplog.text


async def test_aliases_sent_as_null_read_as_none(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=booked_with(aliases=None))

    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (published,) = await stream_events(redis_client, names.custody_events)
    assert published["person"]["aliases"] == []


@pytest.mark.parametrize(
    "aliases",
    [
        {"last_name": "GARCIA", "first_name": "PEPE"},
        "GARCIA, PEPE",
        [{"last_name": "GARCIA", "first_name": f"PEPE{'I' * number}"} for number in range(21)],
    ],
    ids=["an-object", "a-string", "21-aliases"],
)
async def test_aliases_that_cannot_be_read_as_a_list_cost_a_warning_never_the_event(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, aliases: Any
) -> None:
    response = await api.post(URL, json=booked_with(aliases=aliases))

    assert response.status_code == 202, response.text
    assert pointers({"errors": response.json()["warnings"]}) == ["#/person/aliases"]
    (published,) = await stream_events(redis_client, names.custody_events)
    assert published["person"]["aliases"] == []
    assert published["person"]["as_sent"] == {"/aliases": aliases}


async def test_an_offices_detainer_is_lodged_without_aliases_it_cannot_read(api: httpx.AsyncClient) -> None:
    lodged = await api.post("/v1/detainers", json=samples.detainer(person=samples.person(aliases="GARCIA, PEPE")))
    without = await api.post(
        "/v1/detainers", json=samples.detainer(detainer_id="LOS-2026-000872", person=samples.person(aliases=None))
    )

    assert lodged.status_code == 201, lodged.text
    assert [warning["pointer"] for warning in lodged.json()["warnings"]] == ["#/person/aliases"]
    assert without.status_code == 201, without.text
    assert (lodged.json()["person"]["aliases"], without.json()["person"]["aliases"]) == ([], [])


async def test_a_booking_whose_charges_are_null_is_booked_without_charges(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=samples.booking(charges=None))

    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (published,) = await stream_events(redis_client, names.custody_events)
    assert published["charges"] == []


async def test_a_charge_code_that_cannot_be_read_costs_a_warning_never_the_booking(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    before = fields_read("charge_ncic_code", "dropped")
    charges = [
        samples.charge(ncic_code="22"),  # too short: dropped, the charge kept
        samples.charge(statute="PC 484", description="Petty theft", severity="misdemeanor", ncic_code="UNKNOWN"),
        samples.charge(statute="PC 459", description="Burglary", severity="felony", ncic_code="2204"),
    ]

    response = await api.post(URL, json=samples.booking(charges=charges))

    assert response.status_code == 202, response.text
    assert [warning["pointer"] for warning in response.json()["warnings"]] == ["#/charges/0/ncic_code"]
    (published,) = await stream_events(redis_client, names.custody_events)
    assert [(charge["statute"], charge["ncic_code"]) for charge in published["charges"]] == [
        (charges[0]["statute"], None),
        ("PC 484", None),  # a placeholder for none: no warning
        ("PC 459", "2204"),
    ]
    assert fields_read("charge_ncic_code", "dropped") - before == 1


async def test_a_charge_code_that_cannot_be_read_in_a_batch_warns_on_its_line(api: httpx.AsyncClient) -> None:
    lines = [
        samples.booking(event_id="evt-a"),
        samples.booking(event_id="evt-b", booking_number="B-2", charges=[samples.charge(ncic_code="13A3")]),
    ]

    response = await api.post(
        BATCH,
        content="\n".join(json.dumps(line) for line in lines),
        headers={"Content-Type": "application/x-ndjson"},
    )

    assert response.status_code == 202, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == ["accepted", "accepted"]
    assert "warnings" not in results[0]
    assert [warning["pointer"] for warning in results[1]["warnings"]] == ["#/1/charges/0/ncic_code"]


async def test_the_same_event_again_is_answered_as_before_warnings_included(api: httpx.AsyncClient) -> None:
    event = booked_with(a_number="A12X")

    first = await api.post(URL, json=event)
    again = await api.post(URL, json=event)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert pointers({"errors": first.json()["warnings"]}) == ["#/person/a_number"]


async def test_a_required_field_still_refuses_the_event_naming_only_what_refused_it(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=booked_with(date_of_birth="17/04/1990", a_number="A12X"))  # day first

    assert pointers(assert_problem(response, 422, "validation-error")) == ["#/person/date_of_birth"]
    assert await redis_client.xlen(names.custody_events) == 0


async def test_a_batch_warns_per_index(api: httpx.AsyncClient) -> None:
    response = await api.post(
        BATCH, json=[samples.booking(), samples.booking(event_id="evt-0002", person=samples.person(fbi_number="12*45"))]
    )

    assert response.status_code == 202, response.text
    first, second = response.json()["results"]
    assert "warnings" not in first
    assert second["status"] == "accepted"
    assert [warning["pointer"] for warning in second["warnings"]] == ["#/1/person/fbi_number"]


async def test_an_offices_detainer_gets_the_same_tolerance_for_identifiers(api: httpx.AsyncClient) -> None:
    body = samples.detainer(person=samples.person(a_number="A-12-X", fbi_number="123 456 ab9"))

    lodged = await api.post("/v1/detainers", json=body)
    again = await api.post("/v1/detainers", json=body)

    assert lodged.status_code == 201, lodged.text
    assert [warning["pointer"] for warning in lodged.json()["warnings"]] == ["#/person/a_number"]
    person = lodged.json()["person"]
    assert (person["a_number"], person["fbi_number"]) == (None, "123456AB9")
    assert person["as_sent"] == {"/a_number": "A-12-X", "/fbi_number": "123 456 ab9"}
    assert again.headers["Idempotent-Replayed"] == "true"


# --- coded fields as booking systems write them ------------------------------------------------------


async def test_a_booking_written_as_a_jails_system_writes_it_is_published_in_the_contracts_forms(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    """Sex as a word, the date of birth month first, a severity with its class, a lower-case ORI and a
    booking number padded by a fixed-width column: every one read, the booking accepted without a warning."""
    before = fields_read("sex", "normalised")
    written = samples.booking(
        type="Booking",
        facility_ori="ca0194200",
        booking_number="2026-004512    ",
        person=samples.person(sex="Male", date_of_birth="4/17/1990", aliases=[]),
        charges=[samples.charge(severity="F3"), samples.charge(statute="PC 484", severity="Misdemeanor")],
    )

    response = await api.post(URL, json=written)
    canonical = await api.post(
        URL,
        json=samples.booking(
            person=samples.person(aliases=[]),
            charges=[samples.charge(), samples.charge(statute="PC 484", severity="misdemeanor")],
        ),
    )

    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (published,) = await stream_events(redis_client, names.custody_events)
    assert (published["type"], published["facility_ori"], published["booking_number"]) == (
        "booking",
        "CA0194200",
        "2026-004512",
    )
    assert (published["person"]["sex"], published["person"]["date_of_birth"]) == ("M", "1990-04-17")
    assert [charge["severity"] for charge in published["charges"]] == ["felony", "misdemeanor"]
    assert canonical.headers["Idempotent-Replayed"] == "true"  # the same event, written the contract's way
    assert fields_read("sex", "normalised") - before == 1


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Bail Posted", "bail_posted"),
        ("BONDED OUT", "bail_posted"),
        ("ROR", "own_recognizance"),
        ("Time Served", "sentence_complete"),
    ],
)
async def test_a_release_reason_in_words_is_read_as_its_code(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames, written: str, read: str
) -> None:
    response = await api.post(URL, json=samples.release_scheduled(release_reason=written))

    assert response.status_code == 202, response.text
    assert "warnings" not in response.json()
    (published,) = await stream_events(redis_client, names.custody_events)
    assert published["release_reason"] == read


async def test_a_release_reason_releasewatch_does_not_know_costs_a_warning_never_the_release_notice(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=samples.release_scheduled(release_reason="Writ of habeas corpus 12"))
    reserved = await api.post(
        URL, json=samples.release_scheduled(event_id="evt-0009", release_reason="inferred_from_roster")
    )

    assert response.status_code == 202, response.text
    assert response.json()["warnings"] == [
        {"pointer": "#/release_reason", "detail": "not a release reason releasewatch knows: read as other"}
    ]
    (published,) = await stream_events(redis_client, names.custody_events)
    assert published["release_reason"] == "other"
    assert pointers(assert_problem(reserved, 422, "validation-error")) == ["#/release_reason"]


async def test_a_field_the_event_has_not_costs_a_warning_never_the_event(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    """A vendor's own fields (or a misspelt one) are named back, so the source sees what was not read."""
    before = fields_read("not_a_field", "dropped")
    written = samples.booking(
        vendor_priority="high",
        person=samples.person(eye_color="BRO", aliases=[{"last_name": "GARCIA", "first_name": "PEPE", "tattoo": "x"}]),
        charges=[samples.charge(bail_amount=5000)],
    )

    response = await api.post(URL, json=written)
    batch = await api.post(BATCH, json=[samples.release_cancelled(scheduled_release_at="2026-11-24T09:00:00-08:00")])

    assert response.status_code == 202, response.text
    assert [warning["pointer"] for warning in response.json()["warnings"]] == [
        "#/charges/0/bail_amount",
        "#/person/aliases/0/tattoo",
        "#/person/eye_color",
        "#/vendor_priority",
    ]
    assert {warning["detail"] for warning in response.json()["warnings"]} == {
        "dropped, not read: is not a field of this object"
    }
    published, cancelled = await stream_events(redis_client, names.custody_events)
    assert "eye_color" not in published["person"]
    assert "vendor_priority" not in published
    assert published["person"]["aliases"][0]["first_name"] == "PEPE"  # the alias kept, only its stray field dropped
    assert cancelled["type"] == "release_cancelled"
    (item,) = batch.json()["results"]
    assert [warning["pointer"] for warning in item["warnings"]] == ["#/0/scheduled_release_at"]
    assert fields_read("not_a_field", "dropped") - before == 5  # four in the event, one in the batch


async def test_an_offices_detainer_reads_the_same_common_forms_but_a_stray_field_of_its_own_refuses_it(
    api: httpx.AsyncClient,
) -> None:
    """An office's own system sending ``status`` means something by it: refused, never quietly dropped."""
    body = samples.detainer(person=samples.person(sex="female", date_of_birth="19900417", eye_color="BRO"))

    lodged = await api.post("/v1/detainers", json=body)
    stray = await api.post("/v1/detainers", json={**samples.detainer(detainer_id="LOS-2"), "status": "lifted"})

    assert lodged.status_code == 201, lodged.text
    assert [warning["pointer"] for warning in lodged.json()["warnings"]] == ["#/person/eye_color"]
    assert (lodged.json()["person"]["sex"], lodged.json()["person"]["date_of_birth"]) == ("F", "1990-04-17")
    assert pointers(assert_problem(stray, 422, "validation-error")) == ["#/status"]


# --- bodies read as little as must be refused ------------------------------------------------------


async def test_a_key_given_twice_is_refused_with_a_pointer_to_it(api: httpx.AsyncClient) -> None:
    body = json.dumps(samples.booking()).replace(
        '"first_name": "JOSE"', '"first_name": "JOSE", "first_name": "JUAN"', 1
    )

    response = await api.post(URL, content=body, headers={"content-type": "application/json"})

    problem = assert_problem(response, 422, "validation-error")
    assert pointers(problem) == ["#/person/first_name"]
    assert "JUAN" not in response.text


async def test_in_a_batch_a_key_given_twice_refuses_only_its_item(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    twice = json.dumps(samples.booking(event_id="evt-0002")).replace(
        '"type": "booking"', '"type": "booking", "type": "release"'
    )
    body = f"[{json.dumps(samples.booking())}, {twice}]"

    response = await api.post(BATCH, content=body, headers={"content-type": "application/json"})

    assert response.status_code == 202, response.text
    assert [item["status"] for item in response.json()["results"]] == ["accepted", "invalid"]
    assert pointers(response.json()["results"][1]) == ["#/1/type"]
    assert len(await stream_events(redis_client, names.custody_events)) == 1


async def test_an_ndjson_line_that_is_not_utf8_refuses_only_itself(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    broken = json.dumps(samples.booking(event_id="evt-0002")).encode().replace(b"GARCIA", b"GARC\xeda", 1)
    body = b"\n".join([json.dumps(samples.booking()).encode(), broken, json.dumps(samples.release()).encode()])

    response = await api.post(BATCH, content=body, headers={"content-type": "application/x-ndjson"})

    assert response.status_code == 202, response.text
    results = response.json()["results"]
    assert [item["status"] for item in results] == ["accepted", "invalid", "accepted"]
    assert results[1]["errors"][0]["pointer"] == "#/1"
    assert "not valid UTF-8" in results[1]["errors"][0]["detail"]
    assert len(await stream_events(redis_client, names.custody_events)) == 2


async def test_an_as_sent_record_sent_by_a_source_is_not_kept(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    response = await api.post(URL, json=booked_with(as_sent={"/a_number": "A999999990"}))

    assert response.status_code == 202, response.text
    (published,) = await stream_events(redis_client, names.custody_events)
    assert "as_sent" not in published["person"]
