"""The fitted model: a weight per field and agreement level, name frequencies, and thresholds.

Weights are Fellegi–Sunter log-likelihood ratios, ``log2(m / u)``: ``m`` is how
often a level is seen when two records are the same person, ``u`` when they
are not. ``bench/match/fit.py`` estimates them on data with known truth and
writes ``data/weights.json``; this module only reads that file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

__all__ = ["FIELD_LEVELS", "FrequencyTable", "MatchModel", "fitted_model"]

# Every field the score adds up, with its levels from the strongest agreement to none.
FIELD_LEVELS: Mapping[str, tuple[str, ...]] = {
    "given_name": ("exact", "nickname", "phonetic", "similar", "middle_as_first", "initial", "disagree", "missing"),
    "middle_name": ("agree", "disagree", "missing"),
    "surname": (
        "both_exact",
        "exact",
        "reordered",
        "dropped",
        "dropped_first",
        "phonetic",
        "similar",
        "partial",
        "disagree",
        "missing",
    ),
    "date_of_birth": (
        "exact",
        "day_month_swapped",
        "year_typo",
        "day_or_month_typo",
        "day_or_month_differs",
        "disagree",
        "missing",
    ),
    "sex": ("exact", "disagree", "missing"),
    "place_of_birth": ("exact", "disagree", "missing"),
    "identifier": ("exact", "typo", "disagree", "booking_only", "missing"),
    "name_order": ("straight", "swapped"),
}


@dataclass(frozen=True, slots=True)
class FrequencyTable:
    """How common each value of a name field is, turned into a weight adjustment.

    Agreeing on a rare name is stronger evidence than agreeing on a common one.
    The same person's records agree on a name about as often whatever the name,
    while two people agree on a name as often as it is common, so the weight of an
    agreement on the word ``w`` at a level is the level's weight plus
    ``log2(r / f_w)``, bounded: ``f_w`` how common the word is, ``r`` how common
    the word agreed on is on average among true matches at that level (the
    level's reference). Two words agreed on (two surnames) add two adjustments.
    A level with no reference of its own takes the collision rate (the chance two
    words drawn at random are the same), the reference of a single word.
    """

    frequencies: Mapping[str, float]
    collision: float
    floor: float  # the frequency of a word the table does not list (a rare one)
    bounds: tuple[float, float]  # bits
    references: Mapping[str, float] = field(default_factory=dict)  # by level

    def frequency(self, value: str) -> float:
        return max(self.frequencies.get(value, 0.0), self.floor)

    def adjustment(self, frequency: float, level: str) -> float:
        low, high = self.bounds
        return min(high, max(low, math.log2(self.references.get(level, self.collision) / frequency)))


_OTHER_NAME_FIELD = {"given_name": "surname", "surname": "given_name"}
_REMEMBERED_RARITIES = 65_536  # (field, words, level) whose rarity a model keeps worked out; then it starts afresh
_REMEMBERED_PAIRS = 65_536  # (field, value, value) a model keeps compared; then it starts afresh
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MatchModel:
    weights: Mapping[str, Mapping[str, float]]
    frequencies: Mapping[str, FrequencyTable] = field(default_factory=dict)  # by field: given_name, surname
    thresholds: Mapping[str, float] = field(default_factory=dict)  # auto, review, margin (fitted defaults)
    # ``rarity`` by its arguments, for the names seen lately: a pure function of them, and names repeat.
    _rarities: dict[tuple[str, tuple[str, ...], str], float] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # What comparing a subject's value of a field with another's came to under this model (``Comparer``: a name's
    # words, a sex, a place of birth), for the values seen lately: the same pure function of them for every subject,
    # and names repeat. By field and the subject's value, a dict by the other side's value: a subject looks its own
    # up once, then one lookup a candidate.
    _pairs: dict[tuple[str, Hashable], dict[Any, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # What a comparer works out for a subject from the memos above (``Comparer``), by the subject's values: for the
    # subjects of the same name, sex and place of birth, worked out once.
    _prepared: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _remembered: list[int] = field(default_factory=lambda: [0], init=False, repr=False, compare=False)  # entries above

    def weight(self, field_name: str, level: str) -> float:
        return self.weights[field_name].get(level, 0.0)

    def frequency(self, field_name: str, value: str) -> float | None:
        """How common a name word is: as common as in either name table (JOHNSON agreed on as a given
        name, the names written the other way round, is a common surname, not a rare given name)."""
        table = self.frequencies.get(field_name)
        if table is None:
            return None
        other = self.frequencies.get(_OTHER_NAME_FIELD.get(field_name, ""))
        return max(table.frequency(value), 0.0 if other is None else other.frequencies.get(value, 0.0))

    def adjustment(self, field_name: str, value: str | None, level: str) -> float:
        """The rarity adjustment of a name word agreed on at ``level`` (see ``FrequencyTable``)."""
        table = self.frequencies.get(field_name)
        if table is None or value is None:
            return 0.0
        return table.adjustment(self.frequency(field_name, value) or table.floor, level)

    def rarity(self, field_name: str, words: tuple[str, ...], level: str) -> float:
        """The adjustments of the words agreed on exactly at ``level``, added (two surnames as common as
        GARCIA and LOPEZ are rarer together than either is alone); 0.0 if none was."""
        if not words:
            return 0.0
        key = (field_name, words, level)
        found = self._rarities.get(key)
        if found is None:
            if len(self._rarities) >= _REMEMBERED_RARITIES:
                self._rarities.clear()
            found = self._rarities[key] = sum(self.adjustment(field_name, word, level) for word in words)
        return found

    def pairs(self, field_name: str, mine: Hashable) -> dict[Any, Any]:
        """What comparing the value ``mine`` of a field with others' came to, by their value: what
        ``remember_pair`` kept (the caller may keep the dict for its candidates)."""
        pairs = self._pairs.get((field_name, mine))
        if pairs is None:
            self._count_one()
            pairs = self._pairs[field_name, mine] = {}
        return pairs

    def remember_pair(self, pairs: dict[Any, Any], theirs: Hashable, found: T) -> T:
        """Keep ``found`` in ``pairs`` (from ``pairs``) for the value ``theirs``."""
        self._count_one()
        pairs[theirs] = found
        return found

    def prepared(self, key: Hashable, prepare: Callable[[], T]) -> T:
        """What ``prepare`` came to for ``key``, worked out the first time (``prepare`` reads ``pairs``)."""
        found: T | None = self._prepared.get(key)
        if found is None:
            found = prepare()
            self._count_one()
            self._prepared[key] = found
        return found

    def _count_one(self) -> None:
        """One more pair (or subject's value, or subject prepared) kept: past the bound, start afresh (a dict a
        caller still holds is then only its own, and goes with it)."""
        if self._remembered[0] >= _REMEMBERED_PAIRS:
            self._pairs.clear()
            self._prepared.clear()
            self._remembered[0] = 0
        self._remembered[0] += 1

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> MatchModel:
        weights = {
            field_name: {level: float(entry["weight"]) for level, entry in levels.items()}
            for field_name, levels in document["fields"].items()
        }
        low, high = document["term_frequency"]["bounds"]
        frequencies = {
            field_name: FrequencyTable(
                frequencies=table["frequencies"],
                collision=table["collision"],
                floor=table["floor"],
                bounds=(float(low), float(high)),
                references=table.get("references", {}),
            )
            for field_name, table in document["term_frequency"]["fields"].items()
        }
        return cls(weights, frequencies, {name: float(value) for name, value in document["thresholds"].items()})


@cache
def fitted_model() -> MatchModel:
    """The model shipped in ``data/weights.json``."""
    text = (files(__package__) / "data" / "weights.json").read_text(encoding="utf-8")
    return MatchModel.from_document(json.loads(text))
