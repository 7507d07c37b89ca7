"""The matching benchmark's own arithmetic: what the report says about Splink and about the hard rules."""

from __future__ import annotations

from datetime import date

import pytest
from bench.match.evaluate import NUMBER_CONFLICTS, NUMBER_CONTRADICTED, TWIN_LIKE, evaluate, precision_at_mix
from bench.match.report import allowed_false_per_1000_others, render
from bench.match.rows import Dataset, Row
from bench.match.splink_reference import recall_at_floor


def test_recall_at_the_precision_floor_stops_before_the_first_false_pair_it_cannot_afford() -> None:
    pairs = [(0.99, True), (0.95, True), (0.90, False), (0.80, True)]

    assert recall_at_floor(pairs, subjects=4, floor=0.999) == 0.5
    assert recall_at_floor(pairs, subjects=4, floor=0.7) == 0.75


def test_pairs_tied_on_probability_are_taken_together() -> None:
    # One threshold cannot take the true pair at 0.9 without the false one.
    assert recall_at_floor([(0.9, True), (0.9, False)], subjects=1, floor=0.999) == 0.0


def _row(record_id: str, person_id: str, first: str, last: str = "HASSALL") -> Row:
    return Row(record_id, person_id, first, last, date(1904, 6, 22))


def test_a_subject_booked_under_another_given_name_is_counted_as_looking_like_a_twin() -> None:
    data = Dataset(
        "tiny",
        detainers=[_row("D-1", "p1", "NICHOLAS"), _row("D-2", "p2", "ANNA", "MOORE")],
        bookings=[_row("B-1", "p1", "DAYNA"), _row("B-2", "p2", "ANNA", "MOORE")],
        has_sex=False,
    )

    outcome = evaluate(data)

    assert outcome.within_hard_rules == 1
    assert outcome.beyond_hard_rules == {TWIN_LIKE: 1}
    report = render(_results(outcome.summary()))
    assert f"| {TWIN_LIKE} | 50.00% |" in report


def _results(ours: dict[str, object], **more: object) -> dict[str, object]:
    return {
        "thresholds": {"auto": 28.0, "review": 21.5, "margin": 3.0},
        "prevalence": 0.02,
        "accuracy": [{"data": "tiny", "identifiers": False, "ours": ours, "splink": _splink()}],
        "seconds": 1,
        "machine": {"cpu_count": 1, "python": "3.11"},
        **more,
    }


def test_precision_0999_at_the_fields_mix_allows_about_002_false_matches_per_1000_others() -> None:
    allowed = allowed_false_per_1000_others(0.02, recall=0.95)

    assert allowed == pytest.approx(0.0194, abs=1e-4)
    assert precision_at_mix(0.95, 0.0, allowed / 1000) == pytest.approx(0.999)
    # The same rate at a data set's own mix (as many subjects as others) would read as 0.99998.
    assert precision_at_mix(0.95, 0.0, 10 * allowed / 1000) < 0.999


def test_a_subjects_booking_whose_number_conflicts_is_beyond_the_hard_rules_and_no_match() -> None:
    wanted = Row("D-1", "p1", "NICHOLAS", "HASSALL", date(1904, 6, 22), a_number="A012345678")
    booked = Row("B-1", "p1", "NICHOLAS", "HASSALL", date(1904, 6, 22), a_number="A099999999")
    data = Dataset("tiny", detainers=[wanted], bookings=[booked], has_sex=False)

    outcome = evaluate(data)

    assert outcome.within_hard_rules == 0
    assert outcome.beyond_hard_rules == {NUMBER_CONFLICTS: 1}
    assert (outcome.auto_true, outcome.review_true) == (0, 1)


def test_a_subjects_booking_whose_equal_number_is_contradicted_is_beyond_what_may_match_automatically() -> None:
    # The rules send an equal A-number with a conflicting sex to review, whatever the thresholds.
    wanted = Row("D-1", "p1", "NICHOLAS", "HASSALL", date(1904, 6, 22), sex="M", a_number="A012345678")
    booked = Row("B-1", "p1", "NICHOLAS", "HASSALL", date(1904, 6, 22), sex="F", a_number="A012345678")

    outcome = evaluate(Dataset("tiny", detainers=[wanted], bookings=[booked]))

    assert outcome.within_hard_rules == 0
    assert outcome.beyond_hard_rules == {NUMBER_CONTRADICTED: 1}


def test_the_report_holds_a_data_set_to_each_target_and_says_which_it_misses() -> None:
    data = Dataset(
        "tiny",
        detainers=[_row("D-1", "p1", "NICHOLAS"), _row("D-2", "p2", "ANNA", "MOORE")],
        bookings=[_row("B-1", "p1", "DAYNA"), _row("B-2", "p2", "ANNA", "MOORE")],
        has_sex=False,
    )
    conflicts = {"data": "tiny, another A-number", "field": "a_number", "ours": evaluate(data).summary()}

    report = render(_results(evaluate(data).summary(), conflicts=[conflicts]))

    assert "| auto precision ≥ 0.999 at the field's mix (tiny, without identifiers) | 1.00000 | yes |" in report
    assert "| found ≥ 0.9 (tiny, without identifiers) | 1.0000 | yes |" in report  # DAYNA was sent to review
    reviews = "| ≤ 5 reviews per 1,000 bookings at the field's mix (tiny, without identifiers) | 10.00 | **no** |"
    assert reviews in report
    assert "| 0 automatic matches (tiny, another A-number) | 1 | **no** |" in report


def _splink() -> dict[str, float]:
    return dict.fromkeys(("precision_at_half", "recall_at_half", "f1_at_half", "best_f1", "recall_at_floor"), 0.5)


def test_records_the_api_would_refuse_are_left_out_and_their_subject_becomes_someone_else() -> None:
    undated = Row("D-2", "p2", "ANNA", "MOORE", None)
    data = Dataset(
        "tiny",
        detainers=[_row("D-1", "p1", "NICHOLAS"), undated],
        bookings=[_row("B-1", "p1", "NICHOLAS"), _row("B-2", "p2", "ANNA", "MOORE"), Row("B-3", "p3", None, "X", None)],
        has_sex=False,
    )

    accepted = data.accepted_by_api()

    assert [row.record_id for row in accepted.detainers] == ["D-1"]
    assert [row.record_id for row in accepted.bookings] == ["B-1", "B-2"]
    outcome = evaluate(accepted)
    assert (outcome.subject_bookings, outcome.other_bookings) == (1, 1)
