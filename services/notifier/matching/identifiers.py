"""Identifier normalisation: the same FBI number, A-number or state id however it was written."""

from __future__ import annotations

import re

from contracts import StateId

__all__ = ["identifying", "normalise_a_number", "normalise_fbi_number", "normalise_state_id"]

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_NOT_DIGIT = re.compile(r"\D")
_NONZERO_DIGIT = re.compile(r"[1-9]")


def identifying(normalised: str) -> str | None:
    """``normalised`` (an identifier as the functions below give it) if it can tell people apart, None if it has
    no digit but zeros: ``NA``, ``PENDING``, ``0``. Intake reads such values as no identifier; a record stored or
    published before it did is matched as if it had none, never as two people agreeing on ``NA``."""
    return normalised if _NONZERO_DIGIT.search(normalised) else None


def normalise_fbi_number(value: str) -> str:
    """``123456AB9``, ``123456-ab9`` and `` 123456 AB9 `` are the same FBI number."""
    return _NOT_ALNUM.sub("", value.upper())


def normalise_a_number(value: str) -> str:
    """``A012345678``, ``A12345678`` and ``12345678`` are the same A-number."""
    return _NOT_DIGIT.sub("", value).lstrip("0") or "0"


def normalise_state_id(state_id: StateId | str, number: str | None = None) -> str:
    """A state id with its state: ``CA:A1234567`` (hyphens and spaces dropped); the same number
    issued by another state is another id. Takes a ``StateId`` or (state, number).

    A number written with its state in front, as NCIC writes one (``CA A1234567``, ``CAA1234567`` for California),
    is the number without it: read either way on both sides, one id is never two that conflict."""
    if isinstance(state_id, StateId):
        state, number = state_id.state, state_id.number
    else:
        state = state_id
    state, digits = state.upper(), _NOT_ALNUM.sub("", (number or "").upper())
    if digits.startswith(state) and len(digits) > len(state):
        digits = digits[len(state) :]
    return f"{state}:{digits}"
