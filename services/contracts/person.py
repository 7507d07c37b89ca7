"""The person a custody event or a detainer is about."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from contracts.base import WireModel
from contracts.fields import ANumber, CountryCode, DateOfBirth, FbiNumber, PersonName, StateCode, StateIdNumber

__all__ = ["Alias", "Person", "Sex", "StateId"]


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"
    OTHER = "X"
    UNKNOWN = "U"


class StateId(WireModel):
    """A state identification number (SID) with the state that issued it."""

    state: StateCode
    number: StateIdNumber


class Alias(WireModel):
    """Another name (and possibly date of birth) the person is known by."""

    last_name: PersonName
    first_name: PersonName
    middle_name: PersonName | None = None
    date_of_birth: DateOfBirth | None = None


class Person(WireModel):
    last_name: PersonName = Field(description="One or more surnames, e.g. GARCIA LOPEZ.")
    first_name: PersonName
    middle_name: PersonName | None = None
    date_of_birth: DateOfBirth
    sex: Sex
    place_of_birth: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    aliases: tuple[Alias, ...] = Field(default=(), max_length=20)
    fbi_number: FbiNumber | None = None
    state_id: StateId | None = None
    a_number: ANumber | None = Field(default=None, description="A followed by 8 or 9 digits.")
