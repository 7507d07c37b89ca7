"""An A-number already in its canonical form is taken as it is; here, around that form, the reading is the rule
written out in full (as it read before the shortcut)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contracts.identifiers import canonical_a_number

_SEPARATORS = re.compile(r"[\s\-.#/]+")


def a_number_in_full(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int) or (isinstance(value, int) and value < 0):
        return value
    digits = _SEPARATORS.sub("", str(value)).upper().removeprefix("A")
    if digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 9:
        return "A" + digits.zfill(9)
    return value


class Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        "A123456789",
        "A000000000",
        "A12345678",
        "A1234567890",
        "a123456789",
        "A12345678²",
        "A١٢٣٤٥٦٧٨٩",
        "A12345678 ",
        "AA23456789",
        "B123456789",
        "A-12345678",
        Text("A123456789"),
        123456789,
    ],
    ids=repr,
)
def test_an_a_number_reads_as_the_rule_in_full_reads_it(value: Any) -> None:
    ours, in_full = canonical_a_number(value), a_number_in_full(value)
    assert (type(ours), ours) == (type(in_full), in_full)
