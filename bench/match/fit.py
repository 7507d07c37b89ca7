"""Fit the matcher's weights and thresholds on the fit half of the data, and ship them as data.

``python -m bench.match.fit`` writes ``services/notifier/matching/data/weights.json``
(``make bench-match`` runs it first, then reports on the other half):

- **m**: for each field, how often each agreement level is seen between a
  subject's booking and their own detainer; **u**: between a booking and a
  random other person's detainer. The weight is ``log2(m / u)`` (missing
  information weighs nothing). Each data set is counted on its own and the
  data sets pooled with the same share in ``m`` as in ``u`` (their share of
  subjects): a data set without a field (FEBRL has no sex) would otherwise
  make agreeing on that field look rarer among other people than it is.
- **sex and place of birth among namesakes**: their agreement is weighed by
  how often it is seen between other people whose given name (for sex) or a
  surname (for place of birth) is the same word, not between any two people.
  An automatic match needs the names to agree first, and then JOSE says the
  person is a man, and GARCIA LOPEZ that Mexico is no coincidence: counted as
  if independent, they would add bits the names already gave.
- **name frequencies**: how common each first given name and each surname is
  in the fit records, so that agreeing on a rare name weighs more.
- **thresholds**, on what the service can receive (FEBRL without the
  records the API refuses, and the synthetic people; each with and without
  identifiers): the lowest automatic-match score from which precision at the
  field's mix (2% of bookings a subject's) is at least 0.999 on every
  variant, at that score and every one above it (a single lucky threshold
  between two false matches would not hold on other data), then
  the lowest review score that keeps reviews within budget (4.5 per 1,000
  bookings at the field's mix) on every variant. The synthetic set carries
  200,000 bookings of people with no detainer in each half, enough to tell a
  threshold with 0.01 false matches per 1,000 of them from one with 0.1. The
  margin over the runner-up is set, not fitted.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.match.evaluate import PREVALENCE, assessments, precision_at_mix
from bench.match.febrl import febrl_dataset
from bench.match.generator import SEED, synthetic_dataset
from bench.match.rows import Dataset
from contracts import MatchDecision
from notifier.matching import MatchModel, MatchRecord
from notifier.matching.compare import compare, compare_given, compare_surnames
from notifier.matching.decide import Assessment
from notifier.matching.model import FIELD_LEVELS

__all__ = ["fit", "main"]

TARGET = Path(__file__).resolve().parents[2] / "services/notifier/matching/data/weights.json"
U_PAIRS = 300_000  # random non-matching pairs per data set, for u
NAMESAKE_PAIRS = 60_000  # non-matching pairs sharing a given name (or a surname) per data set, for sex (or place)
SMOOTHING = 0.5  # added to every level's count (a level never seen is rare, not impossible)
WEIGHT_BOUND = 15.0  # bits: no single field may decide alone
TF_BOUNDS = (-5.0, 5.0)  # bits: the rarity adjustment of a name
TOP_NAMES = 5_000  # names listed in the frequency tables, most common first
MARGIN = 3.0  # bits over the runner-up (8 to 1) for an automatic match
PRECISION_EACH = 0.999  # at the field's mix, on every variant, at the threshold and every one above it
REVIEW_BUDGET = 4.5  # reviews per 1,000 bookings at the field's prevalence (the target is 5)
# Fields whose agreement is weighed among namesakes, and the name field that makes two people namesakes.
AMONG_NAMESAKES = {"sex": "given_name", "place_of_birth": "surname"}

# Ordinal weights used only to pick the best pair of name forms while counting levels.
NEUTRAL = MatchModel(
    weights={
        field: {level: float(len(levels) - rank) for rank, level in enumerate(levels)}
        for field, levels in FIELD_LEVELS.items()
    },
    thresholds={"auto": 0.0, "review": 0.0, "margin": 0.0},
)

Counts = dict[str, Counter[str]]  # by field: how often each level was seen


@dataclass
class _LevelCounts:
    """One data set's counts: the same person (m), any two people (u), namesakes (for AMONG_NAMESAKES)."""

    subjects: int = 0
    same: Counts = field(default_factory=lambda: defaultdict(Counter))
    other: Counts = field(default_factory=lambda: defaultdict(Counter))
    namesakes: Counts = field(default_factory=lambda: defaultdict(Counter))


def _levels_of(comparison: Any) -> dict[str, str]:
    return {scored.field: scored.level for scored in comparison.fields}


def _count(counts: Counts, booking: MatchRecord, detainer: MatchRecord) -> None:
    for name, level in _levels_of(compare(booking, detainer, NEUTRAL)).items():
        counts[name][level] += 1


def _first_given(record: MatchRecord) -> tuple[str, ...]:
    return record.primary.given[:1]


def _surnames(record: MatchRecord) -> tuple[str, ...]:
    return record.primary.surnames


# The words that make two people namesakes, by name field.
_NAME_WORDS: dict[str, Callable[[MatchRecord], tuple[str, ...]]] = {"given_name": _first_given, "surname": _surnames}


def _by_word(
    detainers: dict[str, MatchRecord], words_of: Callable[[MatchRecord], tuple[str, ...]]
) -> dict[str, list[str]]:
    found: defaultdict[str, list[str]] = defaultdict(list)
    for person, record in detainers.items():
        for word in words_of(record):
            found[word].append(person)
    return found


def _count_dataset(dataset: Dataset, rng: random.Random) -> _LevelCounts:
    counts = _LevelCounts()
    detainers = {row.person_id: row.record() for row in dataset.detainers}
    bookings = [(row.person_id, row.record()) for row in dataset.bookings]
    for person, record in bookings:
        if person in detainers:
            counts.subjects += 1
            _count(counts.same, record, detainers[person])
    people = list(detainers)
    for _ in range(U_PAIRS):
        person, record = rng.choice(bookings)
        other = rng.choice(people)
        if other != person:
            _count(counts.other, record, detainers[other])
    for field_name, name_field in AMONG_NAMESAKES.items():
        words_of = _NAME_WORDS[name_field]
        sharing = _by_word(detainers, words_of)
        drawn = 0
        for _ in range(NAMESAKE_PAIRS * 4):  # a booking whose name no detainer shares is a draw in vain
            person, record = rng.choice(bookings)
            words = words_of(record)
            others = sharing.get(rng.choice(words)) if words else None
            other = rng.choice(others) if others else person
            if other != person:
                level = _levels_of(compare(record, detainers[other], NEUTRAL))[field_name]
                counts.namesakes[field_name][level] += 1
                drawn += 1
                if drawn == NAMESAKE_PAIRS:
                    break
    return counts


def _probability(counts: Counter[str], level: str, levels: Sequence[str]) -> float:
    total = sum(counts.values()) + SMOOTHING * len(levels)
    return (counts[level] + SMOOTHING) / total


def _pooled(per_dataset: Sequence[_LevelCounts], which: str, name: str, level: str) -> float:
    """A level's probability, each data set's weighing as its share of subjects."""
    subjects = sum(counts.subjects for counts in per_dataset) or 1
    levels = FIELD_LEVELS[name]
    return sum(
        counts.subjects / subjects * _probability(getattr(counts, which)[name], level, levels) for counts in per_dataset
    )


def _field_weights(per_dataset: Sequence[_LevelCounts]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, levels in FIELD_LEVELS.items():
        fields[name] = {}
        for level in levels:
            m = _pooled(per_dataset, "same", name, level)
            among_namesakes = name in AMONG_NAMESAKES and level == "exact"
            u = _pooled(per_dataset, "namesakes" if among_namesakes else "other", name, level)
            if level == "missing":
                weight = 0.0  # missing information weighs nothing
            elif name == "name_order":
                # Two people's names agree by chance as readily read one way as the other; the same
                # person's are written the other way round only so often: that is what a swap costs.
                straight = _pooled(per_dataset, "same", name, "straight")
                weight = max(-WEIGHT_BOUND, min(0.0, math.log2(m / straight)))
            else:
                weight = max(-WEIGHT_BOUND, min(WEIGHT_BOUND, math.log2(m / u)))
            fields[name][level] = {"m": round(m, 6), "u": round(u, 8), "weight": round(weight, 3)}
            if among_namesakes:
                fields[name][level]["u_among"] = f"namesakes by {AMONG_NAMESAKES[name]}"
    return fields


def _frequencies(datasets: Sequence[Dataset]) -> dict[str, Any]:
    given: Counter[str] = Counter()
    surnames: Counter[str] = Counter()
    for dataset in datasets:
        for row in [*dataset.detainers, *dataset.bookings]:
            form = row.record().primary
            if form.given:
                given[form.given[0]] += 1
            surnames.update(form.surnames)
    tables: dict[str, Any] = {}
    for field_name, counts in (("given_name", given), ("surname", surnames)):
        total = sum(counts.values())
        frequencies = {name: count / total for name, count in counts.most_common(TOP_NAMES) if count >= 2}
        tables[field_name] = {
            "collision": round(sum((count / total) ** 2 for count in counts.values()), 8),
            "floor": round(1 / total, 10),
            "frequencies": {name: round(value, 8) for name, value in sorted(frequencies.items())},
        }
    for field_name, references in _references(datasets, tables).items():
        tables[field_name]["references"] = references
    return {"bounds": list(TF_BOUNDS), "fields": tables}


def _agreed_words(booking: MatchRecord, detainer: MatchRecord) -> dict[str, tuple[str, tuple[str, ...]]]:
    """(level, the words agreed on exactly) of the given name and the surnames, as the comparison read them."""
    comparison = compare(booking, detainer, NEUTRAL)
    i, j = comparison.forms
    mine, theirs = booking.forms[i], detainer.forms[j]
    if comparison.level("name_order") == "swapped":
        return {
            "given_name": compare_given(mine.given, theirs.surnames),
            "surname": compare_surnames(mine.surnames, theirs.given),
        }
    return {
        "given_name": compare_given(mine.given, theirs.given),
        "surname": compare_surnames(mine.surnames, theirs.surnames),
    }


def _references(datasets: Sequence[Dataset], tables: dict[str, Any]) -> dict[str, dict[str, float]]:
    """By name field and level: how common the word agreed on is, on average, when the same person's
    records agree at that level (``FrequencyTable``: a word's rarity is weighed against it)."""
    model = MatchModel.from_document(
        {"fields": {}, "term_frequency": {"bounds": list(TF_BOUNDS), "fields": tables}, "thresholds": {}}
    )
    totals: defaultdict[str, defaultdict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for dataset in datasets:
        detainers = {row.person_id: row.record() for row in dataset.detainers}
        for row in dataset.bookings:
            if row.person_id in detainers:
                for field_name, (level, words) in _agreed_words(row.record(), detainers[row.person_id]).items():
                    totals[field_name][level].extend(model.frequency(field_name, word) or 0.0 for word in words)
    return {
        field_name: {level: round(sum(found) / len(found), 8) for level, found in sorted(levels.items()) if found}
        for field_name, levels in totals.items()
    }


Facts = list[tuple[bool, list[tuple[bool, Assessment[str]]]]]


def _tally(facts: Facts, auto: float, review: float) -> dict[str, float]:
    auto_true = false_on_subjects = false_on_others = reviews_subjects = reviews_others = 0
    subjects = others = found = 0
    for is_subject, candidates in facts:
        subjects += is_subject
        others += not is_subject
        for correct, assessment in candidates:
            outcome = assessment.decision(auto, review, MARGIN)
            if outcome is None:
                continue
            if outcome[0] is MatchDecision.MATCH:
                auto_true += correct
                false_on_subjects += is_subject and not correct
                false_on_others += not is_subject
            else:
                reviews_subjects += is_subject
                reviews_others += not is_subject
            found += correct
    per_subject = 1 / subjects if subjects else 0.0
    per_other = 1 / others if others else 0.0
    return {
        "auto_true": auto_true,
        "auto_false": false_on_subjects + false_on_others,
        "precision_at_mix": precision_at_mix(
            auto_true * per_subject, false_on_subjects * per_subject, false_on_others * per_other
        ),
        "recall": auto_true * per_subject,
        "found": found * per_subject,
        "reviews_per_1000": 1000
        * (PREVALENCE * reviews_subjects * per_subject + (1 - PREVALENCE) * reviews_others * per_other),
    }


def _thresholds(model: MatchModel, variants: Sequence[Dataset]) -> dict[str, Any]:
    nominal_auto = 20.0
    facts = {
        variant.name: [
            (is_subject, candidates)
            for _, is_subject, candidates in assessments(variant, model=model, auto_min=nominal_auto, margin_floor=0.0)
        ]
        for variant in variants
    }
    grid = [step / 2 for step in range(121)]  # 0 to 60 bits

    def meets_precision(threshold: float) -> bool:
        return all(
            _tally(entries, threshold, grid[-1])["precision_at_mix"] >= PRECISION_EACH for entries in facts.values()
        )

    auto = grid[-1]  # the lowest score from which every higher one keeps the precision too
    for threshold in reversed(grid):
        if not meets_precision(threshold):
            break
        auto = threshold
    review = next(
        (
            threshold
            for threshold in grid
            if all(_tally(entries, auto, threshold)["reviews_per_1000"] <= REVIEW_BUDGET for entries in facts.values())
        ),
        grid[-1],
    )
    on_fit_half = {name: _tally(entries, auto, review) for name, entries in facts.items()}
    # The thresholds hold among this many detainers; the notifier raises them among more.
    detainers = max(len(variant.detainers) for variant in variants)
    return {"auto": auto, "review": review, "margin": MARGIN, "detainers": detainers, "on_fit_half": on_fit_half}


def fit(fit_halves: Sequence[Dataset]) -> dict[str, Any]:
    """The weights document for these fit halves (each with its identifiers; variants without are made here)."""
    rng = random.Random(SEED)
    per_dataset = [_count_dataset(half, rng) for half in fit_halves]
    document: dict[str, Any] = {
        "fitted": {
            "by": "bench/match/fit.py",
            "data": [
                {"name": half.name, "detainers": len(half.detainers), "bookings": len(half.bookings)}
                for half in fit_halves
            ],
            "u_pairs_per_data_set": U_PAIRS,
            "namesake_pairs_per_data_set": NAMESAKE_PAIRS,
            "method": "m from each subject's booking and own detainer, u from random other pairs (sex and place "
            "of birth agreeing: from namesakes); data sets pooled by their share of subjects; weight log2(m/u)",
        },
        "fields": _field_weights(per_dataset),
        "term_frequency": _frequencies(fit_halves),
        "thresholds": {"auto": 0.0, "review": 0.0, "margin": MARGIN},
    }
    model = MatchModel.from_document(document)
    received = [half.accepted_by_api() for half in fit_halves]
    variants = [variant for half in received for variant in (half, half.without_identifiers())]
    chosen = _thresholds(model, variants)
    document["fitted"]["thresholds_on_fit_half"] = chosen.pop("on_fit_half")
    document["thresholds"] = chosen
    return document


def fit_halves() -> list[Dataset]:
    return [febrl_dataset().half(0), synthetic_dataset().half(0)]


def write(document: dict[str, Any]) -> None:
    TARGET.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def main() -> None:
    document = fit(fit_halves())
    write(document)
    print(f"wrote {TARGET}: thresholds {document['thresholds']}")


if __name__ == "__main__":
    main()
