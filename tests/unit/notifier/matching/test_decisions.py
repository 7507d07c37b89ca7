"""Who is matched, who goes to review, and who is left alone: named cases a duty officer would recognise.

The subject is JOSE LUIS GARCIA LOPEZ, male, born 1990-04-17 in Mexico (``someone()``), with no
identifiers: every decision here is made on names and date of birth.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts import MatchDecision
from notifier.matching import MatchConfig, PersonIndex, decide, fitted_model, match_record
from notifier.matching.compare import compare
from notifier.matching.decide import decide_among
from tests.unit.notifier.matching.helpers import decision, levels, someone

# --- the same person, written differently: an automatic match ------------------------------------


@pytest.mark.parametrize(
    ("booked_as", "field", "level"),
    [
        pytest.param({"last_name": "GARCIA-LOPEZ"}, "surname", "both_exact", id="hyphenated compound surname"),
        pytest.param({"last_name": "García López"}, "surname", "both_exact", id="accents and case"),
        pytest.param({"last_name": "GARCIA Y LOPEZ"}, "surname", "both_exact", id="surnames joined by Y"),
        pytest.param({"last_name": "GARCIA"}, "surname", "dropped", id="second surname dropped"),
        pytest.param({"last_name": "LOPEZ GARCIA"}, "surname", "reordered", id="surnames in the other order"),
        pytest.param({"first_name": "PEPE", "middle_name": None}, "given_name", "nickname", id="PEPE for JOSE"),
        pytest.param({"middle_name": None}, "middle_name", "missing", id="middle name left out"),
        pytest.param({"first_name": "JOLE"}, "given_name", "similar", id="one key wrong early in a short name"),
    ],
)
def test_the_same_person_written_differently_is_matched_automatically(
    booked_as: dict[str, object], field: str, level: str
) -> None:
    evidence = decide(someone(**booked_as), someone())

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)[field] == level


def test_the_first_surname_written_in_the_middle_name_field_still_matches_automatically() -> None:
    # A form with first, middle and last name fields: JOSE / GARCIA / LOPEZ for JOSE LUIS GARCIA LOPEZ.
    evidence = decide(someone(middle_name="GARCIA", last_name="LOPEZ"), someone())

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["surname"] == "both_exact"
    assert levels(evidence)["name_form"] == "middle_as_surname"


def test_a_day_and_month_swapped_birth_date_still_matches_automatically() -> None:
    evidence = decide(someone(date_of_birth="1990-04-07"), someone(date_of_birth="1990-07-04"))

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["date_of_birth"] == "day_month_swapped"


def test_jimenez_and_ximenez_are_one_surname() -> None:
    evidence = decide(someone(last_name="XIMÉNEZ"), someone(last_name="JIMENEZ"))

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["surname"] == "phonetic"


def test_particles_do_not_tell_surnames_apart() -> None:
    evidence = decide(someone(last_name="CRUZ"), someone(last_name="DE LA CRUZ"))

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["surname"] == "exact"


def test_a_given_name_and_surname_written_the_other_way_round_still_match() -> None:
    evidence = decide(
        someone(first_name="VILLASEÑOR", middle_name=None, last_name="ZEFERINO"),
        someone(first_name="ZEFERINO", middle_name=None, last_name="VILLASEÑOR"),
    )

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["name_order"] == "swapped"
    assert levels(evidence)["given_name"] == "exact"


def test_names_written_the_other_way_round_weigh_less_than_written_alike() -> None:
    # Two people's names agree by chance as readily one way as the other; the same person's are swapped
    # only now and then: the reading costs what that rarity costs.
    wanted = match_record(someone(middle_name=None))
    straight = compare(match_record(someone(middle_name=None)), wanted, fitted_model())
    booked = someone(first_name="GARCIA LOPEZ", middle_name=None, last_name="JOSE")
    swapped = compare(match_record(booked), wanted, fitted_model())

    assert swapped.level("name_order") == "swapped"
    assert swapped.score < straight.score - 4


def test_an_alias_on_the_detainer_is_a_candidate_name_too() -> None:
    wanted = someone(first_name="JUAN", aliases=[{"last_name": "GARCIA LOPEZ", "first_name": "JOSE"}])

    evidence = decide(someone(), wanted)

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["name_form"] == "alias"


def test_an_alias_that_only_leaves_out_a_surname_does_not_hide_a_conflict_the_name_shows() -> None:
    # Known as JOSE LUIS GARCIA: the booked JOSE LUIS GARCIA PEREZ has another second surname.
    wanted = someone(aliases=[{"first_name": "JOSE", "middle_name": "LUIS", "last_name": "GARCIA"}])

    evidence = decide(someone(last_name="GARCIA PEREZ"), wanted)

    assert decision(evidence) is not MatchDecision.MATCH
    assert match_record(wanted).forms == match_record(someone()).forms


def test_an_alias_on_the_booking_is_a_candidate_name_too() -> None:
    booked = someone(first_name="JUAN", aliases=[{"last_name": "GARCIA LOPEZ", "first_name": "PEPE"}])

    evidence = decide(booked, someone())

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["given_name"] == "nickname"


# --- look-alikes: never an automatic match ------------------------------------------------------


def test_twins_with_the_same_surnames_and_birth_date_do_not_match_each_other_automatically() -> None:
    evidence = decide(someone(first_name="JUAN", middle_name=None), someone(middle_name=None))

    assert decision(evidence) is not MatchDecision.MATCH


def test_twins_who_share_a_first_name_are_never_matched_automatically_their_middle_names_conflict() -> None:
    index = PersonIndex()
    index.add("LOS-1", someone(middle_name="PABLO"))

    found = index.matches(someone(middle_name="CARLOS"))  # JOSE CARLOS and JOSE PABLO: brothers

    # At most a person is asked to look (the fitted review threshold decides), never an alert.
    assert all(evidence.decision is MatchDecision.POSSIBLE_MATCH for _, evidence in found)
    assert all(evidence.rule == "review:middle_name" for _, evidence in found)


def test_a_twin_whose_first_name_is_the_subjects_middle_name_goes_to_review_not_to_an_alert() -> None:
    # The subject is JOSE LUIS; LUIS GARCIA LOPEZ born the same day may be him going by his middle
    # name, or his twin brother LUIS: surnames and birth date agree either way. A person decides.
    evidence = decide(someone(first_name="LUIS", middle_name=None), someone())

    assert levels(evidence)["given_name"] == "middle_as_first"
    assert decision(evidence) is MatchDecision.POSSIBLE_MATCH
    assert evidence is not None
    assert evidence.rule == "review:given_name"


def test_the_same_name_born_another_year_is_not_matched_automatically() -> None:
    evidence = decide(someone(date_of_birth="1991-04-17"), someone())

    assert decision(evidence) is not MatchDecision.MATCH


def test_the_same_name_born_years_apart_is_no_match() -> None:
    assert decide(someone(date_of_birth="1965-11-02"), someone()) is None


def test_a_relative_sharing_one_surname_and_the_birth_date_is_not_matched_automatically() -> None:
    relative, subject = someone(last_name="GARCIA PEREZ"), someone()

    # Whether it is worth a review is the fitted weights' call; an alert it never is.
    assert decision(decide(relative, subject)) is not MatchDecision.MATCH
    assert compare(match_record(relative), match_record(subject), fitted_model()).level("surname") == "partial"


def test_a_conflicting_sex_forbids_an_automatic_match() -> None:
    evidence = decide(someone(sex="F"), someone())

    assert decision(evidence) is not MatchDecision.MATCH


def test_a_conflicting_place_of_birth_forbids_an_automatic_match() -> None:
    evidence = decide(someone(place_of_birth="GT"), someone())

    assert decision(evidence) is not MatchDecision.MATCH


def test_state_ids_of_two_states_are_no_evidence_either_way() -> None:
    # A Texas driver licence and a California id card: two documents, very likely one person.
    with_ids = decide(
        someone(state_id={"state": "TX", "number": "12345678"}),
        someone(state_id={"state": "CA", "number": "D7654321"}),
    )
    without = decide(someone(), someone())

    assert with_ids is not None
    assert without is not None
    assert levels(with_ids)["identifier"] == "missing"
    assert with_ids.score == without.score


def test_state_ids_of_one_state_that_differ_weigh_against() -> None:
    evidence = decide(
        someone(state_id={"state": "CA", "number": "A1234567"}),
        someone(state_id={"state": "CA", "number": "B7654321"}),
    )

    assert levels(evidence)["identifier"] == "disagree"


def test_an_unknown_sex_contradicts_nothing() -> None:
    evidence = decide(someone(sex="U"), someone())

    assert decision(evidence) is MatchDecision.MATCH
    assert levels(evidence)["sex"] == "missing"


def test_a_birth_date_typo_with_everything_else_agreeing_goes_to_review() -> None:
    evidence = decide(someone(date_of_birth="1990-04-18"), someone())

    assert decision(evidence) is MatchDecision.POSSIBLE_MATCH
    assert evidence is not None
    assert "date_of_birth" in evidence.rule


def test_a_different_person_is_no_match() -> None:
    other = someone(first_name="MARIA", middle_name=None, last_name="HERNANDEZ", date_of_birth="1975-08-30", sex="F")

    assert decide(other, someone()) is None


# --- the runner-up, and what the evidence says ------------------------------------------------


def test_two_people_who_both_fit_a_booking_go_to_review_not_to_an_alert() -> None:
    index = PersonIndex()
    index.add("LOS-1", someone(last_name="GARCIA LOPEZ"))
    index.add("NYC-1", someone(last_name="GARCIA PEREZ", place_of_birth="GT"))
    booked = someone(last_name="GARCIA", place_of_birth=None)  # fits both: the second surname was dropped

    decided = dict(index.matches(booked))

    assert set(decided) == {"LOS-1", "NYC-1"}
    assert all(evidence.decision is MatchDecision.POSSIBLE_MATCH for evidence in decided.values())
    assert decided["LOS-1"].rule == "ambiguous"


def test_two_detainers_on_one_person_are_not_rivals_both_match() -> None:
    index = PersonIndex()
    index.add("LOS-1", someone())
    index.add("NYC-1", someone(first_name="PEPE", middle_name=None))

    decided = dict(index.matches(someone()))

    assert {key: evidence.decision for key, evidence in decided.items()} == {
        "LOS-1": MatchDecision.MATCH,
        "NYC-1": MatchDecision.MATCH,
    }


def test_a_clear_leader_keeps_its_automatic_match_and_reports_its_margin() -> None:
    index = PersonIndex()
    index.add("LOS-1", someone())
    index.add("NYC-1", someone(first_name="JUAN", middle_name="CARLOS"))  # a twin brother

    decided = dict(index.matches(someone()))

    assert decided["LOS-1"].decision is MatchDecision.MATCH
    assert "NYC-1" not in decided or decided["NYC-1"].decision is not MatchDecision.MATCH
    margin = decided["LOS-1"].margin
    assert margin is not None
    assert margin >= MatchConfig().resolved(fitted_model())[2]


def test_the_evidence_gives_the_decision_score_and_each_fields_level_and_weight() -> None:
    evidence = decide(someone(first_name="PEPE", middle_name=None), someone())

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH
    assert evidence.rule == "score"
    scored = {agreement.field: agreement for agreement in evidence.fields if agreement.weight is not None}
    assert set(scored) >= {"given_name", "surname", "date_of_birth", "sex", "place_of_birth", "identifier"}
    assert scored["given_name"].level == "nickname"
    assert scored["surname"].level == "both_exact"
    assert evidence.score == pytest.approx(sum(a.weight for a in scored.values() if a.weight is not None), abs=0.05)


def test_common_names_with_weak_agreement_go_to_review_among_a_caseload_of_detainers() -> None:
    # A nickname and one common surname: among tens of thousands of detainers, JOSE GARCIAs born that
    # day are too many to tell him from by these alone.
    booked = match_record(someone(first_name="PEPE", middle_name=None, last_name="GARCIA", place_of_birth=None))
    caseload = 4 * int(fitted_model().thresholds["detainers"])

    ((_, evidence),) = decide_among(booked, [("LOS-1", match_record(someone()))], detainers=caseload)

    assert evidence.decision is MatchDecision.POSSIBLE_MATCH


def test_a_rare_surname_weighs_more_than_a_common_one() -> None:
    common = decide(someone(last_name="GARCIA"), someone(last_name="GARCIA"))
    rare = decide(someone(last_name="ZUBIZARRETA"), someone(last_name="ZUBIZARRETA"))

    assert common is not None
    assert rare is not None
    common_weight = next(a.weight for a in common.fields if a.field == "surname")
    rare_weight = next(a.weight for a in rare.fields if a.field == "surname")
    assert (rare_weight or 0.0) > (common_weight or 0.0)


def _index_of(size: int, config: MatchConfig) -> PersonIndex:
    """The subject's detainer among ``size`` detainers; the others are people nobody could take for him."""
    index = PersonIndex(config=config)
    index.add("LOS-1", someone())
    for number in range(1, size):
        index.add(
            f"LOS-{number + 1}",
            someone(first_name="ZEBEDEE", last_name="QUUX" + "Z" * number, date_of_birth="1931-02-03"),
        )
    return index


def test_among_more_detainers_than_the_weights_were_fitted_with_the_thresholds_rise() -> None:
    score = decide(someone(middle_name=None), someone()).score  # type: ignore[union-attr]
    # Automatic at one bit under the score among 2 detainers; among 8, both thresholds rise by log2(8 / 2) = 2.
    config = MatchConfig(auto_min_score=score - 1, review_min_score=score - 10, reference_detainers=2)

    few = _index_of(2, config).matches(someone(middle_name=None))
    many = _index_of(8, config).matches(someone(middle_name=None))
    unscaled = _index_of(8, replace(config, scale_with_detainers=False)).matches(someone(middle_name=None))

    assert [(key, evidence.decision) for key, evidence in few] == [("LOS-1", MatchDecision.MATCH)]
    assert [(key, evidence.decision) for key, evidence in many] == [("LOS-1", MatchDecision.POSSIBLE_MATCH)]
    assert [(key, evidence.decision) for key, evidence in unscaled] == [("LOS-1", MatchDecision.MATCH)]


def test_the_shipped_thresholds_hold_up_to_the_number_of_detainers_they_were_fitted_with() -> None:
    model = fitted_model()
    fitted = int(model.thresholds["detainers"])

    assert MatchConfig().scale_bits(model, fitted) == 0.0
    assert MatchConfig().scale_bits(model, 4 * fitted) == 2.0


def test_the_thresholds_are_configuration() -> None:
    cautious = MatchConfig(auto_min_score=1000.0)

    evidence = decide(someone(), someone(), config=cautious)

    assert decision(evidence) is MatchDecision.POSSIBLE_MATCH


def test_a_record_compares_through_its_pre_normalised_form_exactly_like_the_person() -> None:
    assert decide(match_record(someone()), match_record(someone(first_name="PEPE"))) == decide(
        someone(), someone(first_name="PEPE")
    )
