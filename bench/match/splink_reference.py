"""The reference: the same split through Splink (Fellegi–Sunter, parameters by EM; bench only).

Splink gets the same folded names our matcher sees (first given name, the
surnames as one string), the date of birth, sex, place of birth and each
identifier that the variant carries, with its out-of-the-box comparisons.
It is trained unsupervised on the report half itself (how it is used: no
labels), then scores the blocked pairs. Its F1 is reported at match
probability 0.5 and at the best threshold in hindsight (an upper bound for it),
and its recall when held, in hindsight too, to the precision floor our
automatic matches must keep (0.999).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bench.match.rows import Dataset, Row

__all__ = ["PRECISION_FLOOR", "SplinkOutcome", "recall_at_floor", "splink_reference"]

PRECISION_FLOOR = 0.999  # the precision our automatic matches must keep


@dataclass(frozen=True)
class SplinkOutcome:
    precision_at_half: float
    recall_at_half: float
    f1_at_half: float
    best_f1: float
    best_threshold: float
    precision_at_best: float
    recall_at_best: float
    recall_at_floor: float  # the most it finds at precision >= PRECISION_FLOOR, threshold chosen in hindsight

    def summary(self) -> dict[str, float]:
        return {name: round(value, 4) for name, value in self.__dict__.items()}


def _frame_rows(rows: list[Row], has_sex: bool) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        record = row.record()
        form = record.primary
        entry: dict[str, Any] = {
            "unique_id": row.record_id,
            "first_name": form.given[0] if form.given else None,
            "surname": " ".join(form.surnames) or None,
            "dob": row.date_of_birth.isoformat() if row.date_of_birth else None,
            "a_number": record.a_number,
            "fbi_number": record.fbi_number,
            "state_id": record.state_id,
        }
        if has_sex:
            entry["sex"] = record.sex
            entry["place_of_birth"] = record.place_of_birth
        out.append(entry)
    return out


def recall_at_floor(pairs: list[tuple[float, bool]], subjects: int, floor: float = PRECISION_FLOOR) -> float:
    """The highest recall over thresholds (each pair's probability in turn) whose precision is at least ``floor``."""
    best = true = 0
    ranked = sorted(pairs, key=lambda pair: -pair[0])
    for predicted, (probability, correct) in enumerate(ranked, start=1):
        true += correct
        tied_with_next = predicted < len(ranked) and ranked[predicted][0] == probability
        if not tied_with_next and true >= floor * predicted:
            best = max(best, true)
    return best / subjects if subjects else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def splink_reference(dataset: Dataset) -> SplinkOutcome:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    left = pd.DataFrame(_frame_rows(dataset.detainers, dataset.has_sex))
    right = pd.DataFrame(_frame_rows(dataset.bookings, dataset.has_sex))
    identifiers = [name for name in ("a_number", "fbi_number", "state_id") if left[name].notna().any()]
    comparisons = [
        cl.NameComparison("first_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        *(cl.ExactMatch(name) for name in identifiers),
    ]
    if dataset.has_sex:
        comparisons += [cl.ExactMatch("sex"), cl.ExactMatch("place_of_birth")]
    blocking = [
        block_on("first_name", "dob"),
        block_on("surname", "dob"),
        block_on("first_name", "surname"),
        *(block_on(name) for name in identifiers),
    ]
    settings = SettingsCreator(
        link_type="link_only", comparisons=comparisons, blocking_rules_to_generate_predictions=blocking
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(left), db_api.register(right)], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    scored = linker.inference.predict(threshold_match_probability=0.001).as_pandas_dataframe()

    person_of = {row.record_id: row.person_id for row in [*dataset.detainers, *dataset.bookings]}
    subject_bookings = sum(1 for row in dataset.bookings if row.person_id in dataset.subject_ids)
    pairs = [
        (float(probability), person_of[left_id] == person_of[right_id])
        for left_id, right_id, probability in zip(
            scored["unique_id_l"], scored["unique_id_r"], scored["match_probability"], strict=True
        )
    ]

    def at(threshold: float) -> tuple[float, float]:
        predicted = [correct for probability, correct in pairs if probability >= threshold]
        true = sum(predicted)
        return (true / len(predicted) if predicted else 1.0), true / subject_bookings

    precision_half, recall_half = at(0.5)
    best = max(
        ((threshold, *at(threshold)) for threshold in [0.001 * 10 ** (k / 10) for k in range(31)]),
        key=lambda item: _f1(item[1], item[2]),
    )
    return SplinkOutcome(
        precision_half,
        recall_half,
        _f1(precision_half, recall_half),
        _f1(best[1], best[2]),
        best[0],
        best[1],
        best[2],
        recall_at_floor(pairs, subject_bookings),
    )
