"""Stripping a person to the identity fields a policy shares.

A field a policy does not share must be kept nowhere: not in the person, not
in an alias (an alias's middle name is a middle name), and not in ``as_sent``,
where intake keeps what a source wrote for a field it rewrote or dropped (an
``A-201-555-123`` read as ``A201555123`` is the A-number all the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from contracts import Alias, Person
from contracts.policies import IdentityField

__all__ = ["StrippedPerson", "strip_person"]

# The parts of an alias, as the person's own fields they stand for.
_ALIAS_PARTS = {
    "last_name": IdentityField.LAST_NAME,
    "first_name": IdentityField.FIRST_NAME,
    "middle_name": IdentityField.MIDDLE_NAME,
    "date_of_birth": IdentityField.DATE_OF_BIRTH,
}


@dataclass(frozen=True, slots=True)
class StrippedPerson:
    """The person as it may be shared, and the names of the fields that were there and are gone."""

    person: Person
    stripped: tuple[str, ...]


def _present(person: Person, field: IdentityField) -> bool:
    value = getattr(person, field.value)
    return value is not None and value != ()


def _alias_as_shared(alias: Alias, shared: frozenset[IdentityField]) -> Alias:
    if alias.middle_name is not None and IdentityField.MIDDLE_NAME not in shared:
        return alias.model_copy(update={"middle_name": None})
    return alias


def _as_sent_entry_kept(pointer: str, value: Any, shared: frozenset[IdentityField]) -> tuple[bool, Any]:
    """Whether the ``as_sent`` entry at ``pointer`` may stay, and what of its value may."""
    parts = pointer.lstrip("/").split("/")
    try:
        field = IdentityField(parts[0])
    except ValueError:
        return False, None  # a part of a person no policy names: not shared
    if field not in shared:
        return False, None
    if field is not IdentityField.ALIASES or len(parts) < 2:
        return True, value
    if len(parts) >= 3:  # one part of an alias
        part = _ALIAS_PARTS.get(parts[2])
        return part is not None and part in shared, value
    # A whole alias that could not be read, as it was sent: only the parts this policy shares.
    if isinstance(value, dict):
        kept = {key: part for key, part in value.items() if key in _ALIAS_PARTS and _ALIAS_PARTS[key] in shared}
        return True, kept
    return set(_ALIAS_PARTS.values()) <= shared, value  # text nobody could read: kept only if it could hide nothing


def strip_person(person: Person, shared: frozenset[IdentityField]) -> StrippedPerson:
    """``person`` with only the ``shared`` fields (aliases and ``as_sent`` included)."""
    update: dict[str, Any] = {}
    stripped: list[str] = []
    for field in IdentityField:
        if field not in shared and _present(person, field):
            update[field.value] = () if field is IdentityField.ALIASES else None
            stripped.append(field.value)
    if IdentityField.ALIASES in shared and person.aliases:
        aliases = tuple(_alias_as_shared(alias, shared) for alias in person.aliases)
        if aliases != person.aliases:
            update["aliases"] = aliases
            stripped.append("aliases/middle_name")
    if person.as_sent:
        as_sent: dict[str, JsonValue] = {}
        for pointer, value in person.as_sent.items():
            keep, kept_value = _as_sent_entry_kept(pointer, value, shared)
            if keep:
                as_sent[pointer] = kept_value
        if as_sent != person.as_sent:
            update["as_sent"] = as_sent or None
            stripped.append("as_sent")
    if not update:
        return StrippedPerson(person, ())
    return StrippedPerson(person.model_copy(update=update), tuple(stripped))
