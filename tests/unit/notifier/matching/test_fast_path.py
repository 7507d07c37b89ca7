"""The fast decision path decides exactly as the plain one did: same candidates, decisions, evidence, scores.

``reference.py`` keeps the matcher as it was before it was made fast (every candidate compared in
full, every margin worked out by comparing in full). Here both decide over generated bookings and
detainers with the errors a booking clerk makes, relatives who look alike, the same person filed
twice, aliases and missing birth dates, and must agree to the last bit of every score.
"""

from __future__ import annotations

import random
import string
from collections import defaultdict
from dataclasses import replace
from functools import cache

import pytest
from bench.match.generator import synthetic_dataset
from bench.match.rows import Dataset
from hypothesis import given, settings
from hypothesis import strategies as st
from jellyfish import damerau_levenshtein_distance

from notifier.matching import MatchConfig, MatchModel, MatchRecord, PersonIndex, fitted_model
from notifier.matching.compare import Comparer, _one_edit_apart, compare
from notifier.matching.decide import assess_among, decide_among
from notifier.matching.keys import filing_keys, search_keys
from notifier.matching.model import FIELD_LEVELS
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


@pytest.mark.parametrize("model", [fitted_model(), NEUTRAL], ids=["fitted model", "neutral model"])
def test_scores_and_evidence_of_any_pair_are_as_before_to_the_last_bit(model: MatchModel) -> None:
    data = _data()
    rng = random.Random(11)
    detainers = [row.record() for row in data.detainers]
    own = {row.person_id: row.record() for row in data.detainers}
    pairs = [(row.record(), own[row.person_id]) for row in data.bookings if row.person_id in own]
    pairs += [(row.record(), rng.choice(detainers)) for row in rng.sample(data.bookings, 2_000)]

    for booking, detainer in pairs:
        plain = reference.compare(booking, detainer, model)
        assert compare(booking, detainer, model) == plain
        assert compare(booking, detainer, model).levels == plain.levels
        assert Comparer(booking, model).score(detainer) == plain.score


def test_blocking_keys_are_the_same_strings_as_before() -> None:
    for row in [*_data().detainers, *_data().bookings]:
        record = row.record()
        assert search_keys(record) == reference.search_keys(record)
        assert filing_keys(record) == reference.filing_keys(record)
        assert filing_keys(record, undated_searches=True) == reference.filing_keys(record, undated_searches=True)


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
