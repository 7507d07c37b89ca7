"""An RFC 3339 time in the form Python reads as it is is read as it is; any other form is rewritten first. Here
the reading (value, time zone, or the error) is the rule written out in full, which rewrites every time, on
generated times valid and not (hours, days, offsets out of range; digits of other scripts; long fractions)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from contracts.fields import _parse_rfc3339

_IN_FULL = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})"
    r"(?P<fraction>\.\d{1,9})?(?P<offset>[Zz]|[+-]\d{2}:\d{2})",
)


def in_full(value: str) -> datetime:
    """The reading as written before the shortcut: every time rewritten, then read."""
    match = _IN_FULL.fullmatch(value)
    if match is None:
        raise PydanticCustomError("rfc3339", "format")
    fraction = (match["fraction"] or "")[:7]
    offset = "+00:00" if match["offset"] in "Zz" else match["offset"]
    try:
        return datetime.fromisoformat(f"{match['date']}T{match['time']}{fraction}{offset}")
    except ValueError:
        raise PydanticCustomError("rfc3339", "real") from None


def outcome(read: Any, value: str) -> tuple[str, Any]:
    try:
        moment = read(value)
    except PydanticCustomError as error:
        return ("error", error.type, "is not a real date" in error.message() or error.message() == "real")
    return ("ok", moment, moment.tzinfo, moment.utcoffset())


digits = st.sampled_from("0123456789") | st.sampled_from("\u0661\uff12")
two = st.text(digits, min_size=2, max_size=2)
times = st.builds(
    "{}-{}-{}{}{}:{}:{}{}{}".format,
    st.sampled_from(["2026", "1999", "0001", "9999", "0000", "2024", "2\u0660\u0662\u0666"])
    | st.text(digits, min_size=4, max_size=4),
    st.sampled_from(["01", "02", "12", "13", "00"]) | two,
    st.sampled_from(["01", "28", "29", "30", "31", "32"]) | two,
    st.sampled_from(["T", "t", " ", "_"]),
    st.sampled_from(["00", "12", "23", "24"]) | two,
    st.sampled_from(["00", "59", "60"]) | two,
    st.sampled_from(["00", "59", "60", "61"]) | two,
    st.sampled_from(["", ".5", ".123456", ".1234567", ".123456789", ".1234567890", "."])
    | st.text(digits, max_size=3).map(".{}".format),
    st.sampled_from(
        ["Z", "z", "+00:00", "-00:00", "+05:30", "-08:00", "+23:59", "+24:00", "-25:00", "+05:60", "+0530", ""]
    ),
)


@settings(max_examples=2000, deadline=None)
@given(times)
def test_a_time_reads_as_the_rule_written_out_in_full_reads_it(value: str) -> None:
    assert outcome(_parse_rfc3339, value) == outcome(in_full, value), value


def test_the_common_forms_read_to_the_same_moment_and_zone() -> None:
    for value in ["2026-11-22T14:30:00Z", "2026-11-22T14:30:00.25-08:00", "2026-11-22T14:30:00+00:00"]:
        assert outcome(_parse_rfc3339, value) == outcome(in_full, value)
        assert outcome(_parse_rfc3339, value)[0] == "ok"
    assert outcome(_parse_rfc3339, "2026-02-30T00:00:00Z") == ("error", "rfc3339", True)
