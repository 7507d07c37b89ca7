"""Every field rule of the wire contracts, validated from JSON text as the API does.

Each rule has accepted and refused examples; a refusal is checked for where
it points (the error location a source's developer sees) and for a stable
error type and message.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from contracts import Booking, LiftDetainer, LodgeDetainer, Release, ReleaseScheduled, fields
from tests import samples
from tests.unit.contracts.support import event_errors, model_errors, only_error, validate_event, with_value

_TOMORROW = object()  # the day after the one the test runs on (collection may be on the day before)

# --- ORI --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ori",
    ["CA0194200", "NY0303000", "TXHPD0000", "DC0010000", "PR0000001", "GU1234567"],
    ids=["california", "new-york", "letters-after-state", "district-of-columbia", "puerto-rico", "guam"],
)
def test_ori_of_a_state_or_territory_with_seven_letters_or_digits_is_accepted(ori: str) -> None:
    event = validate_event(samples.booking(facility_ori=ori))

    assert event.facility_ori == ori


@pytest.mark.parametrize(
    ("ori", "error_type", "message"),
    [
        pytest.param("ca0194200", "ori_format", "upper-case", id="lower-case"),
        pytest.param("Ca0194200", "ori_format", "9-character ORI", id="mixed-case-state"),
        pytest.param("CA019420a", "ori_format", "9-character ORI", id="lower-case-tail"),
        pytest.param("1A0194200", "ori_format", "2-letter state code", id="digit-in-state"),
        pytest.param("CA-194200", "ori_format", "9-character ORI", id="punctuation"),
        pytest.param("ZZ0194200", "ori_state", "USPS state", id="unknown-state-ZZ"),
        pytest.param("XX0194200", "ori_state", "USPS state", id="unknown-state-XX"),
        pytest.param("CA019420", "string_too_short", "at least 9", id="8-characters"),
        pytest.param("CA01942000", "string_too_long", "at most 9", id="10-characters"),
        pytest.param("", "string_too_short", "at least 9", id="empty"),
    ],
)
def test_ori_that_is_not_a_state_code_and_seven_upper_case_characters_is_refused(
    ori: str, error_type: str, message: str
) -> None:
    error = only_error(event_errors(samples.booking(facility_ori=ori)))

    assert error.loc == ("facility_ori",)
    assert error.type == error_type
    assert message in error.msg


def test_every_ori_field_applies_the_ori_rule() -> None:
    transfer_error = only_error(event_errors(samples.transfer(to_facility_ori="ZZ0190000")))
    detainer_error = only_error(model_errors(LodgeDetainer, samples.detainer(lodged_with_ori="ca0194200")))

    assert (transfer_error.loc, transfer_error.type) == (("to_facility_ori",), "ori_state")
    assert (detainer_error.loc, detainer_error.type) == (("lodged_with_ori",), "ori_format")


# --- RFC 3339 times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "2026-11-22T14:30:00-08:00",
            datetime(2026, 11, 22, 14, 30, tzinfo=timezone(timedelta(hours=-8))),
            id="negative-offset",
        ),
        pytest.param(
            "2026-11-22T14:30:00+05:30",
            datetime(2026, 11, 22, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            id="positive-offset",
        ),
        pytest.param("2026-11-22T22:30:00Z", datetime(2026, 11, 22, 22, 30, tzinfo=UTC), id="Z"),
        pytest.param("2026-11-22t22:30:00z", datetime(2026, 11, 22, 22, 30, tzinfo=UTC), id="lower-case-t-and-z"),
        pytest.param("2026-11-22T22:30:00.5Z", datetime(2026, 11, 22, 22, 30, 0, 500_000, tzinfo=UTC), id="tenths"),
        pytest.param(
            "2026-11-22T22:30:00.123456Z",
            datetime(2026, 11, 22, 22, 30, 0, 123_456, tzinfo=UTC),
            id="microseconds",
        ),
        pytest.param(
            "2026-11-22T22:30:00.123456789Z",
            datetime(2026, 11, 22, 22, 30, 0, 123_456, tzinfo=UTC),
            id="nanoseconds-kept-to-microseconds",
        ),
        pytest.param("2028-02-29T00:00:00Z", datetime(2028, 2, 29, tzinfo=UTC), id="leap-day"),
    ],
)
def test_rfc3339_time_with_seconds_and_an_offset_is_accepted(text: str, expected: datetime) -> None:
    event = validate_event(samples.booking(occurred_at=text))

    assert event.occurred_at == expected
    assert event.occurred_at.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("2026-11-22T14:30:00", "with seconds and an offset", id="no-offset"),
        pytest.param("2026-11-22T14:30-08:00", "with seconds and an offset", id="no-seconds"),
        pytest.param("2026-11-22", "with seconds and an offset", id="date-only"),
        pytest.param("14:30:00-08:00", "with seconds and an offset", id="time-only"),
        pytest.param("2026-11-22T14:30:00-0800", "with seconds and an offset", id="offset-without-colon"),
        pytest.param("20261122T143000Z", "with seconds and an offset", id="basic-iso-format"),
        pytest.param("22/11/2026 14:30:00", "with seconds and an offset", id="local-format"),
        pytest.param(1795330821, "with seconds and an offset", id="epoch-seconds-number"),
        pytest.param(1795330821000, "with seconds and an offset", id="epoch-milliseconds-number"),
        pytest.param("1795330821", "with seconds and an offset", id="epoch-as-string"),
        pytest.param("2026-02-30T10:00:00Z", "not a real date or time", id="february-30"),
        pytest.param("2026-02-29T10:00:00Z", "not a real date or time", id="february-29-non-leap-year"),
        pytest.param("2026-13-01T10:00:00Z", "not a real date or time", id="month-13"),
        pytest.param("2026-11-22T25:00:00Z", "not a real date or time", id="hour-25"),
        pytest.param("2026-11-22T14:30:00+24:00", "not a real date or time", id="offset-24h"),
        pytest.param(None, "with seconds and an offset", id="null"),
        pytest.param("", "with seconds and an offset", id="empty"),
    ],
)
def test_time_that_is_not_rfc3339_with_seconds_and_offset_is_refused(value: Any, message: str) -> None:
    error = only_error(event_errors(samples.booking(occurred_at=value)))

    assert error.loc == ("occurred_at",)
    assert error.type == "rfc3339"
    assert message in error.msg


def test_every_time_field_applies_the_rfc3339_rule() -> None:
    scheduled = only_error(event_errors(samples.release_scheduled(scheduled_release_at="2026-11-24T09:00:00")))
    issued = only_error(model_errors(LodgeDetainer, samples.detainer(issued_at="2026-11-01")))

    assert (scheduled.loc, scheduled.type) == (("scheduled_release_at",), "rfc3339")
    assert (issued.loc, issued.type) == (("issued_at",), "rfc3339")


# --- date of birth -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1990-04-17",
        "1900-01-01",
        "2000-02-29",
        pytest.param(date.today().isoformat(), id="today"),
    ],
)
def test_date_of_birth_as_yyyy_mm_dd_from_1900_to_today_is_accepted(text: str) -> None:
    event = validate_event(samples.booking(person=samples.person(date_of_birth=text)))

    assert isinstance(event, Booking)
    assert event.person.date_of_birth == date.fromisoformat(text)


@pytest.mark.parametrize(
    ("value", "error_type", "message"),
    [
        pytest.param("17/04/1990", "iso_date", "YYYY-MM-DD", id="day-month-year"),
        pytest.param("04/17/1990", "iso_date", "YYYY-MM-DD", id="month-day-year"),
        pytest.param("1990-4-17", "iso_date", "YYYY-MM-DD", id="unpadded-month"),
        pytest.param("19900417", "iso_date", "YYYY-MM-DD", id="no-dashes"),
        pytest.param("1990-04-17T00:00:00Z", "iso_date", "YYYY-MM-DD", id="date-time"),
        pytest.param(19900417, "iso_date", "YYYY-MM-DD", id="number"),
        pytest.param("1990-02-30", "iso_date", "not a real date", id="february-30"),
        pytest.param("1990-13-01", "iso_date", "not a real date", id="month-13"),
        pytest.param("1899-12-31", "date_of_birth_range", "between 1900-01-01 and today", id="before-1900"),
        pytest.param(_TOMORROW, "date_of_birth_range", "between 1900-01-01 and today", id="tomorrow"),
        pytest.param("2999-01-01", "date_of_birth_range", "between 1900-01-01 and today", id="far-future"),
    ],
)
def test_date_of_birth_not_yyyy_mm_dd_or_outside_1900_to_today_is_refused(
    value: Any, error_type: str, message: str
) -> None:
    if value is _TOMORROW:
        value = (date.today() + timedelta(days=1)).isoformat()
    error = only_error(event_errors(samples.booking(person=samples.person(date_of_birth=value))))

    assert error.loc == ("person", "date_of_birth")
    assert error.type == error_type
    assert message in error.msg


def test_date_of_birth_of_the_day_that_has_just_begun_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    today = date.today()
    validate_event(samples.booking(person=samples.person(date_of_birth=today.isoformat())))
    tomorrow = today + timedelta(days=1)
    refused = event_errors(samples.booking(person=samples.person(date_of_birth=tomorrow.isoformat())))
    monkeypatch.setattr(fields, "_today", lambda: tomorrow)  # midnight passes

    event = validate_event(samples.booking(person=samples.person(date_of_birth=tomorrow.isoformat())))

    assert only_error(refused).type == "date_of_birth_range"
    assert isinstance(event, Booking)
    assert event.person.date_of_birth == tomorrow


def test_alias_date_of_birth_applies_the_same_rule() -> None:
    alias = {"last_name": "GARCIA", "first_name": "PEPE", "date_of_birth": "17/04/1990"}

    error = only_error(event_errors(samples.booking(person=samples.person(aliases=[alias]))))

    assert (error.loc, error.type) == (("person", "aliases", 0, "date_of_birth"), "iso_date")


# --- identifiers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        pytest.param("A012345678", "A012345678", id="canonical"),
        pytest.param("201555123", "A201555123", id="without-A"),
        pytest.param("A-201-555-123", "A201555123", id="hyphens"),
        pytest.param("A# 201 555 123", "A201555123", id="hash-and-spaces"),
        pytest.param("a201555123", "A201555123", id="lower-case-a"),
        pytest.param("A12345678", "A012345678", id="8-digits-zero-padded"),
        pytest.param("1234567", "A001234567", id="7-digits"),
        pytest.param(201555123, "A201555123", id="json-number"),
    ],
)
def test_a_number_in_a_common_written_form_is_read_as_a_and_nine_digits(written: Any, canonical: str) -> None:
    event = validate_event(samples.booking(person=samples.person(a_number=written)))

    assert isinstance(event, Booking)
    assert event.person.a_number == canonical


@pytest.mark.parametrize(
    "placeholder",
    [
        *["UNKNOWN", "unknown", "NONE", "N/A", "", "000000000", "999999999", "A000000000", "A-999-999-999"],
        # No digit at all, or zeros alone: what feeds write for one they do not have (NA is not a country here).
        *["NA", "na", "TBD", "PENDING", "REFUSED", "NO FBI", "XXXXXXX", "0", "00", "A0"],
    ],
)
def test_a_placeholder_for_none_reads_as_no_identifier(placeholder: str) -> None:
    event = validate_event(
        samples.booking(
            person=samples.person(
                a_number=placeholder, fbi_number=placeholder, state_id={"state": "CA", "number": placeholder}
            )
        )
    )

    assert isinstance(event, Booking)
    assert (event.person.a_number, event.person.fbi_number, event.person.state_id) == (None, None, None)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1234567890", id="10-digits"),
        pytest.param("A01234567X", id="letter-among-digits"),
        pytest.param("123456", id="6-digits"),
        pytest.param("B012345678", id="another-letter"),
        pytest.param(-12345678, id="negative-number"),
        pytest.param(True, id="boolean"),
    ],
)
def test_a_number_that_cannot_be_read_is_refused_by_the_contract(value: Any) -> None:
    error = only_error(event_errors(samples.booking(person=samples.person(a_number=value))))

    assert error.loc == ("person", "a_number")
    assert error.type in {"a_number_format", "string_type"}


def test_a_number_format_error_explains_the_rule() -> None:
    error = only_error(event_errors(samples.booking(person=samples.person(a_number="A12X"))))

    assert "A and 7 to 9 digits" in error.msg


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("123456AB9", "123456AB9"), ("123456-ab9", "123456AB9"), (" 123 456 AB9 ", "123456AB9"), (987654321, "987654321")],
)
def test_fbi_number_is_read_in_upper_case_without_spaces_or_hyphens(written: Any, canonical: str) -> None:
    event = validate_event(samples.booking(person=samples.person(fbi_number=written)))

    assert isinstance(event, Booking)
    assert event.person.fbi_number == canonical


@pytest.mark.parametrize("value", ["1234567890", "12345*", "ÑANDÚ"], ids=["10-characters", "asterisk", "non-ascii"])
def test_fbi_number_that_cannot_be_read_is_refused_by_the_contract(value: Any) -> None:
    error = only_error(event_errors(samples.booking(person=samples.person(fbi_number=value))))

    assert error.loc == ("person", "fbi_number")
    assert error.type == "fbi_number_format"


@pytest.mark.parametrize(
    ("state_id", "canonical"),
    [
        ({"state": "CA", "number": "A1234567"}, ("CA", "A1234567")),
        ({"state": "TX", "number": "12345678"}, ("TX", "12345678")),
        ({"state": "NY", "number": "12-345-ab"}, ("NY", "12345AB")),
        ({"state": "ca", "number": "a 123 4567"}, ("CA", "A1234567")),
        ({"state": "PR", "number": "X1" * 10}, ("PR", "X1" * 10)),
    ],
    ids=["CA", "TX-digits", "NY-hyphens", "lower-case", "PR-20-characters"],
)
def test_state_id_is_read_with_its_state_in_upper_case_letters_and_digits(
    state_id: dict[str, str], canonical: tuple[str, str]
) -> None:
    event = validate_event(samples.booking(person=samples.person(state_id=state_id)))

    assert isinstance(event, Booking)
    assert event.person.state_id is not None
    assert (event.person.state_id.state, event.person.state_id.number) == canonical


def test_a_state_id_whose_number_is_a_placeholder_is_no_state_id() -> None:
    event = validate_event(samples.booking(person=samples.person(state_id={"state": "CA", "number": "UNKNOWN"})))

    assert isinstance(event, Booking)
    assert event.person.state_id is None


@pytest.mark.parametrize(
    ("state_id", "loc", "error_type"),
    [
        pytest.param({"state": "ZZ", "number": "A1234567"}, ("state",), "state_code", id="unknown-state"),
        pytest.param({"state": "CAL", "number": "A1234567"}, ("state",), "string_too_long", id="3-letter-state"),
        pytest.param({"number": "A1234567"}, ("state",), "missing", id="no-state"),
        pytest.param({"state": "CA"}, ("number",), "missing", id="no-number"),
        pytest.param({"state": "CA", "number": "12" * 10 + "3"}, ("number",), "state_id_format", id="21-characters"),
        pytest.param({"state": "CA", "number": "12*4"}, ("number",), "state_id_format", id="asterisk"),
        pytest.param("CA A1234567", (), "model_type", id="one-string"),
    ],
)
def test_state_id_without_a_usps_state_and_a_readable_number_is_refused_by_the_contract(
    state_id: Any, loc: tuple[str, ...], error_type: str
) -> None:
    error = only_error(event_errors(samples.booking(person=samples.person(state_id=state_id))))

    assert error.loc == ("person", "state_id", *loc)
    assert error.type == error_type


@pytest.mark.parametrize("sex", ["M", "F", "X", "U"])
def test_sex_code_is_accepted(sex: str) -> None:
    event = validate_event(samples.booking(person=samples.person(sex=sex)))

    assert isinstance(event, Booking)
    assert event.person.sex.value == sex


@pytest.mark.parametrize("sex", ["m", "male", "MALE", "", "N", 1], ids=["m", "male", "MALE", "empty", "N", "number"])
def test_sex_outside_m_f_x_u_is_refused(sex: Any) -> None:
    error = only_error(event_errors(samples.booking(person=samples.person(sex=sex))))

    assert error.loc == ("person", "sex")
    assert error.type == "enum"
    assert "'M', 'F', 'X' or 'U'" in error.msg


@pytest.mark.parametrize("country", ["MX", "US", "GT", "SV", "HN", "CN", "VN", "IN", "PS", "NA", "mx", " gt "])
def test_place_of_birth_as_iso_3166_alpha_2_is_accepted_in_upper_case(country: str) -> None:
    event = validate_event(samples.booking(person=samples.person(place_of_birth=country)))

    assert isinstance(event, Booking)
    assert event.person.place_of_birth == country.strip().upper()


@pytest.mark.parametrize("placeholder", ["UNKNOWN", "XX", "ZZ", "", "N/A"])
def test_a_place_of_birth_placeholder_reads_as_none(placeholder: str) -> None:
    event = validate_event(samples.booking(person=samples.person(place_of_birth=placeholder)))

    assert isinstance(event, Booking)
    assert event.person.place_of_birth is None


@pytest.mark.parametrize("placeholder", ["NMN", "nmn", "NMI", "NONE", "UNKNOWN", ""])
def test_a_middle_name_placeholder_reads_as_none(placeholder: str) -> None:
    event = validate_event(samples.booking(person=samples.person(middle_name=placeholder)))

    assert isinstance(event, Booking)
    assert event.person.middle_name is None


@pytest.mark.parametrize(
    ("country", "error_type"),
    [
        pytest.param("QQ", "country_code", id="unassigned-QQ"),
        pytest.param("UK", "country_code", id="UK-is-not-ISO"),
        pytest.param("mex", "string_too_long", id="alpha-3-lower-case"),
        pytest.param("MEX", "string_too_long", id="alpha-3"),
        pytest.param("M", "string_too_short", id="one-letter"),
        pytest.param(484, "string_type", id="numeric-code"),
    ],
)
def test_place_of_birth_that_is_not_an_iso_3166_alpha_2_code_is_refused(country: Any, error_type: str) -> None:
    error = only_error(event_errors(samples.booking(person=samples.person(place_of_birth=country))))

    assert error.loc == ("person", "place_of_birth")
    assert error.type == error_type


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "GARCIA LOPEZ",
        "JOSÉ",
        "JOSE\u0301",  # E followed by a combining acute accent
        "Nguyễn",
        "O'BRIEN",
        "GARCIA-LOPEZ",
        "ST. JOHN",
        "MUÑOZ",
        "Ødegård",
        "王",
        "Дмитрий",
        "محمد",
        "ʻAKAKA",  # Hawaiian ʻokina is a letter
        "X" * 100,
    ],
    ids=[
        "two-surnames",
        "precomposed-accent",
        "combining-accent",
        "vietnamese",
        "apostrophe",
        "hyphen",
        "period",
        "n-tilde",
        "nordic",
        "han",
        "cyrillic",
        "arabic",
        "okina",
        "100-characters",
    ],
)
def test_name_of_letters_of_any_script_with_name_punctuation_is_accepted(name: str) -> None:
    event = validate_event(samples.booking(person=samples.person(last_name=name)))

    assert isinstance(event, Booking)
    assert event.person.last_name == name


@pytest.mark.parametrize(
    ("name", "error_type", "message"),
    [
        pytest.param("GARCIA2", "name_characters", "only letters", id="digit"),
        pytest.param("JOSE\tLUIS", "name_characters", "only letters", id="tab"),
        pytest.param("JOSE\nLUIS", "name_characters", "only letters", id="newline"),
        pytest.param("JOSE\u0000", "name_characters", "only letters", id="nul"),
        pytest.param("JOSE\u200b", "name_characters", "only letters", id="zero-width-space"),
        pytest.param("GARCIA_LOPEZ", "name_characters", "only letters", id="underscore"),
        pytest.param("GARCIA@", "name_characters", "only letters", id="at-sign"),
        pytest.param("-GARCIA", "name_characters", "start with a letter", id="leading-hyphen"),
        pytest.param("'O", "name_characters", "start with a letter", id="leading-apostrophe"),
        pytest.param("\u0301\u0301", "name_marks", "a letter before each accent", id="only-combining-marks"),
        pytest.param("GARCIA \u0301\u0300", "name_marks", "a letter before each accent", id="word-of-marks"),
        pytest.param("GARCIA-\u0301", "name_marks", "a letter before each accent", id="mark-after-hyphen"),
        pytest.param(" GARCIA", "name_spacing", "leading, trailing or doubled spaces", id="leading-space"),
        pytest.param("GARCIA ", "name_spacing", "leading, trailing or doubled spaces", id="trailing-space"),
        pytest.param("GARCIA  LOPEZ", "name_spacing", "leading, trailing or doubled spaces", id="double-space"),
        pytest.param("X" * 101, "string_too_long", "at most 100", id="101-characters"),
        pytest.param("", "string_too_short", "at least 1", id="empty"),
        pytest.param(7, "string_type", "valid string", id="json-number"),
    ],
)
def test_name_with_digits_controls_or_stray_spaces_is_refused(name: Any, error_type: str, message: str) -> None:
    error = only_error(event_errors(samples.booking(person=samples.person(last_name=name))))

    assert error.loc == ("person", "last_name")
    assert error.type == error_type
    assert message in error.msg


@pytest.mark.parametrize(
    "path",
    [
        ("person", "first_name"),
        ("person", "middle_name"),
        ("person", "aliases", 0, "last_name"),
        ("person", "aliases", 0, "first_name"),
    ],
    ids=["first_name", "middle_name", "alias-last_name", "alias-first_name"],
)
def test_every_name_field_applies_the_name_rule(path: tuple[str | int, ...]) -> None:
    error = only_error(event_errors(with_value(samples.booking(), path, "J0SE")))

    assert (error.loc, error.type) == (path, "name_characters")


# --- lengths of strings and lists --------------------------------------------------------------


def _event(builder: str) -> dict[str, Any]:
    return samples.EVENT_BUILDERS[builder]()


LONGEST_STRINGS = [
    pytest.param(_event("booking"), ("event_id",), 128, id="event_id-128"),
    pytest.param(_event("booking"), ("booking_number",), 40, id="booking_number-40"),
    pytest.param(_event("booking"), ("charges", 0, "statute"), 64, id="statute-64"),
    pytest.param(_event("booking"), ("charges", 0, "description"), 500, id="description-500"),
    pytest.param(_event("booking"), ("person", "last_name"), 100, id="last_name-100"),
    pytest.param(_event("booking"), ("person", "first_name"), 100, id="first_name-100"),
    pytest.param(_event("booking"), ("person", "middle_name"), 100, id="middle_name-100"),
]


@pytest.mark.parametrize(("payload", "path", "longest"), LONGEST_STRINGS)
def test_event_string_at_its_length_limit_is_accepted_and_one_more_character_is_refused(
    payload: dict[str, Any], path: tuple[str | int, ...], longest: int
) -> None:
    validate_event(with_value(payload, path, "A" * longest))

    error = only_error(event_errors(with_value(payload, path, "A" * (longest + 1))))

    assert error.loc == path
    assert error.type == "string_too_long"
    assert f"at most {longest} characters" in error.msg


@pytest.mark.parametrize(
    ("model", "payload", "path", "longest"),
    [
        pytest.param(LodgeDetainer, samples.detainer(), ("detainer_id",), 64, id="detainer_id-64"),
        pytest.param(LiftDetainer, {"reason": "other"}, ("note",), 500, id="lift-note-500"),
    ],
)
def test_detainer_string_at_its_length_limit_is_accepted_and_one_more_character_is_refused(
    model: type[LodgeDetainer | LiftDetainer], payload: dict[str, Any], path: tuple[str, ...], longest: int
) -> None:
    model.model_validate_json(json.dumps(with_value(payload, path, "A" * longest)))

    error = only_error(model_errors(model, with_value(payload, path, "A" * (longest + 1))))

    assert error.loc == path
    assert error.type == "string_too_long"


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        pytest.param("event_id", "", "string_too_short", id="event_id-empty"),
        pytest.param("event_id", "-evt", "event_id_format", id="event_id-leading-hyphen"),
        pytest.param("event_id", "evt 1", "event_id_format", id="event_id-space"),
        pytest.param("event_id", "evt/1", "event_id_format", id="event_id-slash"),
        pytest.param("booking_number", "", "string_too_short", id="booking_number-empty"),
        pytest.param("booking_number", "2026 004512", "booking_number_format", id="booking_number-space"),
        pytest.param("booking_number", "/2026", "booking_number_format", id="booking_number-leading-slash"),
        pytest.param("booking_number", "2026:1", "booking_number_format", id="booking_number-colon"),
    ],
)
def test_source_record_ids_with_characters_outside_their_alphabet_are_refused(
    field: str, value: str, error_type: str
) -> None:
    error = only_error(event_errors(samples.booking(**{field: value})))

    assert (error.loc, error.type) == ((field,), error_type)


@pytest.mark.parametrize(
    ("field", "value"),
    [("event_id", "evt.2026-11-22:000123_A"), ("booking_number", "2026/004512.A-1")],
    ids=["event_id-punctuation", "booking_number-punctuation"],
)
def test_source_record_ids_with_their_allowed_punctuation_are_accepted(field: str, value: str) -> None:
    event = validate_event(samples.booking(**{field: value}))

    assert getattr(event, field) == value


@pytest.mark.parametrize(
    ("text", "error_type"),
    [
        pytest.param("", "string_too_short", id="empty"),
        pytest.param("Burglary\u0000", "text_characters", id="nul"),
        pytest.param("Burglary\tsecond degree", "text_characters", id="tab"),
        pytest.param("Burglary\u200e", "text_characters", id="format-character"),
    ],
)
def test_charge_description_empty_or_with_control_characters_is_refused(text: str, error_type: str) -> None:
    error = only_error(event_errors(samples.booking(charges=[samples.charge(description=text)])))

    assert (error.loc, error.type) == (("charges", 0, "description"), error_type)


def test_charge_description_of_several_lines_in_any_script_is_accepted() -> None:
    description = "Robo — segundo grado\nBurglary, 2nd degree (§ 459)"

    event = validate_event(samples.booking(charges=[samples.charge(description=description)]))

    assert isinstance(event, Booking)
    assert event.charges[0].description == description


def test_twenty_aliases_are_accepted_and_twenty_one_refused() -> None:
    alias = {"last_name": "GARCIA", "first_name": "PEPE"}
    validate_event(samples.booking(person=samples.person(aliases=[alias] * 20)))

    error = only_error(event_errors(samples.booking(person=samples.person(aliases=[alias] * 21))))

    assert (error.loc, error.type) == (("person", "aliases"), "too_long")
    assert "at most 20 items" in error.msg


@pytest.mark.parametrize("builder", ["booking", "booking_updated"])
def test_hundred_charges_are_accepted_and_a_hundred_and_one_refused(builder: str) -> None:
    validate_event(_event(builder) | {"charges": [samples.charge()] * 100})

    error = only_error(event_errors(_event(builder) | {"charges": [samples.charge()] * 101}))

    assert (error.loc, error.type) == (("charges",), "too_long")
    assert "at most 100 items" in error.msg


@pytest.mark.parametrize("code", ["1313", "0101", "2299"])
def test_ncic_code_of_four_digits_is_accepted(code: str) -> None:
    event = validate_event(samples.booking(charges=[samples.charge(ncic_code=code)]))

    assert isinstance(event, Booking)
    assert event.charges[0].ncic_code == code


@pytest.mark.parametrize("placeholder", ["0000", "UNKNOWN", "N/A", ""])
def test_a_placeholder_for_no_ncic_code_reads_as_none(placeholder: str) -> None:
    event = validate_event(samples.booking(charges=[samples.charge(ncic_code=placeholder)]))

    assert isinstance(event, Booking)
    assert event.charges[0].ncic_code is None


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        pytest.param("131", "string_too_short", id="3-digits"),
        pytest.param("13131", "string_too_long", id="5-digits"),
        pytest.param("13A3", "ncic_code_format", id="letter"),
        pytest.param("１３１３", "ncic_code_format", id="full-width-digits"),
        pytest.param(1313, "string_type", id="json-number"),
    ],
)
def test_ncic_code_other_than_four_digits_is_refused(code: Any, error_type: str) -> None:
    error = only_error(event_errors(samples.booking(charges=[samples.charge(ncic_code=code)])))

    assert (error.loc, error.type) == (("charges", 0, "ncic_code"), error_type)


# --- enums ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("severity", ["felony", "misdemeanor", "infraction"])
def test_charge_severity_is_accepted(severity: str) -> None:
    event = validate_event(samples.booking(charges=[samples.charge(severity=severity)]))

    assert isinstance(event, Booking)
    assert event.charges[0].severity.value == severity


@pytest.mark.parametrize(
    "severity", ["FELONY", "violation", "", None], ids=["upper-case", "violation", "empty", "null"]
)
def test_charge_severity_outside_the_three_levels_is_refused(severity: Any) -> None:
    error = only_error(event_errors(samples.booking(charges=[samples.charge(severity=severity)])))

    assert (error.loc, error.type) == (("charges", 0, "severity"), "enum")
    assert "'felony', 'misdemeanor' or 'infraction'" in error.msg


RELEASE_REASONS = [
    "bail_posted",
    "own_recognizance",
    "sentence_complete",
    "court_order",
    "charges_dropped",
    "transfer",
    "other",
]


@pytest.mark.parametrize("reason", RELEASE_REASONS)
@pytest.mark.parametrize("builder", ["release_scheduled", "release"])
def test_release_reason_is_accepted(builder: str, reason: str) -> None:
    event = validate_event(_event(builder) | {"release_reason": reason})

    assert isinstance(event, ReleaseScheduled | Release)
    assert event.release_reason.value == reason


@pytest.mark.parametrize("reason", ["escaped", "BAIL_POSTED", "bail posted", ""])
@pytest.mark.parametrize("builder", ["release_scheduled", "release"])
def test_release_reason_outside_the_list_is_refused(builder: str, reason: str) -> None:
    error = only_error(event_errors(_event(builder) | {"release_reason": reason}))

    assert (error.loc, error.type) == (("release_reason",), "release_reason")
    assert error.msg.startswith("must be one of: bail_posted, own_recognizance,")
    assert "inferred_from_roster" not in error.msg  # releasewatch's own: never a source's to send


@pytest.mark.parametrize("form", ["I-247A", "I-247N", "other"])
def test_detainer_form_is_accepted(form: str) -> None:
    lodge = LodgeDetainer.model_validate_json(json.dumps(samples.detainer(form=form)))

    assert lodge.form.value == form


@pytest.mark.parametrize("form", ["I-247", "i-247a", "I247A", "I-203", ""])
def test_detainer_form_outside_the_list_is_refused(form: str) -> None:
    error = only_error(model_errors(LodgeDetainer, samples.detainer(form=form)))

    assert (error.loc, error.type) == (("form",), "enum")


LIFT_REASONS = [
    "custody_assumed",
    "declined_by_agency",
    "citizenship_claim",
    "prosecutorial_discretion",
    "no_longer_in_custody",
    "cancelled",
    "other",
]


@pytest.mark.parametrize("reason", LIFT_REASONS)
def test_lift_reason_is_accepted(reason: str) -> None:
    lift = LiftDetainer.model_validate_json(json.dumps({"reason": reason, "note": "Confirmed by the duty officer."}))

    assert lift.reason.value == reason


@pytest.mark.parametrize(
    ("payload", "loc", "error_type"),
    [
        pytest.param({"reason": "expired"}, ("reason",), "enum", id="unknown-reason"),
        pytest.param({"reason": "CANCELLED"}, ("reason",), "enum", id="upper-case"),
        pytest.param({}, ("reason",), "missing", id="no-reason"),
        pytest.param({"reason": "other", "note": ""}, ("note",), "string_too_short", id="empty-note"),
        pytest.param({"reason": "other", "note": "a\u0007b"}, ("note",), "text_characters", id="bell-in-note"),
        pytest.param({"reason": "other", "by": "me"}, ("by",), "extra_forbidden", id="unknown-field"),
    ],
)
def test_lift_without_a_listed_reason_or_with_a_bad_note_is_refused(
    payload: dict[str, Any], loc: tuple[str, ...], error_type: str
) -> None:
    error = only_error(model_errors(LiftDetainer, payload))

    assert (error.loc, error.type) == (loc, error_type)


@pytest.mark.parametrize("office", ["LOS", "NYC", "HOU"])
def test_field_office_of_three_upper_case_letters_is_accepted(office: str) -> None:
    lodge = LodgeDetainer.model_validate_json(json.dumps(samples.detainer(field_office=office)))

    assert lodge.field_office == office


@pytest.mark.parametrize(
    ("office", "error_type"),
    [
        pytest.param("los", "field_office_format", id="lower-case"),
        pytest.param("L0S", "field_office_format", id="digit"),
        pytest.param("LO", "string_too_short", id="2-letters"),
        pytest.param("LOSA", "string_too_long", id="4-letters"),
        pytest.param(123, "string_type", id="json-number"),
    ],
)
def test_field_office_other_than_three_upper_case_letters_is_refused(office: Any, error_type: str) -> None:
    error = only_error(model_errors(LodgeDetainer, samples.detainer(field_office=office)))

    assert (error.loc, error.type) == (("field_office",), error_type)


@pytest.mark.parametrize(
    ("detainer_id", "error_type"),
    [
        pytest.param("", "string_too_short", id="empty"),
        pytest.param("LOS 2026", "detainer_id_format", id="space"),
        pytest.param("_LOS", "detainer_id_format", id="leading-underscore"),
        pytest.param("LOS/2026", "detainer_id_format", id="slash"),
    ],
)
def test_detainer_id_outside_its_alphabet_is_refused(detainer_id: str, error_type: str) -> None:
    error = only_error(model_errors(LodgeDetainer, samples.detainer(detainer_id=detainer_id)))

    assert (error.loc, error.type) == (("detainer_id",), error_type)


def test_detainer_person_is_validated_with_the_same_rules_as_a_booked_person() -> None:
    payload = samples.detainer(person=samples.person(a_number="A12X", date_of_birth="17/04/1990"))

    errors = model_errors(LodgeDetainer, payload)

    assert {(error.loc, error.type) for error in errors} == {
        (("person", "a_number"), "a_number_format"),
        (("person", "date_of_birth"), "iso_date"),
    }


def test_detainer_person_with_no_identifier_at_all_is_accepted() -> None:
    minimal_person = {"last_name": "GARCIA", "first_name": "JOSE", "date_of_birth": "1990-04-17", "sex": "M"}

    lodge = LodgeDetainer.model_validate_json(json.dumps(samples.detainer(person=minimal_person, lodged_with_ori=None)))

    assert lodge.person.a_number is None
    assert lodge.person.aliases == ()
    assert lodge.lodged_with_ori is None
