"""Comparing two records field by field: each field's agreement level and its weight.

The levels are what a reviewer reads in an alert's evidence ("surname: dropped,
date_of_birth: day_month_swapped"); the weights, added up, are the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import NamedTuple

from jellyfish import damerau_levenshtein_distance, jaro_winkler_similarity

from notifier.matching.model import MatchModel
from notifier.matching.normalise import phonetic_code, token_canon
from notifier.matching.record import MatchRecord, NameForm

__all__ = [
    "Comparison",
    "FieldScore",
    "compare",
    "compare_birth",
    "compare_given",
    "compare_middle",
    "compare_surnames",
    "identifier_levels",
]

SIMILAR = 0.9  # Jaro-Winkler at or above which two name words are "similar" (one typo in a short word)


class FieldScore(NamedTuple):  # a tuple: made by the million, it must be cheap
    field: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class Comparison:
    """How a candidate compares with the subject."""

    fields: tuple[FieldScore, ...]  # every scored field, in a fixed order
    score: float
    identifiers: tuple[tuple[str, str], ...]  # (field, exact|typo|disagree) for each identifier both carry
    used_alias: bool = False
    levels: dict[str, str] = dataclass_field(default_factory=dict, compare=False)  # by field, filled from ``fields``

    def __post_init__(self) -> None:
        self.levels.update((scored.field, scored.level) for scored in self.fields)

    def level(self, field_name: str) -> str:
        return self.levels.get(field_name, "missing")

    @property
    def equal_identifiers(self) -> tuple[str, ...]:
        return tuple(name for name, level in self.identifiers if level == "exact")


# --- one field at a time ---------------------------------------------------------------


def _word_level(mine: str, theirs: str) -> str | None:
    if mine == theirs:
        return "exact"
    if phonetic_code(mine) == phonetic_code(theirs):
        return "phonetic"
    if min(len(mine), len(theirs)) >= 3 and jaro_winkler_similarity(mine, theirs) >= SIMILAR:
        return "similar"
    return None


Agreement = tuple[str, tuple[str, ...]]  # (level, the words agreed on exactly: their rarity adds weight)


def compare_given(mine: tuple[str, ...], theirs: tuple[str, ...]) -> Agreement:
    """The first given names compared."""
    if not mine or not theirs:
        return "missing", ()
    first, other = mine[0], theirs[0]
    if first == other:
        return "exact", (first,)
    if "".join(mine) == "".join(theirs):  # JA YDE, JAYDE: a space keyed into the name
        return "exact", ("".join(mine),)
    if token_canon(first) & token_canon(other):
        return "nickname", ()
    word = _word_level(first, other)
    if word is not None:
        return word, ()
    if first in theirs[1:] or other in mine[1:]:
        return "middle_as_first", ()  # JOSE LUIS booked as LUIS
    if (len(first) == 1 or len(other) == 1) and first[0] == other[0]:
        return "initial", ()
    return "disagree", ()


def compare_middle(mine: tuple[str, ...], theirs: tuple[str, ...]) -> str:
    """Middle names (given names after the first): a conflict tells relatives apart."""
    if len(mine) < 2 or len(theirs) < 2:
        return "missing"
    for word in mine[1:]:
        for other in theirs[1:]:
            if word[0] == other[0] and (len(word) == 1 or len(other) == 1):
                return "agree"  # an initial
            if _word_level(word, other) is not None or token_canon(word) & token_canon(other):
                return "agree"
    return "disagree"


_WORD_RANK = {"exact": 0, "phonetic": 1, "similar": 2}


def compare_surnames(mine: tuple[str, ...], theirs: tuple[str, ...]) -> Agreement:
    """All surnames compared, each on its own.

    ``dropped``: every surname of one side is on the other, which has more (GARCIA, GARCIA LOPEZ);
    ``reordered``: the same surnames in another order; ``partial``: one agrees, another conflicts
    (GARCIA LOPEZ, GARCIA PEREZ: perhaps a relative).
    """
    if not mine or not theirs:
        return "missing", ()
    if mine == theirs:
        return "exact", mine
    if "".join(mine) == "".join(theirs):
        return "exact", ("".join(mine),)
    pairs = sorted(
        (_WORD_RANK[level], i, j)
        for i, word in enumerate(mine)
        for j, other in enumerate(theirs)
        if (level := _word_level(word, other)) is not None
    )
    used_mine: set[int] = set()
    used_theirs: set[int] = set()
    worst = -1
    exact_words: list[str] = []
    for rank, i, j in pairs:
        if i in used_mine or j in used_theirs:
            continue
        used_mine.add(i)
        used_theirs.add(j)
        worst = max(worst, rank)
        if rank == 0:
            exact_words.append(mine[i])
    if not used_mine:
        return "disagree", ()
    anchor = tuple(exact_words)
    left_mine, left_theirs = len(mine) - len(used_mine), len(theirs) - len(used_theirs)
    if left_mine and left_theirs:
        return "partial", anchor
    if worst == 0:
        return ("dropped" if left_mine or left_theirs else "reordered"), anchor
    return ("phonetic" if worst == 1 else "similar"), anchor


def _year_typo(mine: int, theirs: int) -> bool:
    a, b = f"{mine:04d}", f"{theirs:04d}"
    differing = [k for k in range(4) if a[k] != b[k]]
    if len(differing) == 1:
        return True
    transposed = len(differing) == 2 and differing[1] == differing[0] + 1 and sorted(a) == sorted(b)
    return transposed or abs(mine - theirs) == 1


def compare_birth(mine: int | None, theirs: int | None) -> str:
    if mine is None or theirs is None:
        return "missing"
    if mine == theirs:
        return "exact"
    year, month, day = mine // 10_000, mine // 100 % 100, mine % 100
    other_year, other_month, other_day = theirs // 10_000, theirs // 100 % 100, theirs % 100
    if year == other_year and month == other_day and day == other_month:
        return "day_month_swapped"  # a keying error, not a contradiction
    same_day = (month, day) in ((other_month, other_day), (other_day, other_month))
    if same_day and _year_typo(year, other_year):
        return "year_typo"
    if year == other_year and (month == other_month or day == other_day):
        return "day_or_month_typo"
    return "disagree"


def identifier_levels(mine: MatchRecord, theirs: MatchRecord) -> tuple[tuple[str, str], ...]:
    """(field, exact|typo|disagree) for each identifier both records carry."""
    found: list[tuple[str, str]] = []
    pairs = (
        ("fbi_number", mine.fbi_number, theirs.fbi_number),
        ("a_number", mine.a_number, theirs.a_number),
        ("state_id", mine.state_id, theirs.state_id),
    )
    for name, a, b in pairs:
        if a and b:
            if a == b:
                level = "exact"
            elif damerau_levenshtein_distance(a, b) <= 1:
                level = "typo"
            else:
                level = "disagree"
            found.append((name, level))
    return tuple(found)


def _identifier_level(levels: tuple[tuple[str, str], ...]) -> str:
    present = {level for _, level in levels}
    for level in ("exact", "typo", "disagree"):
        if level in present:
            return level
    return "missing"


def _code_level(mine: str | None, theirs: str | None) -> str:
    if mine is None or theirs is None:
        return "missing"
    return "exact" if mine == theirs else "disagree"


# --- the whole record -----------------------------------------------------------------------


def _rarity(model: MatchModel, field_name: str, words: tuple[str, ...]) -> float:
    """The frequency adjustment of the rarest word agreed on (none if no word agreed exactly)."""
    if not words:
        return 0.0
    return max(model.adjustment(field_name, word) for word in words)


def _names_and_birth(
    mine: NameForm, theirs: NameForm, model: MatchModel, swapped: bool
) -> tuple[float, list[FieldScore]]:
    if swapped:  # given and surname written the other way round on one side
        given, given_words = compare_given(mine.given, theirs.surnames)
        surname, surname_words = compare_surnames(mine.surnames, theirs.given)
        middle = "missing"
    else:
        given, given_words = compare_given(mine.given, theirs.given)
        surname, surname_words = compare_surnames(mine.surnames, theirs.surnames)
        middle = compare_middle(mine.given, theirs.given)
    birth = compare_birth(mine.birth, theirs.birth)
    order = "swapped" if swapped else "straight"
    weights = model.weights
    given_weight = weights["given_name"].get(given, 0.0) + _rarity(model, "given_name", given_words)
    middle_weight = weights["middle_name"].get(middle, 0.0)
    surname_weight = weights["surname"].get(surname, 0.0) + _rarity(model, "surname", surname_words)
    birth_weight = weights["date_of_birth"].get(birth, 0.0)
    order_weight = weights["name_order"].get(order, 0.0)
    scores = [
        FieldScore("given_name", given, given_weight),
        FieldScore("middle_name", middle, middle_weight),
        FieldScore("surname", surname, surname_weight),
        FieldScore("date_of_birth", birth, birth_weight),
        FieldScore("name_order", order, order_weight),
    ]
    return given_weight + middle_weight + surname_weight + birth_weight + order_weight, scores


_AGREEING_NAMES = frozenset({"exact", "nickname", "phonetic", "similar", "reordered", "dropped", "middle_as_first"})


def _codes(words: tuple[str, ...]) -> set[str]:
    return {phonetic_code(word) for word in words}


def _may_be_swapped(mine: NameForm, theirs: NameForm) -> bool:
    """Whether a given name on one side sounds like a surname on the other: only then is comparing
    the names the other way round worth its cost (most candidates are other people)."""
    if not mine.given or not theirs.given:
        return bool(mine.surnames and theirs.surnames)  # a name written in the wrong box
    return phonetic_code(mine.given[0]) in _codes(theirs.surnames) or phonetic_code(theirs.given[0]) in _codes(
        mine.surnames
    )


def _ranked(
    mine: NameForm, theirs: NameForm, model: MatchModel, swapped: bool
) -> tuple[tuple[bool, float], list[FieldScore]]:
    """A pair of name forms ranked: one whose given name and surname both agree first, then by score
    (an alias that agrees beats a primary name that scores higher on a shared middle name)."""
    score, fields = _names_and_birth(mine, theirs, model, swapped)
    names_agree = fields[0].level in _AGREEING_NAMES and fields[2].level in _AGREEING_NAMES
    return (names_agree, score), fields


def compare(mine: MatchRecord, theirs: MatchRecord, model: MatchModel) -> Comparison:
    """The best-agreeing pair of name forms (names and aliases, in either name order), then sex,
    place of birth and identifiers."""
    best_rank, best_fields, used_alias = (False, float("-inf")), list[FieldScore](), False
    for i, form in enumerate(mine.forms):
        for j, other in enumerate(theirs.forms):
            rank, fields = _ranked(form, other, model, swapped=False)
            if not rank[0] and _may_be_swapped(form, other):
                swapped_rank, swapped_fields = _ranked(form, other, model, swapped=True)
                if swapped_rank > rank:
                    rank, fields = swapped_rank, swapped_fields
            if rank > best_rank:
                best_rank, best_fields, used_alias = rank, fields, bool(i or j)
    sex = _code_level(mine.sex, theirs.sex)
    place = _code_level(mine.place_of_birth, theirs.place_of_birth)
    identifiers = identifier_levels(mine, theirs)
    identifier = _identifier_level(identifiers)
    weights = model.weights
    sex_weight = weights["sex"].get(sex, 0.0)
    place_weight = weights["place_of_birth"].get(place, 0.0)
    identifier_weight = weights["identifier"].get(identifier, 0.0)
    scored_fields = (
        *best_fields,
        FieldScore("sex", sex, sex_weight),
        FieldScore("place_of_birth", place, place_weight),
        FieldScore("identifier", identifier, identifier_weight),
    )
    score = best_rank[1] + sex_weight + place_weight + identifier_weight
    return Comparison(scored_fields, score, identifiers, used_alias)
