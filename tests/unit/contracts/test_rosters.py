"""The roster contract and its keys: one facility's set and report share its own cluster slot."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts import RedisNames, Roster, RosterSubmitted

NAMES = RedisNames("rw")


def test_a_facilitys_in_custody_set_and_roster_report_share_the_facilitys_own_hash_tag() -> None:
    keys = [NAMES.facility_in_custody("CA0194200"), NAMES.roster_report("CA0194200")]

    assert all("{CA0194200}" in key and key.startswith("rw:") for key in keys)
    assert NAMES.facility_in_custody("CA0194200") != NAMES.facility_in_custody("NV0020000")


def test_roster_receipts_live_beside_the_custody_stream_apart_from_event_receipts() -> None:
    assert "{custody}" in NAMES.roster_receipt("CA0194200", "r-1")
    assert NAMES.roster_receipt("CA0194200", "r-1") != NAMES.custody_receipt("CA0194200", "r-1")


def test_a_roster_on_the_stream_says_its_type_and_facility() -> None:
    roster = Roster.model_validate_json(
        '{"roster_id": "r-1", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": ["1", "2"]}'
    )

    submitted = RosterSubmitted(facility_ori="CA0194200", **dict(roster))

    assert submitted.type == "roster"
    assert RosterSubmitted.model_validate_json(submitted.model_dump_json()) == submitted


def test_an_empty_roster_is_refused_as_a_likely_failed_export() -> None:
    with pytest.raises(ValidationError, match="booking_numbers"):
        Roster.model_validate_json('{"roster_id": "r-1", "as_of": "2026-11-25T06:00:00-08:00", "booking_numbers": []}')
