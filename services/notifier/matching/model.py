"""The fitted model: a weight per field and agreement level, name frequencies, and thresholds.

Weights are Fellegi–Sunter log-likelihood ratios, ``log2(m / u)``: ``m`` is how
often a level is seen when two records are the same person, ``u`` when they
are not. ``bench/match/fit.py`` estimates them on data with known truth and
writes ``data/weights.json``; this module only reads that file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["FIELD_LEVELS", "FrequencyTable", "MatchModel", "fitted_model"]

# Every field the score adds up, with its levels from the strongest agreement to none.
FIELD_LEVELS: Mapping[str, tuple[str, ...]] = {
    "given_name": ("exact", "nickname", "phonetic", "similar", "middle_as_first", "initial", "disagree", "missing"),
    "middle_name": ("agree", "disagree", "missing"),
    "surname": ("exact", "reordered", "dropped", "phonetic", "similar", "partial", "disagree", "missing"),
    "date_of_birth": ("exact", "day_month_swapped", "year_typo", "day_or_month_typo", "disagree", "missing"),
    "sex": ("exact", "disagree", "missing"),
    "place_of_birth": ("exact", "disagree", "missing"),
    "identifier": ("exact", "typo", "disagree", "missing"),
    "name_order": ("straight", "swapped"),
}


@dataclass(frozen=True, slots=True)
class FrequencyTable:
    """How common each value of a name field is, turned into a weight adjustment.

    Agreeing on a rare name is stronger evidence than agreeing on a common one:
    the weight of an exact agreement on value ``v`` is ``log2(m / f_v)`` instead of
    ``log2(m / u)``, so the adjustment is ``log2(u / f_v)``, bounded.
    """

    adjustments: Mapping[str, float]
    unseen: float  # the adjustment for a value the table does not list (a rare one)

    def adjustment(self, value: str | None) -> float:
        return 0.0 if value is None else self.adjustments.get(value, self.unseen)

    @classmethod
    def from_frequencies(
        cls, frequencies: Mapping[str, float], *, collision: float, floor: float, bounds: tuple[float, float]
    ) -> FrequencyTable:
        low, high = bounds

        def bounded(frequency: float) -> float:
            return min(high, max(low, math.log2(collision / max(frequency, floor))))

        return cls({value: bounded(frequency) for value, frequency in frequencies.items()}, bounded(floor))


@dataclass(frozen=True, slots=True)
class MatchModel:
    weights: Mapping[str, Mapping[str, float]]
    frequencies: Mapping[str, FrequencyTable] = field(default_factory=dict)  # by field: given_name, surname
    thresholds: Mapping[str, float] = field(default_factory=dict)  # auto, review, margin (fitted defaults)

    def weight(self, field_name: str, level: str) -> float:
        return self.weights[field_name].get(level, 0.0)

    def adjustment(self, field_name: str, value: str | None) -> float:
        table = self.frequencies.get(field_name)
        return 0.0 if table is None else table.adjustment(value)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> MatchModel:
        weights = {
            field_name: {level: float(entry["weight"]) for level, entry in levels.items()}
            for field_name, levels in document["fields"].items()
        }
        bounds = tuple(document["term_frequency"]["bounds"])
        frequencies = {
            field_name: FrequencyTable.from_frequencies(
                table["frequencies"], collision=table["collision"], floor=table["floor"], bounds=(bounds[0], bounds[1])
            )
            for field_name, table in document["term_frequency"]["fields"].items()
        }
        return cls(weights, frequencies, {name: float(value) for name, value in document["thresholds"].items()})


@cache
def fitted_model() -> MatchModel:
    """The model shipped in ``data/weights.json``."""
    text = (files(__package__) / "data" / "weights.json").read_text(encoding="utf-8")
    return MatchModel.from_document(json.loads(text))
