"""The custody event union: the six types, their required fields, and how strictly JSON is read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from contracts import (
    Alias,
    Booking,
    BookingUpdated,
    Charge,
    Detainer,
    LodgeDetainer,
    Person,
    Release,
    ReleaseCancelled,
    ReleaseScheduled,
    Transfer,
    custody_event_adapter,
)
from tests import samples
from tests.unit.contracts.support import event_errors, model_errors, only_error, validate_event, with_value

EVENT_MODELS = {
    "booking": Booking,
    "booking_updated": BookingUpdated,
    "release_scheduled": ReleaseScheduled,
    "release_cancelled": ReleaseCancelled,
    "release": Release,
    "transfer": Transfer,
}

EVENT_TYPES = list(EVENT_MODELS)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_sample_event_validates_as_its_own_type(event_type: str) -> None:
    payload = samples.EVENT_BUILDERS[event_type]()

    event = validate_event(payload)

    assert type(event) is EVENT_MODELS[event_type]
    assert event.type == event_type
    assert event.event_id == payload["event_id"]
    assert event.booking_key == (payload["facility_ori"], payload["booking_number"])


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_event_survives_a_round_trip_through_its_json(event_type: str) -> None:
    event = validate_event(samples.EVENT_BUILDERS[event_type]())

    again = custody_event_adapter.validate_json(event.model_dump_json())

    assert again == event
    assert again.model_dump_json() == event.model_dump_json()


def test_round_trip_keeps_the_offset_and_fraction_of_a_time() -> None:
    event = validate_event(samples.booking(occurred_at="2026-11-20T08:15:00.250+05:30"))

    text = event.model_dump_json()
    again = custody_event_adapter.validate_json(text)

    assert json.loads(text)["occurred_at"] == "2026-11-20T08:15:00.250000+05:30"
    assert again.occurred_at == event.occurred_at
    assert again.occurred_at.utcoffset() == event.occurred_at.utcoffset()


def test_booking_validates_into_nested_models() -> None:
    event = validate_event(samples.booking())

    assert isinstance(event, Booking)
    assert isinstance(event.person, Person)
    assert isinstance(event.person.aliases[0], Alias)
    assert isinstance(event.charges[0], Charge)
    assert event.person.last_name == "GARCIA LOPEZ"
    assert event.charges[0].severity.value == "felony"


# --- the type tag -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["arrest", "BOOKING", "Booking", "", 5, None], ids=["arrest", "upper", "title", "empty", "number", "null"]
)
def test_unknown_event_type_is_refused_naming_the_expected_types(value: Any) -> None:
    error = only_error(event_errors(samples.booking(type=value)))

    assert error.loc == ()  # the API reports it at #/type
    assert error.type == "union_tag_invalid"
    assert "'booking', 'booking_updated', 'release_scheduled', 'release_cancelled', 'release', 'transfer'" in error.msg


def test_event_without_a_type_is_refused() -> None:
    payload = samples.booking()
    del payload["type"]

    error = only_error(event_errors(payload))

    assert error.type == "union_tag_not_found"
    assert "'type'" in error.msg


@pytest.mark.parametrize(
    "document", [[samples.booking()], "booking", 42, None], ids=["array", "string", "number", "null"]
)
def test_event_that_is_not_a_json_object_is_refused(document: Any) -> None:
    error = only_error(event_errors(document))

    assert error.loc == ()
    assert error.type == "dict_type"


def test_malformed_json_text_is_refused_as_invalid_json() -> None:
    with pytest.raises(ValidationError) as caught:
        custody_event_adapter.validate_json('{"event_id": "evt-1", ')

    assert caught.value.errors()[0]["type"] == "json_invalid"


# --- required fields per type ------------------------------------------------------------


COMMON_FIELDS = ["event_id", "occurred_at", "facility_ori", "booking_number"]


@pytest.mark.parametrize("field", COMMON_FIELDS)
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_requires_the_common_fields(event_type: str, field: str) -> None:
    payload = samples.EVENT_BUILDERS[event_type]()
    del payload[field]

    error = only_error(event_errors(payload))

    assert (error.loc, error.type) == ((field,), "missing")


@pytest.mark.parametrize(
    ("event_type", "field"),
    [
        ("booking", "person"),
        ("release_scheduled", "scheduled_release_at"),
        ("release_scheduled", "release_reason"),
        ("release", "release_reason"),
        ("transfer", "to_facility_ori"),
    ],
)
def test_each_type_requires_its_own_fields(event_type: str, field: str) -> None:
    payload = samples.EVENT_BUILDERS[event_type]()
    del payload[field]

    error = only_error(event_errors(payload))

    assert (error.loc, error.type) == ((field,), "missing")


@pytest.mark.parametrize(
    "field", ["last_name", "first_name", "date_of_birth", "sex"], ids=lambda field: f"person-{field}"
)
def test_person_requires_names_date_of_birth_and_sex(field: str) -> None:
    person = samples.person()
    del person[field]

    error = only_error(event_errors(samples.booking(person=person)))

    assert (error.loc, error.type) == (("person", field), "missing")


@pytest.mark.parametrize("field", ["statute", "description", "severity"])
def test_charge_requires_statute_description_and_severity(field: str) -> None:
    charge = samples.charge()
    del charge[field]

    error = only_error(event_errors(samples.booking(charges=[charge])))

    assert (error.loc, error.type) == (("charges", 0, field), "missing")


def test_booking_without_charges_is_accepted_with_none() -> None:
    payload = samples.booking()
    del payload["charges"]

    event = validate_event(payload)

    assert isinstance(event, Booking)
    assert event.charges == ()


def test_person_with_only_the_required_fields_is_accepted() -> None:
    person = {"last_name": "GARCIA", "first_name": "JOSE", "date_of_birth": "1990-04-17", "sex": "U"}

    event = validate_event(samples.booking(person=person))

    assert isinstance(event, Booking)
    assert (event.person.a_number, event.person.fbi_number, event.person.state_id) == (None, None, None)


# --- booking_updated and transfer: rules across fields ------------------------------------------


@pytest.mark.parametrize(
    "correction",
    [
        pytest.param({"person": samples.person()}, id="person-only"),
        pytest.param({"charges": [samples.charge()]}, id="charges-only"),
        pytest.param({"person": samples.person(), "charges": [samples.charge()]}, id="both"),
        pytest.param({"charges": []}, id="charges-cleared"),
    ],
)
def test_booking_updated_with_person_or_charges_is_accepted(correction: dict[str, Any]) -> None:
    payload = samples.booking_updated()
    del payload["charges"]

    event = validate_event(payload | correction)

    assert isinstance(event, BookingUpdated)
    assert (event.person is not None) == ("person" in correction)
    assert (event.charges is not None) == ("charges" in correction)


@pytest.mark.parametrize(
    "correction",
    [pytest.param({}, id="neither"), pytest.param({"person": None, "charges": None}, id="both-null")],
)
def test_booking_updated_without_person_or_charges_is_refused(correction: dict[str, Any]) -> None:
    payload = samples.booking_updated()
    del payload["charges"]

    error = only_error(event_errors(payload | correction))

    assert error.loc == ()
    assert error.type == "value_error"
    assert "needs person, charges or both" in error.msg


def test_transfer_to_the_same_facility_is_refused() -> None:
    error = only_error(event_errors(samples.transfer(facility_ori="CA0194200", to_facility_ori="CA0194200")))

    assert error.type == "same_facility"
    assert error.msg == "must differ from facility_ori"


def test_transfer_to_the_same_facility_is_located_at_to_facility_ori() -> None:
    error = only_error(event_errors(samples.transfer(facility_ori="CA0194200", to_facility_ori="CA0194200")))

    assert error.loc == ("to_facility_ori",)


def test_transfer_to_another_facility_is_accepted() -> None:
    event = validate_event(samples.transfer(facility_ori="CA0194200", to_facility_ori="NV0020000"))

    assert isinstance(event, Transfer)
    assert event.to_facility_ori == "NV0020000"


# --- strict JSON: unknown fields and wrong JSON types ---------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ("priority",),
        ("person", "nickname"),
        ("person", "aliases", 0, "nickname"),
        ("person", "state_id", "issued"),
        ("charges", 0, "bail_amount"),
    ],
    ids=["event", "person", "alias", "state_id", "charge"],
)
def test_unknown_field_is_refused_at_every_level(path: tuple[str | int, ...]) -> None:
    error = only_error(event_errors(with_value(samples.booking(), path, "x")))

    assert error.loc == path
    assert error.type == "extra_forbidden"


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_unknown_field_is_refused_for_every_event_type(event_type: str) -> None:
    error = only_error(event_errors(samples.EVENT_BUILDERS[event_type](source_system="jms")))

    assert (error.loc, error.type) == (("source_system",), "extra_forbidden")


def test_field_of_another_event_type_is_refused() -> None:
    error = only_error(event_errors(samples.release_cancelled(release_reason="bail_posted")))

    assert (error.loc, error.type) == (("release_reason",), "extra_forbidden")


@pytest.mark.parametrize(
    "path",
    [
        ("booking_number",),
        ("event_id",),
        ("facility_ori",),
        ("person", "last_name"),
        ("person", "a_number"),
        ("charges", 0, "statute"),
    ],
    ids=lambda path: "-".join(map(str, path)),
)
def test_json_number_where_a_string_belongs_is_refused_not_converted(path: tuple[str | int, ...]) -> None:
    error = only_error(event_errors(with_value(samples.booking(), path, 123)))

    assert error.loc == path
    assert error.type == "string_type"


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        pytest.param(("charges",), samples.charge(), "tuple_type", id="object-for-list"),
        pytest.param(("person",), [samples.person()], "model_type", id="list-for-object"),
        pytest.param(("person", "aliases"), "GARCIA", "tuple_type", id="string-for-list"),
        pytest.param(("booking_number",), True, "string_type", id="boolean-for-string"),
        pytest.param(("booking_number",), None, "string_type", id="null-for-string"),
    ],
)
def test_wrong_json_type_is_refused(path: tuple[str | int, ...], value: Any, error_type: str) -> None:
    error = only_error(event_errors(with_value(samples.booking(), path, value)))

    assert (error.loc, error.type) == (path, error_type)


def test_several_errors_in_one_event_are_all_reported() -> None:
    payload = samples.booking(
        facility_ori="ca0194200",
        occurred_at="2026-11-20T08:15:00",
        person=samples.person(a_number="12345678X", sex="male"),
        charges=[samples.charge(), samples.charge(severity="violation")],
    )

    errors = event_errors(payload)

    assert {(error.loc, error.type) for error in errors} == {
        (("facility_ori",), "ori_format"),
        (("occurred_at",), "rfc3339"),
        (("person", "a_number"), "a_number_format"),
        (("person", "sex"), "enum"),
        (("charges", 1, "severity"), "enum"),
    }


# --- reading with extra="ignore": an older reader beside a newer writer ------------------------------


def test_reader_ignoring_extra_fields_accepts_an_event_from_a_newer_writer() -> None:
    newer = samples.booking(source_system="jms-9")
    newer["person"]["eye_color"] = "BRO"
    newer["charges"][0]["bail_amount"] = 5000

    event = Booking.model_validate_json(json.dumps(newer), extra="ignore")

    assert event == Booking.model_validate_json(json.dumps(samples.booking()))


def test_union_reader_ignoring_extra_fields_accepts_every_event_type_from_a_newer_writer() -> None:
    for builder in samples.EVENT_BUILDERS.values():
        event = custody_event_adapter.validate_json(json.dumps(builder(schema_version=2)), extra="ignore")

        assert event == validate_event(builder())


def test_detainer_reader_ignoring_extra_fields_accepts_a_record_from_a_newer_writer() -> None:
    stored = samples.detainer(status="active", lodged_at="2026-11-01T17:05:00Z", priority="high")

    detainer = Detainer.model_validate_json(json.dumps(stored), extra="ignore")

    assert detainer.detainer_id == stored["detainer_id"]
    assert detainer.status.value == "active"


def test_ignoring_extra_fields_still_refuses_a_broken_known_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Booking.model_validate_json(json.dumps(samples.booking(facility_ori="ca0194200", new=1)), extra="ignore")

    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [(("facility_ori",), "ori_format")]


def test_lodge_detainer_refuses_server_side_fields() -> None:
    errors = model_errors(LodgeDetainer, samples.detainer(status="lifted"))

    assert [(error.loc, error.type) for error in errors] == [(("status",), "extra_forbidden")]
