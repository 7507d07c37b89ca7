"""The matcher's decision path as it was before it was made fast: the yardstick the fast path must equal.

``compare`` here compares one record with one other, building every field's level and weight,
and ``decide_among`` compares every candidate in full, sorts them and works out the margin of
each one at or above the lowest threshold by comparing it in full with the runner-ups. The
code is copied unchanged from ``notifier.matching.compare`` and ``notifier.matching.decide``
as they stood, with ``compare_surnames``, ``compare_birth`` and ``identifier_levels`` (which have since
gained shortcuts: a keystroke told without formatting, one edit without a string distance); the other
field-by-field functions (``compare_given``, ``compare_middle``) and the rules in ``failed_hard_rules``
are shared: they define the levels, and were not changed.
The blocking keys (``filing_keys``, ``search_keys``) are copied from ``notifier.matching.keys``
as they stood too (plus the ``i:`` key added since, written plainly): they name Redis keys
(as digests), so the faster ones must give the same strings.
``test_fast_path.py`` checks that the notifier's keys, decisions, evidence and assessments equal these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from jellyfish import damerau_levenshtein_distance

from contracts import MatchEvidence
from notifier.matching.compare import (
    Comparison,
    FieldScore,
    _carries_what_the_other_lacks,
    _form_used,
    _word_level,
    compare_given,
    compare_middle,
)
from notifier.matching.decide import (
    Assessment,
    MatchConfig,
    Thresholds,
    evidence,
    failed_hard_rules,
    identifier_contradicted,
)
from notifier.matching.model import MatchModel, fitted_model
from notifier.matching.normalise import phonetic_code, token_canon
from notifier.matching.record import MatchRecord, NameForm

__all__ = [
    "assess_among",
    "compare",
    "compare_birth",
    "decide_among",
    "filing_keys",
    "identifier_levels",
    "search_keys",
]

K = TypeVar("K")

_SAME_PERSON_CHECKS = 20
_WORD_RANK = {"exact": 0, "phonetic": 1, "similar": 2}


def compare_surnames(mine: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    if not mine or not theirs:
        return "missing", ()
    if mine == theirs:
        return ("both_exact" if len(mine) > 1 else "exact"), mine
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
    if left_mine or left_theirs:  # added with the level for a first surname left out
        first_kept = 0 in (used_mine if left_mine else used_theirs)
        return ("dropped" if first_kept else "dropped_first"), anchor
    if worst == 0:
        return "reordered", anchor
    return ("phonetic" if worst == 1 else "similar"), anchor


def _one_keystroke(mine: str, theirs: str) -> bool:
    differing = [k for k in range(len(mine)) if mine[k] != theirs[k]]
    if len(differing) == 1:
        return True
    first, second = differing if len(differing) == 2 else (0, 0)
    return second == first + 1 and mine[first] == theirs[second] and mine[second] == theirs[first]


def _year_typo(mine: int, theirs: int) -> bool:
    return _one_keystroke(f"{mine:04d}", f"{theirs:04d}") or abs(mine - theirs) == 1


def compare_birth(mine: int | None, theirs: int | None) -> str:
    if mine is None or theirs is None:
        return "missing"
    if mine == theirs:
        return "exact"
    year, month, day = mine // 10_000, mine // 100 % 100, mine % 100
    other_year, other_month, other_day = theirs // 10_000, theirs // 100 % 100, theirs % 100
    if year == other_year and month == other_day and day == other_month:
        return "day_month_swapped"
    same_day = (month, day) in ((other_month, other_day), (other_day, other_month))
    if same_day and _year_typo(year, other_year):
        return "year_typo"
    if year == other_year and (month == other_month or day == other_day):
        if _one_keystroke(f"{month:02d}{day:02d}", f"{other_month:02d}{other_day:02d}"):
            return "day_or_month_typo"
        return "day_or_month_differs"
    return "disagree"


def identifier_levels(mine: MatchRecord, theirs: MatchRecord) -> tuple[tuple[str, str], ...]:
    pairs = (
        ("fbi_number", mine.fbi_number, theirs.fbi_number),
        ("a_number", mine.a_number, theirs.a_number),
        ("state_id", mine.state_id, theirs.state_id),
    )
    found: list[tuple[str, str]] = []
    for name, a, b in pairs:
        if not a or not b or (name == "state_id" and a.partition(":")[0] != b.partition(":")[0]):
            continue  # not both carried, or state ids of two states
        if a == b:
            level = "exact"
        elif damerau_levenshtein_distance(a, b) <= 1:
            level = "typo"
        else:
            level = "disagree"
        found.append((name, level))
    return tuple(found)


def _identifier_level(levels: tuple[tuple[str, str], ...], mine: MatchRecord, theirs: MatchRecord) -> str:
    present = {level for _, level in levels}
    for level in ("exact", "typo", "disagree"):
        if level in present:
            return level
    return "booking_only" if _carries_what_the_other_lacks(mine, theirs) else "missing"


def _code_level(mine: str | None, theirs: str | None) -> str:
    if mine is None or theirs is None:
        return "missing"
    return "exact" if mine == theirs else "disagree"


def _rarity(model: MatchModel, field_name: str, words: tuple[str, ...], level: str) -> float:
    if not words:
        return 0.0
    return sum(model.adjustment(field_name, word, level) for word in words)


def _names_and_birth(
    mine: NameForm, theirs: NameForm, model: MatchModel, swapped: bool
) -> tuple[float, list[FieldScore]]:
    if swapped:
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
    given_weight = weights["given_name"].get(given, 0.0) + _rarity(model, "given_name", given_words, given)
    middle_weight = weights["middle_name"].get(middle, 0.0)
    surname_weight = weights["surname"].get(surname, 0.0) + _rarity(model, "surname", surname_words, surname)
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


_AGREEING_NAMES = frozenset(
    {
        "exact",
        "both_exact",
        "nickname",
        "phonetic",
        "similar",
        "reordered",
        "dropped",
        "dropped_first",
        "middle_as_first",
    }
)


def _codes(words: tuple[str, ...]) -> set[str]:
    return {phonetic_code(word) for word in words}


def _may_be_swapped(mine: NameForm, theirs: NameForm) -> bool:
    if not mine.given or not theirs.given:
        return bool(mine.surnames and theirs.surnames)
    return phonetic_code(mine.given[0]) in _codes(theirs.surnames) or phonetic_code(theirs.given[0]) in _codes(
        mine.surnames
    )


def _ranked(
    mine: NameForm, theirs: NameForm, model: MatchModel, swapped: bool
) -> tuple[tuple[bool, float], list[FieldScore]]:
    score, fields = _names_and_birth(mine, theirs, model, swapped)
    names_agree = fields[0].level in _AGREEING_NAMES and fields[2].level in _AGREEING_NAMES
    return (names_agree, score), fields


def _moved_word_agrees(derived: NameForm, other: NameForm) -> bool:
    # Added with the restriction on derived forms: the word read as a surname must agree with one.
    return any(_word_level(derived.surnames[0], surname) is not None for surname in other.surnames)


def compare(mine: MatchRecord, theirs: MatchRecord, model: MatchModel) -> Comparison:
    best_rank, best_fields, name_form, pair = (False, float("-inf")), list[FieldScore](), None, (0, 0)
    for i, form in enumerate(mine.forms):
        for j, other in enumerate(theirs.forms):
            mine_derived, theirs_derived = i >= len(mine.forms) - mine.derived, j >= len(theirs.forms) - theirs.derived
            if mine_derived and theirs_derived:
                continue  # added with the derived forms: never two derived forms together
            if (mine_derived and not _moved_word_agrees(form, other)) or (
                theirs_derived and not _moved_word_agrees(other, form)
            ):
                continue
            rank, fields = _ranked(form, other, model, swapped=False)
            if not rank[0] and _may_be_swapped(form, other):
                swapped_rank, swapped_fields = _ranked(form, other, model, swapped=True)
                if swapped_rank > rank:
                    rank, fields = swapped_rank, swapped_fields
            if rank > best_rank:
                best_rank, best_fields, name_form, pair = rank, fields, _form_used(mine, i, theirs, j), (i, j)
    sex = _code_level(mine.sex, theirs.sex)
    place = _code_level(mine.place_of_birth, theirs.place_of_birth)
    identifiers = identifier_levels(mine, theirs)
    identifier = _identifier_level(identifiers, mine, theirs)
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
    return Comparison(scored_fields, score, identifiers, name_form, pair)


def _same_person(first: MatchRecord, second: MatchRecord, model: MatchModel, auto_min: float) -> bool:
    comparison = compare(first, second, model)
    if comparison.conflicting_identifiers:
        return False
    if comparison.equal_identifiers:
        return not identifier_contradicted(comparison)
    return comparison.score >= auto_min and not failed_hard_rules(comparison)


def assess_among(
    subject: MatchRecord,
    candidates: Sequence[tuple[K, MatchRecord]],
    *,
    model: MatchModel,
    auto_min: float,
    margin_floor: float,
) -> list[Assessment[K]]:
    compared = sorted(
        ((key, record, compare(subject, record, model)) for key, record in candidates),
        key=lambda item: -item[2].score,
    )
    assessed: list[Assessment[K]] = []
    for position, (key, record, comparison) in enumerate(compared):
        margin = None
        if comparison.score >= margin_floor or comparison.equal_identifiers:
            others = (entry for index, entry in enumerate(compared) if index != position)
            for checked, (_, other, other_comparison) in enumerate(others):
                if checked == _SAME_PERSON_CHECKS:
                    break
                if not _same_person(record, other, model, auto_min):
                    margin = comparison.score - other_comparison.score
                    break
        assessed.append(
            Assessment(
                key,
                comparison,
                tuple(failed_hard_rules(comparison)),
                identifier_contradicted(comparison),
                margin,
            )
        )
    return assessed


def decide_among(
    subject: MatchRecord,
    candidates: Sequence[tuple[K, MatchRecord]],
    *,
    config: MatchConfig | None = None,
    model: MatchModel | None = None,
    detainers: int = 0,
) -> list[tuple[K, MatchEvidence]]:
    model = model or fitted_model()
    auto_min, review_min, min_margin = (config or MatchConfig()).at_scale(model, detainers)
    thresholds = Thresholds(auto_min, review_min, min_margin, detainers)
    records = dict(candidates)
    decided: list[tuple[K, MatchEvidence]] = []
    floor = min(auto_min, review_min)
    for assessment in assess_among(subject, candidates, model=model, auto_min=auto_min, margin_floor=floor):
        outcome = assessment.decision(auto_min, review_min, min_margin)
        if outcome is not None:
            decision, rule = outcome
            found = evidence(
                decision, rule, assessment.comparison, assessment.margin, subject, records[assessment.key], thresholds
            )
            decided.append((assessment.key, found))
    return decided


# --- blocking keys ---------------------------------------------------------------------------

_MAX_GIVEN_CODES = 6
_MAX_SURNAMES = 3


def _given_codes(form: NameForm) -> list[str]:
    if not form.given:
        return []
    codes = sorted({phonetic_code(name) for name in token_canon(form.given[0])})
    return codes[:_MAX_GIVEN_CODES]


def _surname_codes(form: NameForm) -> list[str]:
    return sorted({phonetic_code(surname) for surname in form.surnames[:_MAX_SURNAMES]})


def _pairs(form: NameForm) -> set[str]:
    return {
        f"{min(given, surname)}:{max(given, surname)}"
        for given in _given_codes(form)
        for surname in _surname_codes(form)
    }


def _form_keys(form: NameForm, undated_searches: bool) -> set[str]:
    pairs = _pairs(form)
    keys = {f"n:{pair}" for pair in pairs} if undated_searches else set()
    if form.birth is None:
        return keys | {f"o:{pair}" for pair in pairs}
    year, month, day = form.birth // 10_000, form.birth // 100 % 100, form.birth % 100
    month_day = f"{min(month, day):02d}{max(month, day):02d}"
    for pair in pairs:
        keys |= {
            f"p:{pair}:{year}:{month}",
            f"d:{pair}:{year}:{day}",
            f"q:{pair}:{month_day}:{year % 10}",
            f"r:{pair}:{month_day}:{year // 10}",
        }
    for pair in pairs:  # added with the keys for a year one off across a decade, or its last digits swapped
        keys |= {
            f"e:{pair}:{month_day}:{(year + 1) // 10}",
            f"y:{pair}:{month_day}:{year // 100}:{min(year // 10 % 10, year % 10)}{max(year // 10 % 10, year % 10)}",
        }
    keys |= {f"t:{code}:{year}:{month_day}" for code in {*_given_codes(form), *_surname_codes(form)}}
    if form.given:  # added with the initials key: both names misspelt past their phonetic codes
        initials = {"".join(sorted((form.given[0][0], surname[0]))) for surname in form.surnames[:_MAX_SURNAMES]}
        keys |= {f"i:{pair}:{year}:{month_day}" for pair in initials}
    return keys


def filing_keys(record: MatchRecord, *, undated_searches: bool = False) -> frozenset[str]:
    keys: set[str] = set()
    for form in record.forms:
        keys |= _form_keys(form, undated_searches)
    if record.fbi_number:
        keys.add(f"fbi={record.fbi_number}")
    if record.a_number:
        keys.add(f"a_number={record.a_number}")
    if record.state_id:
        keys.add(f"state_id={record.state_id}")
    return frozenset(keys)


def search_keys(record: MatchRecord) -> frozenset[str]:
    keys = set(filing_keys(record))
    for form in record.forms:
        pairs = _pairs(form)
        if form.birth is not None:
            keys |= {f"o:{pair}" for pair in pairs}
        else:
            keys |= {f"n:{pair}" for pair in pairs}
    return frozenset(keys)
