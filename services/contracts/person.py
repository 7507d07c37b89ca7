"""The person a custody event or a detainer is about."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, JsonValue, WithJsonSchema
from pydantic_core import core_schema

from contracts.base import ALSO_NULL, EMPTY_FOR_NULL, STRAY_FIELDS_IGNORED, WireModel
from contracts.fields import ANumber, CountryCode, DateOfBirth, FbiNumber, PersonName, StateCode, StateIdNumber
from contracts.identifiers import is_placeholder, none_for_placeholder

__all__ = ["MAX_ALIASES", "Alias", "Person", "Sex", "StateId"]


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"
    OTHER = "X"
    UNKNOWN = "U"


def _none_for_a_placeholder_number(value: Any) -> Any:
    """A state id whose number is a placeholder (``UNKNOWN``, ``00000000``) is no state id."""
    return None if isinstance(value, dict) and is_placeholder(value.get("number")) else value


class _BeforeUnlessNull:
    """A before-validator of an optional field that null passes by: ``read`` is given every other value (what it
    makes of it is validated as the field), and null is the field's None without a call (most optional fields of
    a person are sent as null; a call to tell that null means none cost as much as a name's whole check). The
    same values and errors as ``BeforeValidator(read)``, and the same JSON schema (the field's)."""

    def __init__(self, read: Callable[[Any], Any]) -> None:
        self.read = read

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        read = core_schema.no_info_before_validator_function(self.read, handler(source))
        return core_schema.nullable_schema(read)  # (its JSON schema: the field's, which has null already)


# Optional fields a feed fills with a placeholder for "none" read as absent.
OptionalIdentifier = _BeforeUnlessNull(none_for_placeholder("identifier"))
OptionalName = _BeforeUnlessNull(none_for_placeholder("name"))
OptionalCountry = _BeforeUnlessNull(none_for_placeholder("country"))


MAX_ALIASES = 20


class StateId(WireModel):
    """A state identification number (SID) with the state that issued it."""

    model_config = STRAY_FIELDS_IGNORED

    state: StateCode
    number: StateIdNumber


class Alias(WireModel):
    """Another name (and possibly date of birth) the person is known by."""

    model_config = STRAY_FIELDS_IGNORED

    last_name: PersonName
    first_name: PersonName
    middle_name: Annotated[PersonName | None, OptionalName] = None
    date_of_birth: DateOfBirth | None = None


class Person(WireModel):
    model_config = STRAY_FIELDS_IGNORED

    last_name: PersonName = Field(description="One or more surnames, e.g. GARCIA LOPEZ.")
    first_name: PersonName
    middle_name: Annotated[PersonName | None, OptionalName] = None
    date_of_birth: DateOfBirth = Field(
        description="YYYY-MM-DD. Also read: YYYYMMDD, MM/DD/YYYY (month first) and a date-time at midnight."
    )
    sex: Annotated[
        Sex,
        WithJsonSchema(
            {
                "type": "string",
                "minLength": 1,
                "examples": ["M"],
                "description": "M, F, X or U. Also read in any case, and as the words: male, female, non-binary, "
                "unknown.",
            }
        ),
    ]
    place_of_birth: Annotated[CountryCode | None, OptionalCountry] = Field(
        default=None, description="ISO 3166-1 alpha-2."
    )
    aliases: Annotated[tuple[Alias, ...], EMPTY_FOR_NULL] = Field(
        default=(),
        max_length=MAX_ALIASES,
        json_schema_extra=ALSO_NULL,
        description="Other names (and dates of birth) the person is known by; null reads as none.",
    )
    fbi_number: Annotated[FbiNumber | None, OptionalIdentifier] = None
    state_id: Annotated[StateId | None, _BeforeUnlessNull(_none_for_a_placeholder_number)] = None
    a_number: Annotated[ANumber | None, OptionalIdentifier] = Field(
        default=None, description="A and 9 digits; the common written forms are read into it."
    )
    as_sent: dict[str, JsonValue] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,  # absent unless intake rewrote something
        description="Set by releasewatch, never by the sender: what was sent for each optional field intake "
        "rewrote (a written form read into the canonical one) or dropped (a placeholder, or a value it could "
        "not read), by JSON pointer within the person. Kept for the record; never matched on.",
        json_schema_extra={"readOnly": True},
        examples=[{"/a_number": "A-201-555-123"}],
    )
