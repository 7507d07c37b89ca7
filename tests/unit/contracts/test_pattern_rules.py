"""Identifier rules checked by pydantic's pattern constraint, against the Python check they replace.

Each rule (an event id's, a booking number's, an ORI's ...) was a Python function matching a regular expression
with ``re.fullmatch`` and raising the rule's error; pydantic now matches the same expression. Here, on many
strings (letters and digits of other scripts, line ends, lone surrogates among them), each field accepts what
``re.fullmatch`` accepts and refuses the rest with the rule's own error, after the checks that came before it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from contracts.codes import US_STATE_CODES
from contracts.fields import (
    ANumber,
    BookingNumber,
    DetainerId,
    EventId,
    FbiNumber,
    FieldOffice,
    NcicCode,
    Ori,
    StateIdNumber,
)
from contracts.identifiers import canonical_fbi_number, canonical_state_id_number

# field: (its type; its length bounds, or None; its pattern as the Python check matched it; the error's type)
RULES: dict[str, tuple[Any, tuple[int, int] | None, str, str]] = {
    "event_id": (EventId, (1, 128), r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}", "event_id_format"),
    "booking_number": (BookingNumber, (1, 40), r"[A-Za-z0-9][A-Za-z0-9./\-]{0,39}", "booking_number_format"),
    "detainer_id": (DetainerId, (1, 64), r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}", "detainer_id_format"),
    "field_office": (FieldOffice, (3, 3), r"[A-Z]{3}", "field_office_format"),
    "ncic_code": (NcicCode, (4, 4), r"[0-9]{4}", "ncic_code_format"),
    "fbi_number": (FbiNumber, None, r"[0-9A-Z]{1,9}", "fbi_number_format"),
    "state_id_number": (StateIdNumber, None, r"[0-9A-Z]{1,20}", "state_id_format"),
}
ADAPTERS = {name: TypeAdapter(rule[0]) for name, rule in RULES.items()}
ORI = TypeAdapter(Ori)
A_NUMBER = TypeAdapter(ANumber)

# Characters the rules are about, and some they could be mistaken about.
TRICKY = "AZaz09._:-/ #\n\t\u00e9\u0130\u212a\uff21\u0661\u00b2\ud800"
texts = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=24)


def outcome(adapter: TypeAdapter[Any], value: Any, *, as_json: bool = False) -> tuple[str, Any]:
    try:
        return ("ok", adapter.validate_json(json.dumps(value)) if as_json else adapter.validate_python(value))
    except ValidationError as error:
        return ("error", [(e["type"], e["msg"], e["loc"], e["input"]) for e in error.errors()])


def has_a_lone_surrogate(value: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in value)


def expected(name: str, value: str) -> str:
    """The error the Python check gave (or none): the lengths first, then the pattern."""
    _, bounds, pattern, code = RULES[name]
    if bounds is not None and has_a_lone_surrogate(value):
        return "string_unicode"  # pydantic counts a string's length in UTF-8, which has no half characters
    if bounds is not None and len(value) < bounds[0]:
        return "string_too_short"
    if bounds is not None and len(value) > bounds[1]:
        return "string_too_long"
    return "ok" if re.fullmatch(pattern, value) else code


# What a field reads a value into before its rule (identifiers as feeds write them).
READ_AS = {"fbi_number": canonical_fbi_number, "state_id_number": canonical_state_id_number}


def check(name: str, sent: str) -> None:
    result = outcome(ADAPTERS[name], sent)
    value = READ_AS.get(name, lambda text: text)(sent)
    want = expected(name, value)
    if want == "ok":
        assert result == ("ok", value), (name, sent)
    else:
        assert result[0] == "error", (name, value)
        [(code, message, loc, given_input)] = result[1]
        assert (code, loc, given_input) == (want, (), value), (name, sent)
        if not code.startswith("string_"):
            assert message.startswith("must be"), message


@settings(max_examples=300, deadline=None)
@given(texts)
def test_each_rule_accepts_what_its_pattern_matches_in_full_and_nothing_else(value: str) -> None:
    for name in RULES:
        check(name, value)


@pytest.mark.parametrize(
    "value",
    ["evt-1", "A", "a" * 40, "a" * 41, "LOS", "los", "1313", "\u0661\u0662\u0663\u0664", "123\n", "evt-1\n", "\nevt"],
)
def test_the_pattern_is_matched_in_full_not_searched(value: str) -> None:
    for name in RULES:
        check(name, value)


def test_a_rule_error_names_the_field_in_a_model() -> None:
    from contracts import custody_event_adapter

    event = {
        "type": "release",
        "event_id": "evt 1",
        "occurred_at": "2026-11-22T14:30:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": "2026-004512",
        "release_reason": "bail_posted",
    }
    with pytest.raises(ValidationError) as raised:
        custody_event_adapter.validate_json(json.dumps(event))
    [error] = raised.value.errors()
    assert (error["type"], error["loc"]) == ("event_id_format", ("release", "event_id"))
    assert error["msg"].startswith("must be 1-128 characters")


def ori_expected(value: str) -> str:
    """The ORI's check as it was written: its length, its format, then its state."""
    if has_a_lone_surrogate(value):
        return "string_unicode"
    if len(value) != 9:
        return "string_too_short" if len(value) < 9 else "string_too_long"
    if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{7}", value):
        return "ori_format"
    return "ok" if value[:2] in US_STATE_CODES else "ori_state"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("CAXZ019\u0661\uff21\u0130a\n"), min_size=7, max_size=11) | texts)
def test_an_ori_is_refused_for_its_format_before_its_state(value: str) -> None:
    for as_json in (False, True):
        if as_json and has_a_lone_surrogate(value):
            continue  # no JSON text carries half a character
        result = outcome(ORI, value, as_json=as_json)
        want = ori_expected(value)
        if want == "ok":
            assert result == ("ok", value)
        else:
            assert result[0] == "error"
            [(code, _, _, given_input)] = result[1]
            assert (code, given_input) == (want, value), value


@pytest.mark.parametrize(
    ("value", "want"),
    [("CA0194200", "ok"), ("XX0194200", "ori_state"), ("ca0194200", "ori_format"), ("CA019420-", "ori_format")],
)
def test_an_ori_as_sources_write_it(value: str, want: str) -> None:
    assert ori_expected(value) == want
    result = outcome(ORI, value)
    assert result[0] == "ok" if want == "ok" else result[1][0][0] == want


def test_an_a_number_is_read_into_its_form_before_its_rule() -> None:
    assert outcome(A_NUMBER, "A-201-555-123") == ("ok", "A201555123")
    assert outcome(A_NUMBER, 201555123) == ("ok", "A201555123")
    [(code, _, _, given_input)] = outcome(A_NUMBER, "A12345")[1]
    assert (code, given_input) == ("a_number_format", "A12345")
    [(code, _, _, _)] = outcome(A_NUMBER, 12.5)[1]
    assert code == "string_type"  # not a string: refused as before, before the rule


def test_the_json_schema_is_the_strings_with_the_fields_pattern() -> None:
    assert TypeAdapter(EventId).json_schema() == {
        "examples": ["evt-2026-11-22-000123"],
        "maxLength": 128,
        "minLength": 1,
        "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$",
        "type": "string",
    }
    for mode in ("validation", "serialization"):
        ori = TypeAdapter(Ori).json_schema(mode=mode)  # type: ignore[arg-type]
        assert (ori["type"], ori["minLength"], ori["maxLength"]) == ("string", 9, 9)
        assert ori["pattern"].startswith("^(AK|AL|")
        assert TypeAdapter(ANumber).json_schema(mode=mode)["type"] == "string"  # type: ignore[arg-type]
        assert "pattern" not in TypeAdapter(ANumber).json_schema(mode=mode)  # type: ignore[arg-type]
