"""A different A-number, FBI number or state id (of one state) on both records: never an automatic match.

The subject is ZEFERINO VILLASEÑOR, born 1990-04-17 in Mexico: a name rare enough that, without
identifiers, agreeing on it with the date of birth is an automatic match. What a conflicting number
does to that is what a duty officer must be told: a person may hold two A-numbers until they are
consolidated, or two people may look alike; either way a person decides.
"""

from __future__ import annotations

from typing import Any

from contracts import IdentifierConflict, MatchDecision, StateId
from notifier.matching import MatchConfig, PersonIndex, decide
from tests.unit.notifier.matching.helpers import decision, levels, someone

RARE: dict[str, Any] = {"first_name": "ZEFERINO", "middle_name": None, "last_name": "VILLASEÑOR"}


def rare(**overrides: Any) -> Any:
    return someone(**{**RARE, **overrides})


def test_the_rare_name_alone_is_an_automatic_match() -> None:
    assert decision(decide(rare(), rare())) is MatchDecision.MATCH


def test_a_conflicting_a_number_with_an_exact_rare_name_goes_to_review_naming_both_numbers() -> None:
    evidence = decide(rare(a_number="A055500011"), rare(a_number="A099999999"))

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "identifier_conflict"
    assert evidence.conflicts == (IdentifierConflict(field="a_number", booked="A055500011", detainer="A099999999"),)
    assert evidence.reasons[0] == "A-number differs: A055500011 (booking) vs A099999999 (detainer)"
    assert "Given name, surname and date of birth agree" in evidence.reasons


def test_a_conflicting_a_number_is_never_an_automatic_match_whatever_the_names_score() -> None:
    anything_goes = MatchConfig(auto_min_score=0.0, review_min_score=0.0, min_margin=0.0)

    evidence = decide(rare(a_number="A055500011"), rare(a_number="A099999999"), config=anything_goes)

    assert decision(evidence) is MatchDecision.POSSIBLE_MATCH


def test_a_conflicting_fbi_number_goes_to_review_too() -> None:
    evidence = decide(rare(fbi_number="123456AB9"), rare(fbi_number="654321CD7"))

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "identifier_conflict"
    assert "FBI number differs: 123456AB9 (booking) vs 654321CD7 (detainer)" in evidence.reasons


def test_an_a_number_one_keystroke_off_conflicts_too_sequential_numbers_are_siblings_as_often_as_typos() -> None:
    evidence = decide(rare(a_number="A012345679"), rare(a_number="A012345678"))

    assert decision(evidence) is MatchDecision.POSSIBLE_MATCH
    assert levels(evidence)["a_number"] == "typo"


def test_an_a_number_written_with_and_without_its_leading_zero_is_one_number_not_a_conflict() -> None:
    evidence = decide(rare(a_number="A12345678"), rare(a_number="A012345678"))

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH
    assert evidence.conflicts == ()
    assert "A-number agrees: A012345678" in evidence.reasons


def test_state_ids_of_two_different_states_do_not_conflict() -> None:
    evidence = decide(
        rare(state_id={"state": "TX", "number": "12345678"}), rare(state_id={"state": "CA", "number": "D7654321"})
    )

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH
    assert evidence.conflicts == ()


def test_state_ids_of_one_state_that_differ_conflict() -> None:
    evidence = decide(
        rare(state_id={"state": "CA", "number": "A1234567"}), rare(state_id={"state": "CA", "number": "B7654321"})
    )

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert "State id differs: CA A1234567 (booking) vs CA B7654321 (detainer)" in evidence.reasons


def test_an_equal_a_number_beside_a_conflicting_fbi_number_is_not_an_automatic_match_either() -> None:
    evidence = decide(rare(a_number="A055500011", fbi_number="123456AB9"), rare(a_number="A055500011"))
    assert decision(evidence) is MatchDecision.MATCH

    evidence = decide(
        rare(a_number="A055500011", fbi_number="123456AB9"), rare(a_number="A055500011", fbi_number="654321CD7")
    )
    assert decision(evidence) is MatchDecision.POSSIBLE_MATCH


def test_a_conflicting_number_does_not_raise_a_review_for_someone_whose_names_differ_too() -> None:
    evidence = decide(
        someone(first_name="MARIA", middle_name=None, last_name="HERNANDEZ", sex="F", a_number="A055500011"),
        rare(a_number="A099999999"),
    )

    assert evidence is None


def test_a_booking_that_fits_four_detainers_matches_only_the_one_with_its_number() -> None:
    index = PersonIndex()
    index.add("LOS-1", rare(a_number="A055500011"))
    for number, a_number in enumerate(("A099999999", "A011111111", "A022222222"), start=2):
        index.add(f"LOS-{number}", rare(a_number=a_number))

    decided = dict(index.matches(rare(a_number="A055500011")))

    assert {key: evidence.decision for key, evidence in decided.items()} == {
        "LOS-1": MatchDecision.MATCH,
        "LOS-2": MatchDecision.POSSIBLE_MATCH,
        "LOS-3": MatchDecision.POSSIBLE_MATCH,
        "LOS-4": MatchDecision.POSSIBLE_MATCH,
    }
    assert decided["LOS-2"].reasons[0] == "A-number differs: A055500011 (booking) vs A099999999 (detainer)"


def test_two_records_agreeing_on_a_placeholder_are_not_one_person_by_it() -> None:
    # Records stored or published before intake read such values as no identifier: NA, PENDING or 0 written as an
    # FBI number, an A-number or a state id on two people born years apart is no identifier they share.
    jose, another_jose = someone(), someone(date_of_birth="1972-11-03")
    assert decide(jose, another_jose) is None  # the name alone, born 18 years apart: no one to tell

    for placeholder in ("NA", "PENDING", "0"):
        state_id = StateId.model_construct(state="CA", number=placeholder)  # (as stored: not read again)
        with_it = {"fbi_number": placeholder, "a_number": placeholder, "state_id": state_id}
        booked, subject = jose.model_copy(update=with_it), another_jose.model_copy(update=with_it)

        assert decide(booked, subject) is None, placeholder


def test_a_state_id_written_with_its_state_in_front_is_the_same_id() -> None:
    # NCIC writes a state id with its state's code in front; a jail may, and an office may not.
    for written in ("CA B5556667", "CAB5556667", "CA-B555-6667"):
        evidence = decide(
            rare(state_id={"state": "CA", "number": written}), rare(state_id={"state": "CA", "number": "B5556667"})
        )

        assert evidence is not None
        assert (evidence.decision, evidence.rule) == (MatchDecision.MATCH, "identifier"), written
        assert evidence.conflicts == ()


def test_another_states_code_in_front_is_no_prefix_to_drop() -> None:
    evidence = decide(
        rare(state_id={"state": "CA", "number": "NV5556667"}), rare(state_id={"state": "CA", "number": "5556667"})
    )

    assert evidence is not None
    assert evidence.rule == "identifier_conflict"
