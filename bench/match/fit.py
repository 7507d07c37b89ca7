"""Fit the matcher's weights and thresholds on the fit half of the data, and ship them as data.

``python -m bench.match.fit`` writes ``services/notifier/matching/data/weights.json``
(``make bench-match`` runs it first, then reports on the other half):

- **m**: for each field, how often each agreement level is seen between a
  subject's booking and their own detainer; **u**: between a booking and a
  random other person's detainer. The weight is ``log2(m / u)`` (missing
  information weighs nothing).
- **name frequencies**: how common each first given name and each surname is
  in the fit records, so that agreeing on a rare name weighs more.
- **thresholds**: the automatic-match score that best trades matches found
  against false ones (one false automatic match costs as much as 1,000 missed
  ones, which go to review instead), among those whose precision on the fit
  half is at least 0.9995 pooled and 0.999 on every variant; then the lowest
  review score that keeps reviews within budget (4.5 per 1,000 bookings at
  2% prevalence) on every variant. The margin over the runner-up is set, not
  fitted.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.match.evaluate import PREVALENCE, assessments
from bench.match.febrl import febrl_dataset
from bench.match.generator import SEED, synthetic_dataset
from bench.match.rows import Dataset
from contracts import MatchDecision
from notifier.matching import MatchModel
from notifier.matching.compare import compare
from notifier.matching.decide import Assessment
from notifier.matching.model import FIELD_LEVELS

__all__ = ["fit", "main"]

TARGET = Path(__file__).resolve().parents[2] / "services/notifier/matching/data/weights.json"
U_PAIRS = 300_000  # random non-matching pairs per data set, for u
SMOOTHING = 0.5  # added to every level's count (a level never seen is rare, not impossible)
WEIGHT_BOUND = 15.0  # bits: no single field may decide alone
TF_BOUNDS = (-5.0, 5.0)  # bits: the rarity adjustment of a name
TOP_NAMES = 5_000  # names listed in the frequency tables, most common first
MARGIN = 3.0  # bits over the runner-up (8 to 1) for an automatic match
PRECISION_POOLED = 0.9995
PRECISION_EACH = 0.999
FALSE_ALERT_COST = 1000  # a false automatic match costs as much as this many missed ones (those go to review)
REVIEW_BUDGET = 4.5  # reviews per 1,000 bookings at the field's prevalence (the target is 5)

# Ordinal weights used only to pick the best pair of name forms while counting levels.
NEUTRAL = MatchModel(
    weights={
        field: {level: float(len(levels) - rank) for rank, level in enumerate(levels)}
        for field, levels in FIELD_LEVELS.items()
    },
    thresholds={"auto": 0.0, "review": 0.0, "margin": 0.0},
)


def _levels_of(comparison: Any) -> dict[str, str]:
    return {scored.field: scored.level for scored in comparison.fields}


def _count_levels(datasets: Sequence[Dataset], rng: random.Random) -> tuple[dict[str, Counter[str]], ...]:
    m_counts: dict[str, Counter[str]] = defaultdict(Counter)
    u_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for dataset in datasets:
        detainers = {row.person_id: row.record() for row in dataset.detainers}
        bookings = [(row.person_id, row.record()) for row in dataset.bookings]
        for person, record in bookings:
            if person in detainers:
                for field, level in _levels_of(compare(record, detainers[person], NEUTRAL)).items():
                    m_counts[field][level] += 1
        people = list(detainers)
        for _ in range(U_PAIRS):
            person, record = rng.choice(bookings)
            other = rng.choice(people)
            if other != person:
                for field, level in _levels_of(compare(record, detainers[other], NEUTRAL)).items():
                    u_counts[field][level] += 1
    return m_counts, u_counts


def _probability(counts: Counter[str], level: str, levels: Sequence[str]) -> float:
    total = sum(counts.values()) + SMOOTHING * len(levels)
    return (counts[level] + SMOOTHING) / total


def _field_weights(m_counts: dict[str, Counter[str]], u_counts: dict[str, Counter[str]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for field, levels in FIELD_LEVELS.items():
        fields[field] = {}
        for level in levels:
            m = _probability(m_counts[field], level, levels)
            u = _probability(u_counts[field], level, levels)
            # Missing information weighs nothing; the name order is chosen as the better of two, so
            # its own m/u would only echo that choice: the name fields carry the evidence.
            neutral = level == "missing" or field == "name_order"
            weight = 0.0 if neutral else max(-WEIGHT_BOUND, min(WEIGHT_BOUND, math.log2(m / u)))
            fields[field][level] = {"m": round(m, 6), "u": round(u, 8), "weight": round(weight, 3)}
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
    tables = {}
    for field, counts in (("given_name", given), ("surname", surnames)):
        total = sum(counts.values())
        frequencies = {name: count / total for name, count in counts.most_common(TOP_NAMES) if count >= 2}
        tables[field] = {
            "collision": round(sum((count / total) ** 2 for count in counts.values()), 8),
            "floor": round(1 / total, 10),
            "frequencies": {name: round(value, 8) for name, value in sorted(frequencies.items())},
        }
    return {"bounds": list(TF_BOUNDS), "fields": tables}


Facts = list[tuple[bool, list[tuple[bool, Assessment[str]]]]]


def _tally(facts: Facts, auto: float, review: float) -> dict[str, float]:
    auto_true = auto_false = reviews_subjects = reviews_others = subjects = others = found = 0
    for is_subject, candidates in facts:
        subjects += is_subject
        others += not is_subject
        for correct, assessment in candidates:
            outcome = assessment.decision(auto, review, MARGIN)
            if outcome is None:
                continue
            if outcome[0] is MatchDecision.MATCH:
                auto_true += correct
                auto_false += not correct
            else:
                reviews_subjects += is_subject
                reviews_others += not is_subject
            found += correct
    decided = auto_true + auto_false
    per_subject = reviews_subjects / subjects if subjects else 0.0
    per_other = reviews_others / others if others else 0.0
    return {
        "auto_true": auto_true,
        "auto_false": auto_false,
        "precision": auto_true / decided if decided else 1.0,
        "recall": auto_true / subjects if subjects else 0.0,
        "found": found / subjects if subjects else 0.0,
        "reviews_per_1000": 1000 * (PREVALENCE * per_subject + (1 - PREVALENCE) * per_other),
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
    pooled = [entry for entries in facts.values() for entry in entries]
    grid = [step / 2 for step in range(121)]  # 0 to 60 bits

    def meets_precision(threshold: float) -> bool:
        if _tally(pooled, threshold, grid[-1])["precision"] < PRECISION_POOLED:
            return False
        return all(_tally(entries, threshold, grid[-1])["precision"] >= PRECISION_EACH for entries in facts.values())

    def utility(threshold: float) -> float:
        tally = _tally(pooled, threshold, grid[-1])
        return tally["auto_true"] - FALSE_ALERT_COST * tally["auto_false"]

    auto = max((threshold for threshold in grid if meets_precision(threshold)), key=utility, default=grid[-1])
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
    m_counts, u_counts = _count_levels(fit_halves, rng)
    document: dict[str, Any] = {
        "fitted": {
            "by": "bench/match/fit.py",
            "data": [
                {"name": half.name, "detainers": len(half.detainers), "bookings": len(half.bookings)}
                for half in fit_halves
            ],
            "u_pairs_per_data_set": U_PAIRS,
            "method": "m from each subject's booking and own detainer, u from random other pairs; weight log2(m/u)",
        },
        "fields": _field_weights(m_counts, u_counts),
        "term_frequency": _frequencies(fit_halves),
        "thresholds": {"auto": 0.0, "review": 0.0, "margin": MARGIN},
    }
    model = MatchModel.from_document(document)
    variants = [variant for half in fit_halves for variant in (half, half.without_identifiers())]
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
