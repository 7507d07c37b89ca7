"""What the hard rules keep from an automatic match is still found, for a person to review.

An automatic match needs given name, surname and date of birth to agree. A booking that agrees on the
names and is one keystroke off in the date of birth, or agrees on surname and date of birth with a given
name that is a nickname, an initial or another spelling, is a ``possible_match`` when the detainer is the
booking's best candidate. The subject is JOSE LUIS GARCIA LOPEZ, born 1990-04-17 in Mexico
(``someone()``), without identifiers.
"""

from __future__ import annotations

import pytest

from contracts import MatchDecision, Person
from notifier.matching import PersonIndex, decide
from tests.unit.notifier.matching.helpers import decision, levels, someone


@pytest.mark.parametrize(
    ("booked_born", "detainer_born", "level", "said"),
    [
        pytest.param("1980-04-17", "1990-04-17", "year_typo", "in the year", id="one digit of the year"),
        pytest.param("1990-04-27", "1990-04-17", "day_or_month_typo", "", id="one digit of the day"),
        pytest.param("1990-09-17", "1990-04-17", "day_or_month_typo", "", id="one digit of the month"),
        pytest.param("1989-04-17", "1990-04-17", "year_typo", "in the year", id="a year off by one across a decade"),
        pytest.param("1987-04-17", "1978-04-17", "year_typo", "in the year", id="the year's last digits swapped"),
    ],
)
def test_names_agreeing_and_a_birth_date_one_keystroke_off_are_found_and_sent_to_review(
    booked_born: str, detainer_born: str, level: str, said: str
) -> None:
    index = PersonIndex()
    index.add("LOS-1", someone(middle_name=None, date_of_birth=detainer_born))
    booked = someone(middle_name=None, date_of_birth=booked_born)

    ((detainer_id, evidence),) = index.matches(booked)

    assert detainer_id == "LOS-1"
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "review:date_of_birth"
    assert levels(evidence)["date_of_birth"] == level
    off = "Date of birth one keystroke off" + (f" {said}" if said else "")
    assert f"{off}: {booked_born} (booking) vs {detainer_born} (detainer)" in evidence.reasons


def test_a_spelling_variant_of_the_surname_and_a_birth_date_one_keystroke_off_go_to_review() -> None:
    evidence = decide(
        someone(middle_name=None, last_name="VILLASEÑOR", date_of_birth="1990-04-18"),
        someone(middle_name=None, last_name="VILLASENOR"),
    )

    assert decision(evidence) is MatchDecision.POSSIBLE_MATCH


def test_a_birth_date_two_keystrokes_off_is_another_level_than_one() -> None:
    evidence = decide(someone(date_of_birth="1990-04-29"), someone())

    assert levels(evidence)["date_of_birth"] == "day_or_month_differs"


def test_a_nickname_with_surname_and_birth_date_agreeing_is_sent_to_review_when_it_is_not_enough_to_be_sure() -> None:
    # PEPE is JOSE; one common surname of two and nothing else: a person looks.
    evidence = decide(
        someone(first_name="PEPE", middle_name=None, last_name="GARCIA", place_of_birth=None), someone(middle_name=None)
    )

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "review:score"
    assert levels(evidence)["given_name"] == "nickname"
    assert "Given name: PEPE (booking) and JOSE (detainer) are one name, a short form" in evidence.reasons


def test_a_given_name_written_as_its_initial_is_sent_to_review() -> None:
    evidence = decide(someone(first_name="J", middle_name=None), someone(middle_name=None))

    assert evidence is not None
    assert evidence.decision is MatchDecision.POSSIBLE_MATCH
    assert evidence.rule == "review:given_name"
    assert "Given name is an initial: J (booking) vs JOSE (detainer)" in evidence.reasons


def test_two_short_forms_of_one_name_are_not_one_name() -> None:
    # ALEX and SANDRA both shorten ALEXANDRA; two women with them are two women.
    evidence = decide(
        someone(first_name="ALEX", middle_name=None, sex="F"), someone(first_name="SANDRA", middle_name=None, sex="F")
    )

    assert levels(evidence)["given_name"] == "disagree"
    assert decision(evidence) is not MatchDecision.MATCH


def _typo_booked() -> Person:
    return someone(date_of_birth="1990-04-18")


def test_only_the_best_candidate_is_sent_to_review() -> None:
    index = PersonIndex()
    index.add("LOS-1", someone())  # the day one keystroke off, born in Mexico too
    index.add("NYC-1", someone(date_of_birth="1980-04-18", place_of_birth=None))  # the year one keystroke off

    decided = dict(index.matches(_typo_booked()))

    assert list(decided) == ["LOS-1"]


def test_a_review_candidate_alone_is_sent_to_review() -> None:
    index = PersonIndex()
    index.add("NYC-1", someone(date_of_birth="1980-04-18", place_of_birth=None))

    decided = dict(index.matches(_typo_booked()))

    assert decided["NYC-1"].decision is MatchDecision.POSSIBLE_MATCH


RARE_NAME = {"first_name": "PIETER", "middle_name": None, "last_name": "VANDERWAAL", "place_of_birth": None}


def test_another_offices_better_candidate_takes_no_review_from_this_office() -> None:
    # LOS holds a detainer on the booked person; NYC on a PIETER VANDERWAAL born a day later: maybe this person
    # with a typo in NYC's record. LOS's match does not tell NYC, so NYC's review stands.
    index = PersonIndex()
    index.add("LOS/D-1", someone(**RARE_NAME, date_of_birth="1968-04-14"), tag="LOS")
    index.add("NYC/D-1", someone(**RARE_NAME, date_of_birth="1968-04-15"), tag="NYC")

    decided = dict(index.matches(someone(**RARE_NAME, date_of_birth="1968-04-14")))

    assert decision(decided.get("LOS/D-1")) is MatchDecision.MATCH
    nyc = decided.get("NYC/D-1")
    assert decision(nyc) is MatchDecision.POSSIBLE_MATCH
    assert nyc is not None
    assert nyc.rule == "review:date_of_birth"
    assert nyc.margin is None  # nothing said of the other office's detainer


def test_the_offices_own_better_candidate_still_keeps_the_weaker_one_from_review() -> None:
    index = PersonIndex()
    index.add("LOS/D-1", someone(**RARE_NAME, date_of_birth="1968-04-14"), tag="LOS")
    index.add("LOS/D-2", someone(**RARE_NAME, date_of_birth="1968-04-15"), tag="LOS")

    decided = dict(index.matches(someone(**RARE_NAME, date_of_birth="1968-04-14")))

    assert list(decided) == ["LOS/D-1"]  # its own match says it: no review of a second, weaker subject


def test_another_offices_candidate_still_keeps_an_ambiguous_pair_from_an_automatic_match() -> None:
    # Two offices' subjects the booking fits equally: neither office gets an automatic match of it.
    index = PersonIndex()
    index.add("LOS/D-1", someone(**{**RARE_NAME, "place_of_birth": "NL"}, date_of_birth="1968-04-14"), tag="LOS")
    index.add("NYC/D-1", someone(**{**RARE_NAME, "place_of_birth": "BE"}, date_of_birth="1968-04-14"), tag="NYC")

    decided = index.matches(someone(**RARE_NAME, date_of_birth="1968-04-14"))

    assert [evidence.decision for _, evidence in decided] == [MatchDecision.POSSIBLE_MATCH] * 2
