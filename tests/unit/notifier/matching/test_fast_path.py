"""The fast decision path decides exactly as the plain one did: same candidates, decisions, evidence, scores.

``reference.py`` keeps the matcher as it was before it was made fast (every candidate compared in
full, every margin worked out by comparing in full). Here both decide over generated bookings and
detainers with the errors a booking clerk makes, relatives who look alike, the same person filed
twice, aliases and missing birth dates, and must agree to the last bit of every score.
"""

from __future__ import annotations

import calendar
import random
import string
from collections import defaultdict
from dataclasses import replace
from datetime import date
from functools import cache

import pytest
from bench.data import person_of
from bench.match.generator import synthetic_dataset
from bench.match.rows import Dataset
from hypothesis import given, settings
from hypothesis import strategies as st
from jellyfish import damerau_levenshtein_distance

from notifier.matching import (
    MatchConfig,
    MatchModel,
    MatchRecord,
    PersonIndex,
    blocking_keys,
    fitted_model,
    match_record,
)
from notifier.matching import model as model_module
from notifier.matching import search_keys as person_search_keys
from notifier.matching.compare import Comparer, _one_edit_apart, compare, compare_birth, identifier_levels
from notifier.matching.decide import assess_among, decide_among
from notifier.matching.keys import filing_keys, search_keys
from notifier.matching.model import FIELD_LEVELS
from notifier.matching.record import birth_number
from tests.unit.notifier.matching import reference

# Ordinal weights, as the fit compares with while it counts levels: other ties, other winners.
NEUTRAL = MatchModel(
    weights={
        field: {level: float(len(levels) - rank) for rank, level in enumerate(levels)}
        for field, levels in FIELD_LEVELS.items()
    },
    thresholds={"auto": 0.0, "review": 0.0, "margin": 0.0},
)


@cache
def _data() -> Dataset:
    """Detainers and bookings, some detainers filed twice, some people with no birth date."""
    data = synthetic_dataset(detainers=1_500, other_bookings=3_000, seed=3)
    rng = random.Random(5)
    twice = [replace(row, record_id=row.record_id + "-again") for row in rng.sample(data.detainers, 60)]
    undated = {row.record_id for row in rng.sample(data.detainers, 40)}
    detainers = [
        replace(row, date_of_birth=None) if row.record_id in undated else row for row in [*data.detainers, *twice]
    ]
    bookings = [replace(row, date_of_birth=None) if rng.random() < 0.01 else row for row in data.bookings]
    return Dataset(data.name, detainers, bookings)


@cache
def _index(identifiers: bool) -> tuple[PersonIndex, list[MatchRecord]]:
    data = _data() if identifiers else _data().without_identifiers()
    index = PersonIndex(undated_searches=True)
    index.add_many((row.record_id, row.record(), "") for row in data.detainers)
    return index, [row.record() for row in data.bookings]


@pytest.mark.parametrize("identifiers", [True, False], ids=["with identifiers", "names and birth dates only"])
@pytest.mark.parametrize(
    "config",
    [
        MatchConfig(),
        MatchConfig(auto_min_score=15.0, review_min_score=25.0),  # automatic below review: the floor moves
        MatchConfig(min_margin=40.0),  # most margins too small: "ambiguous" wherever a rival is found
        MatchConfig(auto_min_score=5.0, review_min_score=5.0),  # most candidates decided on
    ],
    ids=["fitted", "auto below review", "wide margin", "low thresholds"],
)
def test_every_booking_is_decided_exactly_as_before(identifiers: bool, config: MatchConfig) -> None:
    index, bookings = _index(identifiers)
    decided = 0

    for booking in bookings:
        candidates = index.candidate_records(booking)
        fast = decide_among(booking, candidates, config=config)
        assert fast == reference.decide_among(booking, candidates, config=config)
        decided += len(fast)

    assert decided > 100  # the comparison saw decisions, not only empty lists


def test_the_index_matches_as_the_plain_path_decides_over_its_candidates() -> None:
    index, bookings = _index(True)

    for booking in bookings:
        candidates = index.candidate_records(booking)
        assert index.matches(booking) == reference.decide_among(booking, candidates, detainers=len(index))


def test_decisions_among_any_number_of_detainers_under_any_model_are_as_before() -> None:
    index, bookings = _index(True)
    rng = random.Random(19)
    configs = [None, MatchConfig(auto_min_score=15.0, review_min_score=25.0), MatchConfig(reference_detainers=10)]
    decided = 0

    for booking in bookings[:1_500]:
        candidates = index.candidate_records(booking)
        for model in (fitted_model(), NEUTRAL):  # the thresholds of one model are never taken for the other's
            config, detainers = rng.choice(configs), rng.choice([0, 2_000, 50_000, 1_000_000])
            fast = decide_among(booking, candidates, config=config, model=model, detainers=detainers)
            assert fast == reference.decide_among(booking, candidates, config=config, model=model, detainers=detainers)
            decided += len(fast)

    assert decided > 100


def test_namesakes_from_a_short_list_of_names_are_decided_as_before() -> None:
    """The notifier benchmark's people: eight names, so a few namesakes each; one in 100 a detainer's subject."""
    index = PersonIndex()
    index.add_many((f"D-{number}", match_record(person_of(number)), "LOS") for number in range(0, 300_000, 100))
    rules: set[str] = set()

    for number in range(8_000):
        person = person_of(number)
        booked = match_record(person)
        candidates = index.candidate_records(booked)
        found = index.matches(person)
        assert found == reference.decide_among(booked, candidates, detainers=len(index))
        assert blocking_keys(person) == reference.filing_keys(booked)
        assert index.candidates(booked) >= ({f"D-{number}"} if number % 100 == 0 else set())
        rules.update(evidence.rule for _, evidence in found)

    assert "identifier" in rules  # the subjects were found, by their numbers


def test_every_match_and_possible_match_carries_its_reasons_in_words() -> None:
    index, bookings = _index(True)
    rules: set[str] = set()

    for booking in bookings:
        for _, evidence in index.matches(booking):
            rules.add(evidence.rule.partition(":")[0])
            assert evidence.reasons, evidence.rule
            assert all(reason and reason[0].isupper() for reason in evidence.reasons)

    assert rules >= {"identifier", "score", "review", "identifier_conflict"}


@pytest.mark.parametrize("model", [fitted_model(), NEUTRAL], ids=["fitted model", "neutral model"])
def test_every_assessment_the_fit_reads_is_as_before(model: MatchModel) -> None:
    index, bookings = _index(True)

    for booking in bookings[:2_000]:
        candidates = index.candidate_records(booking)
        fast = assess_among(booking, candidates, model=model, auto_min=20.0, margin_floor=0.0)
        plain = reference.assess_among(booking, candidates, model=model, auto_min=20.0, margin_floor=0.0)
        assert fast == plain
        assert [a.comparison.levels for a in fast] == [a.comparison.levels for a in plain]


def test_scores_and_evidence_of_any_pair_are_as_before_to_the_last_bit() -> None:
    data = _data()
    rng = random.Random(11)
    detainers = [row.record() for row in data.detainers]
    own = {row.person_id: row.record() for row in data.detainers}
    pairs = [(row.record(), own[row.person_id]) for row in data.bookings if row.person_id in own]
    pairs += [(row.record(), rng.choice(detainers)) for row in rng.sample(data.bookings, 2_000)]

    for booking, detainer in pairs:
        for model in (fitted_model(), NEUTRAL):  # one after the other: what one model remembers is its own
            plain = reference.compare(booking, detainer, model)
            assert compare(booking, detainer, model) == plain
            assert compare(booking, detainer, model).levels == plain.levels
            assert Comparer(booking, model).score(detainer) == plain.score


def test_a_model_that_forgets_what_it_compared_scores_as_before_and_keeps_little(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a model remembers of compared values (names, sexes, places of birth, and what a comparer
    prepares from them for a subject) is bounded: past the bound it starts afresh, while a comparer may
    still hold what it was given; scores are unchanged."""
    monkeypatch.setattr(model_module, "_REMEMBERED_PAIRS", 40)
    fitted = fitted_model()
    model = MatchModel(fitted.weights, fitted.frequencies, fitted.thresholds)  # a memo of its own
    index, bookings = _index(True)

    for booking in bookings[:600]:
        comparer = Comparer(booking, model)
        for _, detainer in index.candidate_records(booking):
            assert comparer.score(detainer) == reference.compare(booking, detainer, model).score
        assert len(model._pairs) + sum(len(pairs) for pairs in model._pairs.values()) + len(model._prepared) <= 40


def _dates_near(day: date) -> list[date]:
    """Dates one error of each kind from ``day``: every other day of its month, the same day of every other
    month, day and month swapped, and its day and month (either way round) in years a keystroke or more off."""
    near = [day.replace(day=other) for other in range(1, calendar.monthrange(day.year, day.month)[1] + 1)]
    near += [day.replace(month=month) for month in range(1, 13) if day.day <= calendar.monthrange(day.year, month)[1]]
    years = {day.year + step for step in (-11, -10, -9, -2, -1, 1, 2, 9, 10, 11, 90, 100)}
    century, last_two = divmod(day.year, 100)
    years.add(century * 100 + last_two % 10 * 10 + last_two // 10)  # the last two digits swapped
    for year in years:
        for month, day_of_month in ((day.month, day.day), (day.day, day.month)):
            if 1 <= month <= 12 and 1 <= year <= 9999 and day_of_month <= calendar.monthrange(year, month)[1]:
                near.append(date(year, month, day_of_month))
    return near


def test_birth_dates_compare_as_before() -> None:
    rng = random.Random(13)
    days = [
        date(year, month, day)
        for year in (1909, 1989, 1990, 1999, 2000)
        for month in (1, 2, 10, 12)
        for day in (1, 2, 10, 12, 21, 28)
    ]
    days += [date(1930, 1, 1) + (date(2010, 1, 1) - date(1930, 1, 1)) * rng.random() for _ in range(300)]
    seen: set[str] = set()

    for day in days:
        for other in [*_dates_near(day), None]:
            mine, theirs = birth_number(day), birth_number(other)
            assert compare_birth(mine, theirs) == reference.compare_birth(mine, theirs), (day, other)
            assert compare_birth(theirs, mine) == reference.compare_birth(theirs, mine), (other, day)
            seen.add(compare_birth(mine, theirs))

    assert seen == set(FIELD_LEVELS["date_of_birth"])  # every level was compared


def test_identifiers_compare_as_before() -> None:
    rng = random.Random(17)
    rows = [*_data().detainers, *_data().bookings]
    records = [record for record in (row.record() for row in rows) if record.identifiers()]
    own: defaultdict[str, list[MatchRecord]] = defaultdict(list)
    for row in rows:
        own[row.person_id].append(row.record())
    pairs = [(first, second) for records_of in own.values() for first in records_of for second in records_of]
    pairs += [(rng.choice(records), rng.choice(records)) for _ in range(20_000)]
    seen: set[str] = set()

    for first, second in pairs:
        levels = identifier_levels(first, second)
        assert levels == reference.identifier_levels(first, second)
        seen.update(level for _, level in levels)

    assert seen == {"exact", "typo", "disagree"}


def test_blocking_keys_are_the_same_strings_as_before() -> None:
    for row in [*_data().detainers, *_data().bookings]:
        record = row.record()
        assert search_keys(record) == reference.search_keys(record)
        assert filing_keys(record) == reference.filing_keys(record)
        assert filing_keys(record, undated_searches=True) == reference.filing_keys(record, undated_searches=True)


def test_a_booked_persons_keys_are_the_same_strings_as_before_whichever_is_asked_first() -> None:
    for number, row in enumerate(_data().bookings):
        record = row.record()
        if number % 2:  # a booking is filed before it is matched, a lodged detainer's subject searched for at once
            assert blocking_keys(record) == reference.filing_keys(record)
            assert person_search_keys(record) == reference.search_keys(record)
        else:
            assert person_search_keys(record) == reference.search_keys(record)
            assert blocking_keys(record) == reference.filing_keys(record)


def test_the_index_finds_every_entry_filed_under_a_search_key_and_no_other() -> None:
    index, bookings = _index(True)
    filed: defaultdict[str, set[str]] = defaultdict(set)
    for row in _data().detainers:
        for key in reference.filing_keys(row.record(), undated_searches=True):
            filed[key].add(row.record_id)

    for booking in bookings:
        expected = set().union(*(filed.get(key, set()) for key in reference.search_keys(booking)))
        assert index.candidates(booking) == expected


# --- an identifier one keystroke off ------------------------------------------------------------

_DIGITS = st.text(alphabet="0123", min_size=0, max_size=9)


def _one_edit(rng: random.Random, text: str) -> str:
    position = rng.randrange(len(text) + 1)
    letter = rng.choice("0123A")
    kind = rng.choice(["substitute", "delete", "insert", "transpose"])
    if kind == "insert" or not text:
        return text[:position] + letter + text[position:]
    position = min(position, len(text) - 1)
    if kind == "substitute":
        return text[:position] + letter + text[position + 1 :]
    if kind == "delete":
        return text[:position] + text[position + 1 :]
    position = min(position, len(text) - 2)
    return text if position < 0 else text[:position] + text[position + 1] + text[position] + text[position + 2 :]


@settings(max_examples=500, deadline=None)
@given(_DIGITS, _DIGITS, st.integers(0, 2**32))
def test_one_edit_apart_is_a_damerau_levenshtein_distance_of_at_most_one(a: str, b: str, seed: int) -> None:
    rng = random.Random(seed)
    for first, second in ((a, b), (a, _one_edit(rng, a)), (a, _one_edit(rng, _one_edit(rng, a)))):
        assert _one_edit_apart(first, second) == (damerau_levenshtein_distance(first, second) <= 1)


def test_one_edit_apart_on_identifiers_that_look_alike() -> None:
    rng = random.Random(1)
    numbers = ["".join(rng.choice(string.digits) for _ in range(rng.randrange(5, 11))) for _ in range(300)]
    for number in numbers:
        for _ in range(20):
            other = _one_edit(rng, number if rng.random() < 0.5 else _one_edit(rng, number))
            assert _one_edit_apart(number, other) == (damerau_levenshtein_distance(number, other) <= 1)
