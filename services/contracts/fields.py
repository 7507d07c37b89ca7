"""Constrained field types shared by every wire model.

Each type rejects what it does not accept with a message a source's
developer can act on, and publishes its rule (pattern, length, example) in
the JSON schema so the OpenAPI document says the same thing the validator
does.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, cast

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from contracts.codes import ISO_3166_1_ALPHA_2, US_STATE_CODES
from contracts.identifiers import (
    canonical_a_number,
    canonical_code,
    canonical_fbi_number,
    canonical_state_id_number,
)

__all__ = [
    "ANumber",
    "BookingNumber",
    "CountryCode",
    "DateOfBirth",
    "DetainerId",
    "EventId",
    "FbiNumber",
    "FieldOffice",
    "FreeText",
    "NcicCode",
    "Ori",
    "PersonName",
    "Rfc3339Datetime",
    "ShortText",
    "StateCode",
    "StateIdNumber",
]


class _PatternRule:
    """The value (a string already) must match ``regex`` in full, or fail as ``code`` with ``message``.

    Checked by pydantic's own pattern constraint (in Rust, no Python called a value), with the error replaced by
    ours: the same check and the same error as a Python function matching ``regex``, at a fifth of its cost or
    less (an event id's rule 0.17 -> 0.03 us, an ORI's two 0.48 -> 0.07 us). The JSON schema is the string's as
    before (the field says its pattern itself, ``_schema``)."""

    def __init__(self, regex: str, code: str, message: str) -> None:
        self.regex, self.code, self.message = regex, code, message

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        matching = core_schema.str_schema(pattern=rf"\A(?:{self.regex})\z", strict=True)
        rule = core_schema.custom_error_schema(matching, custom_error_type=self.code, custom_error_message=self.message)
        checked = handler(source)
        if checked["type"] == "chain" and _first_step in checked.get("metadata", {}).get("pydantic_js_functions", ()):
            steps = [*checked["steps"], rule]  # after another rule: one after the other, in one chain
        else:
            steps = [checked, rule]
        return core_schema.chain_schema(steps, metadata={"pydantic_js_functions": [_first_step]})


def _first_step(schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
    """The JSON schema of a pattern rule's chain: its first step's, in either mode (what the value is, as the
    function checking the pattern left it)."""
    return handler(cast(core_schema.ChainSchema, schema)["steps"][0])


def _pattern_rule(regex: str, code: str, message: str) -> _PatternRule:
    return _PatternRule(regex, code, message)


def _schema(pattern: str | None = None, examples: list[Any] | None = None, **extra: Any) -> Any:
    schema: dict[str, Any] = dict(extra)
    if pattern is not None:
        schema["pattern"] = pattern
    return Field(json_schema_extra=schema, examples=examples)


# --- identifiers of the source's records ---------------------------------------

_EVENT_ID = r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}"
EventId = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=128),
    _pattern_rule(
        _EVENT_ID,
        "event_id_format",
        "must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)",
    ),
    _schema(f"^{_EVENT_ID}$", ["evt-2026-11-22-000123"]),
]

_BOOKING_NUMBER = r"[A-Za-z0-9][A-Za-z0-9./\-]{0,39}"
BookingNumber = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=40),
    _pattern_rule(
        _BOOKING_NUMBER,
        "booking_number_format",
        "must be 1-40 characters: letters, digits and . / - (starting with a letter or digit)",
    ),
    _schema(f"^{_BOOKING_NUMBER}$", ["2026-004512"]),
]

_DETAINER_ID = r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}"
DetainerId = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=64),
    _pattern_rule(
        _DETAINER_ID,
        "detainer_id_format",
        "must be 1-64 characters: letters, digits and . _ : - (starting with a letter or digit)",
    ),
    _schema(f"^{_DETAINER_ID}$", ["LOS-2026-000871"]),
]


# --- places --------------------------------------------------------------------


def _check_state_code(value: str) -> str:
    if value not in US_STATE_CODES:
        raise PydanticCustomError("state_code", "must be a two-letter USPS state or territory code, e.g. CA")
    return value


StateCode = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(_check_state_code),
    BeforeValidator(canonical_code),
    _schema("^[A-Za-z]{2}$", ["CA"], description="A USPS state or territory code (read in upper case)."),
]

_ORI_FORMAT = r"[A-Z]{2}[A-Z0-9]{7}"
_ORI_FORMAT_MESSAGE = (
    "must be a 9-character ORI: a 2-letter state code and 7 upper-case letters or digits, e.g. CA0194200"
)
_ORI_STATE_MESSAGE = "must start with a USPS state or territory code, e.g. CA0194200"

# The schema names the state codes, so the document says what the validator checks.
_ORI_WITH_A_STATE = "(" + "|".join(sorted(US_STATE_CODES)) + ")[A-Z0-9]{7}"
Ori = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=9, max_length=9),
    _pattern_rule(_ORI_FORMAT, "ori_format", _ORI_FORMAT_MESSAGE),
    _pattern_rule(_ORI_WITH_A_STATE, "ori_state", _ORI_STATE_MESSAGE),  # in that format: its first two letters
    _schema(f"^{_ORI_WITH_A_STATE}$", ["CA0194200"]),
]


def _check_country(value: str) -> str:
    if value not in ISO_3166_1_ALPHA_2:
        raise PydanticCustomError("country_code", "must be an ISO 3166-1 alpha-2 country code, e.g. MX")
    return value


CountryCode = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(_check_country),
    BeforeValidator(canonical_code),
    _schema("^[A-Za-z]{2}$", ["MX"], description="ISO 3166-1 alpha-2 (read in upper case)."),
]

_FIELD_OFFICE = r"[A-Z]{3}"
FieldOffice = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=3, max_length=3),
    _pattern_rule(_FIELD_OFFICE, "field_office_format", "must be a 3-letter field office code, e.g. LOS"),
    _schema(f"^{_FIELD_OFFICE}$", ["LOS"]),
]


# --- person identifiers ---------------------------------------------------------

# Identifiers are read as feeds write them (contracts.identifiers) into one canonical form: the
# before-validators run first, and the rule then checks what they made of the value.

_A_NUMBER = r"A[0-9]{9}"
ANumber = Annotated[
    str,
    Strict(),
    _pattern_rule(_A_NUMBER, "a_number_format", "must be an A-number: A and 7 to 9 digits, e.g. A012345678"),
    BeforeValidator(canonical_a_number),
    _schema(
        examples=["A012345678"],
        description="Canonical form A and 9 digits (zero-padded); also read: 201555123, A-201-555-123, "
        "A# 201 555 123, a201555123, and as a JSON number.",
    ),
]

_FBI_NUMBER = r"[0-9A-Z]{1,9}"
FbiNumber = Annotated[
    str,
    Strict(),
    _pattern_rule(_FBI_NUMBER, "fbi_number_format", "must be 1-9 letters or digits, e.g. 123456AB9"),
    BeforeValidator(canonical_fbi_number),
    _schema(
        examples=["123456AB9"],
        description="Canonical form 1-9 upper-case letters or digits; spaces, hyphens and dots are dropped.",
    ),
]

_STATE_ID_NUMBER = r"[0-9A-Z]{1,20}"
StateIdNumber = Annotated[
    str,
    Strict(),
    _pattern_rule(_STATE_ID_NUMBER, "state_id_format", "must be 1-20 letters or digits, e.g. A1234567"),
    BeforeValidator(canonical_state_id_number),
    _schema(
        examples=["A1234567"],
        description="Canonical form 1-20 upper-case letters or digits; spaces, hyphens and dots are dropped.",
    ),
]

_NCIC_CODE = r"[0-9]{4}"
NcicCode = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=4, max_length=4),
    _pattern_rule(_NCIC_CODE, "ncic_code_format", "must be a 4-digit NCIC offense code, e.g. 1313"),
    _schema(f"^{_NCIC_CODE}$", ["1313"]),
]


# --- names and text ---------------------------------------------------------------

_NAME_PUNCTUATION = frozenset(" '-.")


def _check_person_name(value: str) -> str:
    """Letters of any script, combining marks, and the punctuation names carry."""
    if value.isalpha():  # letters alone (most names): no space, mark or punctuation to check
        return value
    if value != value.strip() or "  " in value:
        raise PydanticCustomError("name_spacing", "must not have leading, trailing or doubled spaces")
    after_a_letter = False  # the character before is a letter, or a mark on one
    for char in value:
        if char.isalpha():
            after_a_letter = True
        elif char in _NAME_PUNCTUATION:
            after_a_letter = False
        elif unicodedata.category(char).startswith("M"):
            # A combining mark (an accent, a vowel sign) belongs to the letter before it: alone, after a
            # space or a hyphen, it writes no letter at all.
            if not after_a_letter:
                raise PydanticCustomError("name_marks", "must have a letter before each accent or combining mark")
        else:
            raise PydanticCustomError(
                "name_characters",
                "may contain only letters, spaces, hyphens, apostrophes and periods",
            )
    if not value[0].isalpha():
        raise PydanticCustomError("name_characters", "must start with a letter")
    return value


PersonName = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(_check_person_name),
    _schema(examples=["GARCIA LOPEZ"]),
]


def _check_printable(value: str) -> str:
    if value.isprintable():  # (most text: no character is "Other" or a separator but the space, so none below)
        return value
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} and char != "\n" for char in value):
        raise PydanticCustomError("text_characters", "must not contain control or unassigned characters")
    return value


ShortText = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_check_printable),
]

FreeText = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=1, max_length=500),
    AfterValidator(_check_printable),
]


# --- times --------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})"
    r"(?P<fraction>\.\d{1,9})?(?P<offset>[Zz]|[+-]\d{2}:\d{2})",
)
_RFC3339_MESSAGE = "must be an RFC 3339 date-time with seconds and an offset, e.g. 2026-11-22T14:30:00-08:00"


# The form releasewatch and most sources write ("T", whole seconds or up to microseconds, "Z" or an offset), read
# by datetime.fromisoformat as it is; any other form of RFC 3339 is written into it first.
_RFC3339_AS_PYTHON_READS_IT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


_reads_as_python = _RFC3339_AS_PYTHON_READS_IT.fullmatch
_from_iso_format = datetime.fromisoformat


def _parse_rfc3339(value: Any) -> Any:
    """RFC 3339 only: a string with seconds and an offset; no epoch numbers, no naive times."""
    if isinstance(value, str) and _reads_as_python(value) is not None:  # as read from the wire, nearly always
        try:
            return _from_iso_format(value)
        except ValueError:
            raise PydanticCustomError("rfc3339", "is not a real date or time: " + _RFC3339_MESSAGE) from None
    if isinstance(value, datetime):  # built in Python, not parsed from the wire
        return value
    match = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("rfc3339", _RFC3339_MESSAGE)
    fraction = (match["fraction"] or "")[:7]  # Python keeps microseconds
    offset = "+00:00" if match["offset"] in "Zz" else match["offset"]
    try:
        return datetime.fromisoformat(f"{match['date']}T{match['time']}{fraction}{offset}")
    except ValueError:
        raise PydanticCustomError("rfc3339", "is not a real date or time: " + _RFC3339_MESSAGE) from None


Rfc3339Datetime = Annotated[
    AwareDatetime,
    BeforeValidator(_parse_rfc3339),
    _schema(examples=["2026-11-22T14:30:00-08:00"]),
]

_EARLIEST_BIRTH = date(1900, 1, 1)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


_is_iso_date = _ISO_DATE.fullmatch
_date_from_iso_format = date.fromisoformat


def _parse_iso_date(value: Any) -> Any:
    if isinstance(value, str) and _is_iso_date(value):  # as read from the wire, nearly always
        try:
            return _date_from_iso_format(value)
        except ValueError:
            raise PydanticCustomError("iso_date", "is not a real date (YYYY-MM-DD)") from None
    if isinstance(value, date):
        return value
    raise PydanticCustomError("iso_date", "must be a date as YYYY-MM-DD, e.g. 1984-12-31")


_today = date.today
_a_day_gone_by = [date.min]  # a day date.today() has given: today, or a day before it (days only move forward)


def _check_plausible_birth(value: date) -> date:
    # Today is asked only for a date after the last day it gave (a birth date rarely is): asking for every date
    # was most of the check's time.
    if value > _a_day_gone_by[0]:
        _a_day_gone_by[0] = _today()
    if value < _EARLIEST_BIRTH or value > _a_day_gone_by[0]:
        raise PydanticCustomError("date_of_birth_range", "must be between 1900-01-01 and today")
    return value


DateOfBirth = Annotated[
    date,
    BeforeValidator(_parse_iso_date),
    AfterValidator(_check_plausible_birth),
    _schema(examples=["1984-12-31"]),
]
