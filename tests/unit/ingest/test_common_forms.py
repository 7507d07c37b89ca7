"""Coded fields as booking systems write them, read into the contract's forms before validation; what cannot be
read that way is left as sent, for validation to refuse."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.common_forms import read_common_forms


def booking(**fields: Any) -> dict[str, Any]:
    return {"type": "booking", "person": {"sex": "M", "date_of_birth": "1990-04-17"}, **fields}


def person_read(**person: Any) -> dict[str, Any]:
    document = {"type": "booking", "person": person}
    read_common_forms(document, custody_event=True)
    return document["person"]


@pytest.mark.parametrize(
    ("written", "read"),
    [("Male", "M"), ("male", "M"), (" f ", "F"), ("FEMALE", "F"), ("Non-Binary", "X"), ("unk", "U"), ("U", "U")],
)
def test_a_sex_written_as_a_word_or_in_any_case_is_its_code(written: str, read: str) -> None:
    assert person_read(sex=written)["sex"] == read


@pytest.mark.parametrize("written", ["1", "", "MF", "man"])
def test_a_sex_that_is_no_common_form_is_left_for_validation_to_refuse(written: str) -> None:
    assert person_read(sex=written)["sex"] == written


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("19900417", "1990-04-17"),
        ("04/17/1990", "1990-04-17"),
        ("4/7/1990", "1990-04-07"),
        ("1990/4/17", "1990-04-17"),
        ("1990-4-7", "1990-04-07"),
        ("1990-04-17T00:00:00", "1990-04-17"),
        ("1990-04-17T00:00:00Z", "1990-04-17"),
        ("1990-04-17 00:00:00.000+00:00", "1990-04-17"),
        ("1990-04-17", "1990-04-17"),
    ],
)
def test_a_date_of_birth_in_a_common_form_is_read_as_iso(written: str, read: str) -> None:
    assert person_read(date_of_birth=written)["date_of_birth"] == read


@pytest.mark.parametrize(
    "written",
    ["17/04/1990", "1990-04-17T09:30:00", "19901317", "April 17, 1990", "90-04-17", "1990-02-30"],
)
def test_a_date_of_birth_not_read_unambiguously_is_left_as_sent(written: str) -> None:
    """Day first, a time of day, a thirteenth month: never guessed (``1990-02-30`` is ISO already, for validation
    to refuse)."""
    assert person_read(date_of_birth=written)["date_of_birth"] == written


def test_an_aliass_date_of_birth_is_read_too() -> None:
    assert person_read(aliases=[{"date_of_birth": "04/17/1990"}, "not an alias"])["aliases"] == [
        {"date_of_birth": "1990-04-17"},
        "not an alias",
    ]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Felony", "felony"),
        ("F", "felony"),
        ("F3", "felony"),
        ("FEL-2", "felony"),
        ("m1", "misdemeanor"),
        ("MISD A", "misdemeanor"),
        ("Misdemeanor class B", "misdemeanor"),
        ("INF", "infraction"),
        ("infraction", "infraction"),
    ],
)
def test_a_charge_severity_in_a_common_form_is_its_code(written: str, read: str) -> None:
    document = booking(charges=[{"severity": written}])

    forms = read_common_forms(document, custody_event=True)

    assert document["charges"] == [{"severity": read}]
    assert forms.rewritten == ([] if written == read else ["charge_severity"])


@pytest.mark.parametrize("written", ["violation", "FM", "F12", "serious", ""])
def test_a_severity_that_is_no_common_form_is_left_for_validation_to_refuse(written: str) -> None:
    document = booking(charges=[{"severity": written}])

    read_common_forms(document, custody_event=True)

    assert document["charges"] == [{"severity": written}]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Bail Posted", "bail_posted"),
        ("BONDED OUT", "bail_posted"),
        ("ROR", "own_recognizance"),
        ("time-served", "sentence_complete"),
        ("Court Ordered", "court_order"),
        ("charges_dropped", "charges_dropped"),
    ],
)
def test_a_release_reason_in_words_is_its_code_without_a_warning(written: str, read: str) -> None:
    document = {"type": "release", "release_reason": written}

    forms = read_common_forms(document, custody_event=True)

    assert document["release_reason"] == read
    assert forms.warnings == []


def test_an_unknown_release_reason_is_other_with_a_warning_and_the_reserved_one_is_left_to_refuse() -> None:
    unknown = {"type": "release", "release_reason": "escaped"}
    reserved = {"type": "release", "release_reason": "inferred_from_roster"}
    empty = {"type": "release", "release_reason": " "}

    warned = read_common_forms(unknown, custody_event=True)
    read_common_forms(reserved, custody_event=True)
    read_common_forms(empty, custody_event=True)

    assert unknown["release_reason"] == "other"
    assert warned.warnings == [(("release_reason",), "not a release reason releasewatch knows: read as other")]
    assert reserved["release_reason"] == "inferred_from_roster"
    assert empty["release_reason"] == " "


def test_an_events_ori_type_and_padded_booking_number_are_read_but_not_a_detainers() -> None:
    event = {"type": "Transfer", "facility_ori": " ca0194200", "to_facility_ori": "ca0190000", "booking_number": "B1  "}
    detainer = {"facility_ori": "ca0194200", "type": "Transfer", "person": {"sex": "male"}}

    read_common_forms(event, custody_event=True)
    read_common_forms(detainer, custody_event=False)

    assert event == {
        "type": "transfer",
        "facility_ori": "CA0194200",
        "to_facility_ori": "CA0190000",
        "booking_number": "B1",
    }
    assert detainer == {"facility_ori": "ca0194200", "type": "Transfer", "person": {"sex": "M"}}


def test_a_record_in_the_contracts_forms_is_left_as_it_is() -> None:
    document = booking(facility_ori="CA0194200", booking_number="2026-1", charges=[{"severity": "felony"}])
    before = repr(document)

    forms = read_common_forms(document, custody_event=True)

    assert (repr(document), forms.rewritten, forms.warnings) == (before, [], [])


@pytest.mark.parametrize("odd", [{"a": 1}, [1], 12, None, True])
def test_a_value_of_another_json_type_anywhere_is_left_for_validation_to_refuse(odd: Any) -> None:
    fields = ("type", "facility_ori", "to_facility_ori", "booking_number", "release_reason")
    document: dict[str, Any] = dict.fromkeys(fields, odd)
    document["person"] = {"sex": odd, "date_of_birth": odd, "aliases": [{"date_of_birth": odd}, odd]}
    document["charges"] = [{"severity": odd}, odd]
    before = repr(document)

    forms = read_common_forms(document, custody_event=True)

    assert (repr(document), forms.rewritten, forms.warnings) == (before, [], [])
