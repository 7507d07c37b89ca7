"""Identifiers as jail and office systems write them, read into their canonical form.

Feeds write one A-number as ``A012345678``, ``12345678``, ``A-012-345-678``,
``A# 012 345 678`` or ``a012345678``, and fill a field they have no value for
with ``UNKNOWN``, ``N/A``, ``NA``, ``PENDING`` or ``000000000``. Each reader here takes what was
sent (a JSON string, or a number where a system stores digits as one) and
gives the canonical form, ``None`` for a placeholder that means "none", or
the value unchanged when it cannot read it (the field's rule then refuses it,
naming the rule). Pure: no I/O, no state.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "canonical_a_number",
    "canonical_code",
    "canonical_fbi_number",
    "canonical_state_id_number",
    "is_placeholder",
    "none_for_placeholder",
]

# What systems write for "none" or "not known", upper-cased. Not "NA": it is Namibia's country code.
_PLACEHOLDER_WORDS = frozenset(
    {"", "UNKNOWN", "UNK", "UNKN", "NONE", "N/A", "N.A.", "NULL", "NIL", "-", "--", "?", "NOT KNOWN", "NOT AVAILABLE"}
)
_NAME_PLACEHOLDERS = frozenset({"NMN", "NMI", "NO MIDDLE NAME"})  # "no middle name / initial"
_COUNTRY_PLACEHOLDERS = frozenset({"XX", "ZZ", "??"})  # unknown country in several systems
_SEPARATORS = re.compile(r"[\s\-.#/]+")


def is_placeholder(value: Any, *, kind: str = "identifier") -> bool:
    """Whether ``value`` stands for "none": a placeholder word; or, for an identifier, one without a digit (``NA``,
    ``TBD``, ``REFUSED``, ``NO FBI``: an A-number, an FBI number and a state id all have digits, and two such
    words agreeing would say nothing of the person), of one repeated digit (``000000000``, ``A999999999``) or of
    zeros alone (``0``). ``kind``: ``identifier``, ``name`` or ``country``."""
    if type(value) is str and value.isalnum():  # letters and digits alone (most values): no space to strip
        text = value.upper()
    elif not isinstance(value, str | int) or isinstance(value, bool):
        return False
    else:
        text = str(value).strip().upper()
        if " " in text or "\t" in text:
            text = " ".join(text.split())
    if text in _PLACEHOLDER_WORDS:
        return True
    if kind == "name":
        return text in _NAME_PLACEHOLDERS
    if kind == "country":
        return text in _COUNTRY_PLACEHOLDERS
    compact = _without_separators(text)
    if not compact or (compact.isascii() and compact.isalpha()):
        return True  # no digit: Latin letters alone, or separators alone
    digits = compact.removeprefix("A")
    if not digits.isdigit() or digits.strip(digits[0]):
        return False
    return len(digits) >= 6 or digits[0] == "0"  # one digit, repeated; or zeros


def _without_separators(text: str) -> str:
    """``text`` without spaces, hyphens, dots, # or /: as it is when made of letters and digits alone (the
    common case, and no letter or digit is one of them), without running the expression."""
    return text if text.isalnum() else _SEPARATORS.sub("", text)


def none_for_placeholder(kind: str) -> Any:
    """A before-validator for an optional field: a placeholder reads as absent."""

    def read(value: Any) -> Any:
        return None if value is not None and is_placeholder(value, kind=kind) else value

    return read


def _compact(value: Any) -> str | None:
    """The text of a string, or of a whole number, upper-cased and without spaces, hyphens, dots, # or /."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    if isinstance(value, int) and value < 0:
        return None
    return _without_separators(str(value)).upper()


def canonical_a_number(value: Any) -> Any:
    """``A`` and 9 digits, zero-padded: ``201555123``, ``A-201-555-123``, ``A# 201 555 123``,
    ``a201555123`` and ``A01555123`` (8 digits) are all read."""
    if type(value) is str and len(value) == 10 and value[0] == "A" and value.isascii() and value[1:].isdigit():
        return value  # in that form already (most feeds write it so, and every state read back has it)
    text = _compact(value)
    if text is None:
        return value
    digits = text.removeprefix("A")
    if digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 9:
        return "A" + digits.zfill(9)
    return value


def canonical_fbi_number(value: Any) -> Any:
    """Upper-case letters and digits: ``123456-ab9`` and ``123456 AB9`` read as ``123456AB9``."""
    text = _compact(value)
    return value if text is None or not text.isascii() else text


def canonical_state_id_number(value: Any) -> Any:
    """Upper-case letters and digits: ``a-123-4567`` reads as ``A1234567``."""
    return canonical_fbi_number(value)


def canonical_code(value: Any) -> Any:
    """A two-letter code (state, country) in upper case: ``mx`` and `` MX `` read as ``MX``."""
    return value.strip().upper() if isinstance(value, str) and value.strip().isascii() else value
