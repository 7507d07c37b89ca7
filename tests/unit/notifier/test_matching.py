"""Identifier matching: normalisation, the identifier rule and its evidence, and the candidate index.

Name and date-of-birth matching has its own specifications in ``tests/unit/notifier/matching/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts import FieldAgreement, MatchDecision, StateId
from notifier.matching import (
    PersonIndex,
    blocking_keys,
    decide,
    normalise_a_number,
    normalise_fbi_number,
    normalise_state_id,
)
from tests.unit.notifier.builders import person, person_without_identifiers

NO_IDS: dict[str, Any] = {"fbi_number": None, "state_id": None, "a_number": None}


def only(**identifiers: Any) -> dict[str, Any]:
    """Overrides that leave the person with exactly ``identifiers``."""
    return {**NO_IDS, **identifiers}


# --- normalisation -------------------------------------------------------------------


@pytest.mark.parametrize("written", ["A012345678", "A12345678", "012345678", "12345678"])
def test_an_a_number_is_the_same_with_or_without_the_prefix_and_leading_zero(written: str) -> None:
    assert normalise_a_number(written) == normalise_a_number("A012345678")


def test_different_a_numbers_stay_different() -> None:
    assert normalise_a_number("A012345678") != normalise_a_number("A012345679")


@pytest.mark.parametrize("written", ["123456AB9", "123456ab9", "123456-AB9", " 123456 AB9 "])
def test_an_fbi_number_ignores_case_spaces_and_punctuation(written: str) -> None:
    assert normalise_fbi_number(written) == "123456AB9"


def test_a_state_id_ignores_hyphens_within_the_same_state() -> None:
    assert normalise_state_id(StateId(state="CA", number="A-1234567")) == normalise_state_id(
        StateId(state="CA", number="A1234567")
    )


def test_the_same_state_id_number_from_another_state_is_another_id() -> None:
    assert normalise_state_id(StateId(state="NV", number="A1234567")) != normalise_state_id(
        StateId(state="CA", number="A1234567")
    )


# --- the decision and its evidence ------------------------------------------------------

EACH_IDENTIFIER = [
    pytest.param({"a_number": "A012345678"}, "a_number", id="a_number"),
    pytest.param({"fbi_number": "123456AB9"}, "fbi_number", id="fbi_number"),
    pytest.param({"state_id": {"state": "CA", "number": "A1234567"}}, "state_id", id="state_id"),
]


@pytest.mark.parametrize(("identifier", "field"), EACH_IDENTIFIER)
def test_an_equal_identifier_is_a_match_naming_the_field_that_agreed(identifier: dict[str, Any], field: str) -> None:
    evidence = decide(person(**only(**identifier)), person(**only(**identifier)))

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH
    assert evidence.rule == "identifier"
    assert evidence.fields[0] == FieldAgreement(field=field, level="exact")
    levels = {(agreement.field, agreement.level) for agreement in evidence.fields}
    assert {("date_of_birth", "exact"), ("sex", "exact"), ("identifier", "exact")} <= levels


def test_an_a_number_written_with_and_without_its_leading_zero_matches() -> None:
    evidence = decide(person(**only(a_number="A012345678")), person(**only(a_number="A12345678")))

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH
    assert evidence.rule == "identifier"


def test_people_sharing_no_identifier_nor_name_do_not_match() -> None:
    someone_else = person(
        first_name="MARIA", last_name="HERNANDEZ", date_of_birth="1975-08-30", sex="F", aliases=[], **only()
    )

    assert decide(person(**only(a_number="A012345678")), someone_else) is None


def test_an_equal_a_number_beside_a_differing_fbi_number_goes_to_review_naming_both() -> None:
    booked = person(a_number="A012345678", fbi_number="123456AB9", state_id=None)
    wanted = person(a_number="A12345678", fbi_number="999999ZZ9", state_id={"state": "CA", "number": "A1234567"})

    evidence = decide(booked, wanted)

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "identifier_conflict"
    identifiers = [(a.field, a.level) for a in evidence.fields if a.field in ("fbi_number", "a_number", "state_id")]
    assert identifiers == [("fbi_number", "disagree"), ("a_number", "exact")]  # the state id is on one side only
    assert "FBI number differs: 123456AB9 (booking) vs 999999ZZ9 (detainer)" in evidence.reasons
    assert "A-number agrees: A012345678" in evidence.reasons


# An equal identifier is a match unless sex conflicts, or the name and the date of birth both contradict it
# (then a possible match): a sex conflict alone can only be another person or a wrong record; a date of
# birth keyed wrong beside an agreeing name is what the identifier exists to see through.


def test_an_equal_identifier_with_a_conflicting_sex_is_only_a_possible_match() -> None:
    evidence = decide(person(**only(a_number="A012345678")), person(**only(a_number="A012345678"), sex="F"))

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "identifier_contradicted"


def test_an_equal_identifier_with_another_name_and_another_birth_date_is_only_a_possible_match() -> None:
    another_person = person(
        **only(a_number="A012345678"), first_name="MARIA", last_name="HERNANDEZ", date_of_birth="1975-08-30", aliases=[]
    )

    evidence = decide(person(**only(a_number="A012345678")), another_person)

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "identifier_contradicted"


def test_an_equal_identifier_with_another_given_name_and_birth_date_is_only_a_possible_match() -> None:
    # The same surnames, another given name and another date of birth: a relative's number keyed in.
    sister = person(
        **only(a_number="A012345678"), first_name="MARIA", middle_name=None, date_of_birth="1977-06-19", aliases=[]
    )

    evidence = decide(person(**only(a_number="A012345678")), sister)

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "identifier_contradicted"


def test_an_equal_identifier_with_a_birth_date_typo_and_the_same_name_stays_a_match() -> None:
    evidence = decide(
        person(**only(a_number="A012345678")), person(**only(a_number="A012345678"), date_of_birth="1985-09-02")
    )

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH
    assert FieldAgreement(field="a_number", level="exact") in evidence.fields


def test_an_equal_identifier_with_the_same_birth_date_and_another_name_stays_a_match() -> None:
    evidence = decide(
        person(**only(a_number="A012345678")),
        person(**only(a_number="A012345678"), first_name="MARIA", last_name="HERNANDEZ", aliases=[]),
    )

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH


# --- blocking keys and the index ---------------------------------------------------------


def test_the_same_identifiers_written_differently_have_the_same_blocking_keys() -> None:
    assert blocking_keys(person(a_number="A012345678")) == blocking_keys(person(a_number="A12345678"))


def test_a_person_without_identifiers_is_still_filed_by_name_and_birth_date() -> None:
    index = PersonIndex()
    index.add("LOS-1", person())
    index.add("LOS-2", person_without_identifiers())

    assert blocking_keys(person_without_identifiers())
    assert not any("=" in key for key in blocking_keys(person_without_identifiers()))
    assert index.candidates(person_without_identifiers()) == {"LOS-1", "LOS-2"}
    assert "LOS-2" in index


@pytest.mark.parametrize(("identifier", "field"), EACH_IDENTIFIER)
def test_an_entry_is_a_candidate_for_anyone_sharing_one_identifier(identifier: dict[str, Any], field: str) -> None:
    index = PersonIndex()
    index.add("LOS-1", person())
    index.add("NYC-1", person(fbi_number="999999ZZ9", a_number="A099999999", state_id=None))
    someone_else = person(
        first_name="MARIA", last_name="HERNANDEZ", date_of_birth="1975-08-30", aliases=[], **only(**identifier)
    )

    assert index.candidates(someone_else) == {"LOS-1"}


def test_several_entries_on_the_same_person_are_all_candidates() -> None:
    index = PersonIndex()
    index.add("LOS-1", person())
    index.add("NYC-1", person(**only(a_number="A12345678")))

    assert index.candidates(person()) == {"LOS-1", "NYC-1"}
    assert len(index) == 2


def test_a_removed_entry_is_no_longer_a_candidate() -> None:
    index = PersonIndex()
    index.add("LOS-1", person())
    index.add("NYC-1", person())

    index.remove("LOS-1")

    assert index.candidates(person()) == {"NYC-1"}
    assert "LOS-1" not in index
    assert len(index) == 1


def test_removing_an_entry_that_is_not_there_changes_nothing() -> None:
    index = PersonIndex()
    index.add("LOS-1", person())

    index.remove("LOS-404")

    assert index.candidates(person()) == {"LOS-1"}


def test_re_adding_an_entry_with_a_new_person_replaces_its_keys() -> None:
    index = PersonIndex()
    index.add("LOS-1", person(**only(a_number="A012345678")))

    corrected = person(**only(a_number="A087654321"), first_name="MARIA", last_name="HERNANDEZ", aliases=[])
    index.add("LOS-1", corrected)

    assert index.candidates(person(**only(a_number="A012345678"), date_of_birth="1975-08-30")) == set()
    assert index.candidates(corrected) == {"LOS-1"}
    assert len(index) == 1
