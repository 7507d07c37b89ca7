"""The readers' fast paths against the plain rules they shortcut.

Identifiers and names are read with a shortcut for the common case (letters and digits alone); here each
reader's answer, on many values and on every letter or digit of Unicode, is the one of the rule written out
in full (as it read before the shortcuts), so a shortcut that reads one value differently fails here.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from contracts.fields import _check_person_name
from contracts.identifiers import (
    canonical_a_number,
    canonical_fbi_number,
    canonical_state_id_number,
    is_placeholder,
    none_for_placeholder,
)

# --- the rules written out in full -----------------------------------------------------------

_WORDS = frozenset(
    {"", "UNKNOWN", "UNK", "UNKN", "NONE", "N/A", "N.A.", "NULL", "NIL", "-", "--", "?", "NOT KNOWN", "NOT AVAILABLE"}
)
_NAME_WORDS = frozenset({"NMN", "NMI", "NO MIDDLE NAME"})
_COUNTRY_WORDS = frozenset({"XX", "ZZ", "??"})
_SEPARATORS = re.compile(r"[\s\-.#/]+")


def placeholder_in_full(value: Any, kind: str = "identifier") -> bool:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return False
    text = str(value).strip().upper()
    if " " in text or "\t" in text:
        text = " ".join(text.split())
    if text in _WORDS:
        return True
    if kind == "name":
        return text in _NAME_WORDS
    if kind == "country":
        return text in _COUNTRY_WORDS
    compact = _SEPARATORS.sub("", text)
    if all("A" <= character <= "Z" for character in compact):
        return True  # Latin letters alone (or nothing)
    digits = compact.removeprefix("A")
    return digits.isdigit() and ((len(digits) >= 6 and len(set(digits)) == 1) or set(digits) == {"0"})


def compact_in_full(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    if isinstance(value, int) and value < 0:
        return None
    return _SEPARATORS.sub("", str(value)).upper()


def a_number_in_full(value: Any) -> Any:
    text = compact_in_full(value)
    if text is None:
        return value
    digits = text.removeprefix("A")
    if digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 9:
        return "A" + digits.zfill(9)
    return value


def fbi_number_in_full(value: Any) -> Any:
    text = compact_in_full(value)
    return value if text is None or not text.isascii() else text


def person_name_in_full(value: str) -> str:
    if value != value.strip() or "  " in value:
        raise PydanticCustomError("name_spacing", "must not have leading, trailing or doubled spaces")
    after_a_letter = False
    for char in value:
        if char.isalpha():
            after_a_letter = True
        elif char in " '-.":
            after_a_letter = False
        elif unicodedata.category(char).startswith("M"):
            if not after_a_letter:
                raise PydanticCustomError("name_marks", "must have a letter before each accent or combining mark")
        else:
            raise PydanticCustomError(
                "name_characters", "may contain only letters, spaces, hyphens, apostrophes and periods"
            )
    if not value[0].isalpha():
        raise PydanticCustomError("name_characters", "must start with a letter")
    return value


# --- comparing -------------------------------------------------------------------------------


def outcome(read: Any, value: Any) -> tuple[str, Any]:
    """What a reader makes of ``value``: its answer (and the answer's type), or the error it raises."""
    try:
        answer = read(value)
    except PydanticCustomError as error:
        return ("refused", (error.type, error.message()))
    return ("read", (type(answer), answer))


def assert_read_as_in_full(value: Any) -> None:
    for kind in ("identifier", "name", "country"):
        assert is_placeholder(value, kind=kind) is placeholder_in_full(value, kind), (value, kind)
        expected = None if placeholder_in_full(value, kind) else value
        assert outcome(none_for_placeholder(kind), value) == ("read", (type(expected), expected)), (value, kind)
    assert outcome(canonical_a_number, value) == outcome(a_number_in_full, value), value
    assert outcome(canonical_fbi_number, value) == outcome(fbi_number_in_full, value), value
    assert outcome(canonical_state_id_number, value) == outcome(fbi_number_in_full, value), value
    if isinstance(value, str) and value:
        assert outcome(_check_person_name, value) == outcome(person_name_in_full, value), value


EDGE_CASES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    000000,
    111111,
    99999999,
    -111111,
    1.5,
    b"000000",
    "",
    " ",
    "A",
    "a",
    "A100000000",
    "a100000000",
    "A000000000",
    "a999999999",
    "AA000000",
    "A-A000000",
    "A00000",
    "000000",
    "00000",
    "0000000000000",
    "A-000-000-000",
    "A# 000 000 000",
    "000 000 000",
    "000\t000\t000",
    "000\n000",
    "UNKNOWN",
    "unknown",
    " Unknown ",
    "UNK",
    "unkn",
    "NONE",
    "none",
    "NULL",
    "Nil",
    "N/A",
    "n/a",
    "N.A.",
    "NA",
    "-",
    "--",
    "?",
    "??",
    "not  known",
    "NOT\tAVAILABLE",
    "NMN",
    "nmi",
    "No Middle Name",
    "XX",
    "zz",
    "MX",
    "123456AB9",
    "123456-ab9",
    "a-123-4567",
    "٠٠٠٠٠٠",  # Arabic-Indic zeros: digits to str.isdigit, not ASCII
    "０００００００",  # full-width zeros
    "²²²²²²",  # superscript twos: isdigit, not isdecimal
    "A²²²²²²",
    "ǰǰǰǰǰǰ",  # lower case letters whose upper case is two characters
    "ﬀ",  # a ligature whose upper case is two letters
    "ß",
    "İ",
    "GARCIA",
    "García",
    "GARCIA LOPEZ",
    "O'BRIEN",
    "SMITH-JONES",
    "JR.",
    " GARCIA",
    "GARCIA ",
    "GARCIA  LOPEZ",
    "e\u0301",  # a letter and a combining accent
    "\u0301e",  # an accent alone first
    "Ω",
    "李",
    "ก\u0e31",  # Thai: a vowel sign after a consonant
    "R2D2",
    "X Æ A-12",
]


@pytest.mark.parametrize("value", EDGE_CASES, ids=repr)
def test_edge_cases_read_as_the_rules_in_full_read_them(value: Any) -> None:
    assert_read_as_in_full(value)


def test_every_letter_and_digit_of_unicode_reads_as_the_rules_in_full_read_it() -> None:
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if char.isalnum():
            assert_read_as_in_full(char * 6)
            if char.isdigit():
                assert_read_as_in_full("A" + char * 6)


_ALPHABET = st.sampled_from(list("0123456789AaBbXxZzNnUuKk /-.#\t\n'?\u0301²٠０ǰßİ李")) | st.characters(
    codec="utf-8", exclude_categories=("Cs",)
)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=14))
def test_any_text_reads_as_the_rules_in_full_read_it(value: str) -> None:
    assert_read_as_in_full(value)


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_any_number_reads_as_the_rules_in_full_read_it(value: int) -> None:
    assert_read_as_in_full(value)
