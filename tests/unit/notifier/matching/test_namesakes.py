"""Telling a detainer's subject from namesakes, among many detainers.

Among a million active detainers a booked JOSE GARCIA LOPEZ agrees with some detainer's subject on
name and date of birth by chance far more often than among ten thousand: the thresholds rise with the
number of active detainers, and only what separates namesakes (a rare name, a middle name, a place of
birth, a number) carries an agreement over them. The subject is JOSE LUIS GARCIA LOPEZ, born
1990-04-17 in Mexico (``someone()``), without identifiers unless given.
"""

from __future__ import annotations

from typing import Any

from contracts import MatchDecision, MatchEvidence, Person
from notifier.matching import decide, match_record
from notifier.matching.decide import decide_among
from tests.unit.notifier.matching.helpers import decision, levels, someone

MILLION = 1_000_000


def among(detainers: int, booked: Person, wanted: Person) -> MatchEvidence | None:
    """The decision on one candidate found among ``detainers`` active detainers."""
    decided = decide_among(match_record(booked), [("LOS-1", match_record(wanted))], detainers=detainers)
    return decided[0][1] if decided else None


def surname_weight(booked: dict[str, Any], wanted: dict[str, Any]) -> float:
    evidence = decide(someone(**booked), someone(**wanted))
    assert evidence is not None
    return next(agreement.weight or 0.0 for agreement in evidence.fields if agreement.field == "surname")


COMMON_NAME_ONLY: dict[str, Any] = {"middle_name": None, "place_of_birth": None}


def test_a_common_name_and_birth_date_alone_are_not_an_automatic_match_among_a_million_detainers() -> None:
    evidence = among(MILLION, someone(**COMMON_NAME_ONLY), someone(**COMMON_NAME_ONLY))

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.reasons[-1].startswith("Not enough to be sure among every office's active detainers: score ")
    assert "1,000,000" not in evidence.reasons[-1]  # how many other offices hold is not this office's to read


def test_the_same_agreement_is_an_automatic_match_among_ten_thousand() -> None:
    assert decision(among(10_000, someone(**COMMON_NAME_ONLY), someone(**COMMON_NAME_ONLY))) is MatchDecision.MATCH


def test_among_a_million_an_equal_a_number_separates_namesakes() -> None:
    evidence = among(
        MILLION,
        someone(**COMMON_NAME_ONLY, a_number="A012345678"),
        someone(**COMMON_NAME_ONLY, a_number="A012345678"),
    )

    assert decision(evidence) is MatchDecision.MATCH


def test_among_a_million_a_middle_name_and_a_birthplace_that_agree_separate_namesakes() -> None:
    assert decision(among(MILLION, someone(place_of_birth="MX"), someone(place_of_birth="MX"))) is MatchDecision.MATCH


def test_among_a_million_a_rare_name_separates_itself() -> None:
    rare = someone(first_name="ZEFERINO", middle_name=None, last_name="VILLASEÑOR")

    assert decision(among(MILLION, rare, rare)) is MatchDecision.MATCH


def test_two_surnames_agreeing_weigh_more_than_one() -> None:
    both = surname_weight({"last_name": "GARCIA LOPEZ"}, {"last_name": "GARCIA LOPEZ"})
    one = surname_weight({"last_name": "GARCIA"}, {"last_name": "GARCIA"})

    assert both > one + 3


def test_the_first_surname_kept_weighs_more_than_the_second_kept() -> None:
    # People and forms leave out the second surname; keeping only the second is rare, and as likely a
    # coincidence as keeping the first.
    second_left_out = surname_weight({"last_name": "GARCIA"}, {"last_name": "GARCIA LOPEZ"})
    first_left_out = surname_weight({"last_name": "LOPEZ"}, {"last_name": "GARCIA LOPEZ"})

    assert levels(decide(someone(last_name="LOPEZ"), someone()))["surname"] == "dropped_first"
    assert second_left_out > first_left_out + 2


def test_a_surname_written_in_the_given_name_box_is_as_common_as_the_surname() -> None:
    # JOHNSON is no rare given name: it is a common surname in the wrong box, and reading the names the
    # other way round costs what such a swap costs among true matches.
    booked = someone(first_name="JOHNSON", middle_name=None, last_name="JORGE", place_of_birth=None)
    wanted = someone(first_name="JORGE", middle_name=None, last_name="JOHNSON", place_of_birth=None)

    evidence = decide(booked, wanted)

    assert evidence is not None
    assert levels(evidence)["name_order"] == "swapped"
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH


def test_a_middle_name_read_as_a_surname_does_not_hide_that_the_middle_names_conflict() -> None:
    booked = someone(first_name="CARMEN", middle_name="GUADALUPE", last_name="SMITH", sex="F", place_of_birth="US")
    wanted = someone(first_name="CARMEN", middle_name="MARIA", last_name="SMITH", sex="F", place_of_birth="US")

    evidence = decide(booked, wanted)

    assert levels(evidence)["middle_name"] == "disagree"
    assert decision(evidence) is not MatchDecision.MATCH


def test_a_number_the_booking_carries_and_the_detainer_lacks_weighs_against() -> None:
    with_number = decide(someone(a_number="A012345678"), someone())
    without = decide(someone(), someone())

    assert with_number is not None
    assert without is not None
    assert levels(with_number)["identifier"] == "booking_only"
    assert with_number.score < without.score
