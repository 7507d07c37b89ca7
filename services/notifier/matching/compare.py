"""Comparing two records field by field: each field's agreement level and its weight.

The levels are what a reviewer reads in an alert's evidence ("surname: dropped,
date_of_birth: day_month_swapped"); the weights, added up, are the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import NamedTuple

from jellyfish import damerau_levenshtein_distance, jaro_winkler_similarity

from notifier.matching.model import MatchModel
from notifier.matching.normalise import phonetic_code, token_canon
from notifier.matching.record import ALIAS, MIDDLE_AS_SURNAME, MatchRecord, NameForm

__all__ = [
    "Comparer",
    "Comparison",
    "FieldScore",
    "compare",
    "compare_birth",
    "compare_given",
    "compare_middle",
    "compare_surnames",
    "identifier_levels",
    "moved_word_agrees",
]

_CONFLICTING = frozenset({"typo", "disagree"})
_NONE = float("-inf")  # the best score before any pair of name forms is compared

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
    name_form: str | None = None  # the form that agreed best, if not the name as written (``form_kind``)
    forms: tuple[int, int] = (0, 0)  # which name forms of each side were compared (indices into ``forms``)
    levels: dict[str, str] = dataclass_field(default_factory=dict, compare=False)  # by field, filled from ``fields``

    def __post_init__(self) -> None:
        self.levels.update((scored.field, scored.level) for scored in self.fields)

    def level(self, field_name: str) -> str:
        return self.levels.get(field_name, "missing")

    def weight(self, field_name: str) -> float:
        return next((scored.weight for scored in self.fields if scored.field == field_name), 0.0)

    @property
    def equal_identifiers(self) -> tuple[str, ...]:
        return tuple(name for name, level in self.identifiers if level == "exact")

    @property
    def conflicting_identifiers(self) -> tuple[str, ...]:
        """Identifiers both carry that differ, by one keystroke or more: another person's number, or
        a number keyed wrong; either way not for a machine to decide (state ids only of one state)."""
        return tuple(name for name, level in self.identifiers if level in _CONFLICTING)


# --- one field at a time ---------------------------------------------------------------


@lru_cache(maxsize=1 << 16)  # a pure function of two name words, and names repeat: remembered
def _word_level(mine: str, theirs: str) -> str | None:
    if mine == theirs:
        return "exact"
    if phonetic_code(mine) == phonetic_code(theirs):
        return "phonetic"
    shortest = min(len(mine), len(theirs))
    if shortest >= 3 and jaro_winkler_similarity(mine, theirs) >= SIMILAR:
        return "similar"
    if shortest >= 4 and damerau_levenshtein_distance(mine, theirs) == 1:
        return "similar"  # KANE, KABE: one key early in a short word, which Jaro-Winkler weighs hard
    return None


Agreement = tuple[str, tuple[str, ...]]  # (level, the words agreed on exactly: their rarity adds weight)


def _one_name(mine: str, theirs: str) -> bool:
    """Whether one word is a short form of the other, or they are equivalent names (PEPE and JOSE).
    Two short forms of one name are not one name: ALEX and SANDRA both shorten ALEXANDRA."""
    return theirs in token_canon(mine) or mine in token_canon(theirs)


def compare_given(mine: tuple[str, ...], theirs: tuple[str, ...]) -> Agreement:
    """The first given names compared."""
    if not mine or not theirs:
        return "missing", ()
    first, other = mine[0], theirs[0]
    if first == other:
        return "exact", (first,)
    if "".join(mine) == "".join(theirs):  # JA YDE, JAYDE: a space keyed into the name
        return "exact", ("".join(mine),)
    if _one_name(first, other):
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
            if _word_level(word, other) is not None or _one_name(word, other):
                return "agree"
    return "disagree"


_WORD_RANK = {"exact": 0, "phonetic": 1, "similar": 2}


def compare_surnames(mine: tuple[str, ...], theirs: tuple[str, ...]) -> Agreement:
    """All surnames compared, each on its own.

    ``exact``: one surname each, the same; ``both_exact``: two or more, all the same in the same order
    (far rarer by chance than one: weighed apart); ``dropped``: every surname of one side is on the
    other, which has more, the first of them among them (GARCIA, GARCIA LOPEZ: the second surname left
    out, as people and forms do); ``dropped_first``: the same but the first left out (LOPEZ, GARCIA
    LOPEZ: far less usual, and as common a coincidence); ``reordered``: the same surnames in another order;
    ``partial``: one agrees, another conflicts (GARCIA LOPEZ, GARCIA PEREZ: perhaps a relative).
    """
    if not mine or not theirs:
        return "missing", ()
    if mine == theirs:
        return ("both_exact" if len(mine) > 1 else "exact"), mine
    if "".join(mine) == "".join(theirs):
        return "exact", ("".join(mine),)
    if len(mine) == 1 and len(theirs) == 1:  # two different words: what the pairing below comes to for them
        level = _word_level(mine[0], theirs[0])
        return ("disagree" if level is None else level), ()
    pairs = [
        (_WORD_RANK[level], i, j)
        for i, word in enumerate(mine)
        for j, other in enumerate(theirs)
        if (level := _word_level(word, other)) is not None
    ]
    if not pairs:
        return "disagree", ()
    if len(pairs) == 1:  # one pair of words agrees: what the pairing below comes to, without it
        worst, i, j = pairs[0]
        matched, exact_words = 1, [mine[i]] if worst == 0 else []
        first_matched = (i == 0, j == 0)
    else:  # pair the words best first, each word used once
        pairs.sort()
        used_mine: set[int] = set()
        used_theirs: set[int] = set()
        worst = -1
        exact_words = []
        for rank, i, j in pairs:
            if i in used_mine or j in used_theirs:
                continue
            used_mine.add(i)
            used_theirs.add(j)
            worst = max(worst, rank)
            if rank == 0:
                exact_words.append(mine[i])
        matched = len(used_mine)
        first_matched = (0 in used_mine, 0 in used_theirs)
    anchor = tuple(exact_words)
    left_mine, left_theirs = len(mine) - matched, len(theirs) - matched
    if left_mine and left_theirs:
        return "partial", anchor
    if left_mine or left_theirs:  # GARCIA for GARCIA LOPEZ (or GRACIA for it: two errors, weighed as one)
        return ("dropped" if first_matched[0 if left_mine else 1] else "dropped_first"), anchor
    if worst == 0:
        return "reordered", anchor
    return ("phonetic" if worst == 1 else "similar"), anchor


def _one_keystroke(mine: str, theirs: str) -> bool:
    """Two digit strings of one length that differ in one digit, or by two neighbours swapped."""
    differing = [k for k in range(len(mine)) if mine[k] != theirs[k]]
    if len(differing) == 1:
        return True
    first, second = differing if len(differing) == 2 else (0, 0)
    return second == first + 1 and mine[first] == theirs[second] and mine[second] == theirs[first]


@lru_cache(maxsize=1 << 16)  # a pure function of two years, of which there are few
def _year_typo(mine: int, theirs: int) -> bool:
    """One keystroke (1990 and 1980, 1989 and 1998), or a year off by one (1989 and 1990)."""
    return _one_keystroke(f"{mine:04d}", f"{theirs:04d}") or abs(mine - theirs) == 1


def _two_digits_slip(mine: int, theirs: int) -> bool:
    """``_one_keystroke`` of two different numbers under 100 written with two digits: one digit differs,
    or the two are swapped."""
    mine_tens, mine_units = divmod(mine, 10)
    their_tens, their_units = divmod(theirs, 10)
    return mine_tens == their_tens or mine_units == their_units or (mine_tens, mine_units) == (their_units, their_tens)


def compare_birth(mine: int | None, theirs: int | None) -> str:
    """``year_typo``: the same day of the year (or day and month swapped), the year one keystroke or
    one year off; ``day_or_month_typo``: the same year, month and day one keystroke apart (1990-04-17
    and 1990-04-18, 1990-04-27, 1990-09-17); ``day_or_month_differs``: the same year and month, or
    year and day, further apart than one keystroke."""
    if mine is None or theirs is None:
        return "missing"
    if mine == theirs:
        return "exact"
    year, month_and_day = divmod(mine, 10_000)
    month, day = divmod(month_and_day, 100)
    other_year, month_and_day = divmod(theirs, 10_000)
    other_month, other_day = divmod(month_and_day, 100)
    if year == other_year:
        if month == other_day and day == other_month:
            return "day_month_swapped"  # a keying error, not a contradiction
        # One of month and day the same, the other (so, as the dates differ) not: the keystroke is in that one.
        if month == other_month:
            return "day_or_month_typo" if _two_digits_slip(day, other_day) else "day_or_month_differs"
        if day == other_day:
            return "day_or_month_typo" if _two_digits_slip(month, other_month) else "day_or_month_differs"
        return "disagree"
    same_day = (month == other_month and day == other_day) or (month == other_day and day == other_month)
    return "year_typo" if same_day and _year_typo(year, other_year) else "disagree"


def _one_edit_apart(a: str, b: str) -> bool:
    """``damerau_levenshtein_distance(a, b) <= 1``, told from where the two strings first and last differ.

    Of one length, they are one edit apart if they differ in one character, or in two neighbours swapped.
    Of lengths ``n`` and ``n + 1``, if the shorter is the longer with one character left out: its common
    prefix and common suffix with the longer cover it. Where two ASCII strings differ is read from their
    bytes XORed as one integer (its highest and lowest nonzero bytes); other strings are measured. But
    first, two of one length that differ in their last character and the third from last (most numbers
    of two people do) are more than one edit apart: told from the two characters alone.
    """
    if a == b:
        return True
    if len(a) > len(b):
        a, b = b, a  # a the shorter
    n = len(a)
    if len(b) - n > 1:
        return False
    if n == len(b) and n >= 3 and a[-1] != b[-1] and a[-3] != b[-3]:
        return False  # two characters that differ, two apart: neither one character nor two neighbours
    if not (a.isascii() and b.isascii()):
        return damerau_levenshtein_distance(a, b) <= 1
    if n == len(b):
        differ = int.from_bytes(a.encode(), "big") ^ int.from_bytes(b.encode(), "big")
        first = n - 1 - ((differ.bit_length() - 1) >> 3)  # the first character that differs
        last = n - 1 - (((differ & -differ).bit_length() - 1) >> 3)  # the last
        return first == last or (last == first + 1 and a[first] == b[last] and a[last] == b[first])
    if not n:
        return True
    mine = int.from_bytes(a.encode(), "big")
    head = mine ^ int.from_bytes(b[:n].encode(), "big")  # a against b's first n characters
    tail = mine ^ int.from_bytes(b[1:].encode(), "big")  # a against b's last n characters
    prefix = n - 1 - ((head.bit_length() - 1) >> 3) if head else n
    suffix = ((tail & -tail).bit_length() - 1) >> 3 if tail else n
    return prefix + suffix >= n


def _same_state(a: str, b: str) -> bool:
    """Whether two normalised state ids (``CA:A1234567``) were issued by one state."""
    return a.partition(":")[0] == b.partition(":")[0]


def _comparable_identifiers(mine: MatchRecord, theirs: MatchRecord) -> list[tuple[str, str, str]]:
    """(field, mine, theirs) for each identifier both carry that can be compared: state ids of two
    states are two documents of one person as readily as of two people, so they are not compared."""
    pairs = (
        ("fbi_number", mine.fbi_number, theirs.fbi_number),
        ("a_number", mine.a_number, theirs.a_number),
        ("state_id", mine.state_id, theirs.state_id),
    )
    return [(name, a, b) for name, a, b in pairs if a and b and (name != "state_id" or _same_state(a, b))]


def identifier_levels(mine: MatchRecord, theirs: MatchRecord) -> tuple[tuple[str, str], ...]:
    """(field, exact|typo|disagree) for each identifier both records carry (state ids of one state)."""
    found: list[tuple[str, str]] = []
    for name, a, b in _comparable_identifiers(mine, theirs):
        if a == b:
            level = "exact"
        elif _one_edit_apart(a, b):
            level = "typo"
        else:
            level = "disagree"
        found.append((name, level))
    return tuple(found)


def _carries_what_the_other_lacks(mine: MatchRecord, theirs: MatchRecord) -> bool:
    """Whether ``mine`` carries a kind of identifier ``theirs`` has none of (a detainer's subject
    whose number the jail knows would usually be known to the detainer's office too)."""
    return bool(
        (mine.fbi_number and not theirs.fbi_number)
        or (mine.a_number and not theirs.a_number)
        or (mine.state_id and not theirs.state_id)
    )


def _identifier_level(levels: tuple[tuple[str, str], ...], mine: MatchRecord, theirs: MatchRecord) -> str:
    """The identifier field's level: the best of the kinds both carry, else whether ``mine`` carries
    one that ``theirs`` lacks (``booking_only``: the subject is the booked person), else ``missing``."""
    present = {level for _, level in levels}
    for level in ("exact", "typo", "disagree"):
        if level in present:
            return level
    return "booking_only" if _carries_what_the_other_lacks(mine, theirs) else "missing"


def _code_level(mine: str | None, theirs: str | None) -> str:
    if mine is None or theirs is None:
        return "missing"
    return "exact" if mine == theirs else "disagree"


# --- the whole record -----------------------------------------------------------------------


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

_Scored = tuple[str, float]  # (level, weight) of one field
# One pair of name forms compared: (given name, middle name, surname, date of birth, name order).
_PairFields = tuple[_Scored, _Scored, _Scored, _Scored, _Scored]
# What a subject is compared through (``Comparer._prepare``).
_Prepared = tuple[
    list[dict[tuple[str, ...], tuple[_Scored, _Scored]]],
    list[dict[tuple[str, ...], _Scored]],
    dict[str | None, _Scored],
    dict[str | None, _Scored],
    _Scored,
    _Scored,
    _Scored,
    list[tuple[str, frozenset[str]]],
]


class Comparer:
    """One record (the subject) compared with many others, as ``compare`` compares one pair.

    A booked person's candidates share names with each other (they were found under the same
    name codes), so each field's level and weight is worked out once per distinct value on the
    other side (the given names, the surnames, the birth date...) and remembered for the next
    candidate. ``score`` is ``compare(...).score`` without building the evidence: the same
    levels, the same weights, added in the same order, so the same float to the last bit.
    """

    __slots__ = (
        "_birth",
        "_codes",
        "_given",
        "_has_identifiers",
        "_mine",
        "_missing_middle",
        "_model",
        "_place",
        "_sex",
        "_straight",
        "_surnames",
        "_swapped",
        "_weights",
    )

    def __init__(self, mine: MatchRecord, model: MatchModel) -> None:
        self._mine = mine
        self._model = model
        self._weights = model.weights
        if len(mine.forms) == 1:  # most people: no alias; what is worked out for them is kept by the model
            form = mine.forms[0]
            prepared = model.prepared((form.given, form.surnames, mine.sex, mine.place_of_birth), self._prepare)
            self._birth: list[dict[int | None, _Scored]] = [{}]
        else:
            prepared = self._prepare()
            self._birth = [{} for _ in mine.forms]
        (
            self._given,
            self._surnames,
            self._sex,
            self._place,
            self._straight,
            self._swapped,
            self._missing_middle,
            self._codes,
        ) = prepared
        self._has_identifiers = bool(mine.fbi_number or mine.a_number or mine.state_id)

    def _prepare(self) -> _Prepared:
        """What the subject is compared through, whoever the candidate: by name form, each field's (level,
        weight) by the other side's words (their given names, or their surnames when the names are read
        the other way round), the model's memos for every subject alike (as for the sex and place of
        birth); the weights of the name orders and of a middle name missing; and by name form, the code of
        the first given name and those of the surnames. (Birth dates are compared by the comparer alone.)"""
        mine, model, weights = self._mine, self._model, self._weights
        return (
            [model.pairs("given_name", form.given) for form in mine.forms],  # with the middle name
            [model.pairs("surname", form.surnames) for form in mine.forms],
            model.pairs("sex", mine.sex),
            model.pairs("place_of_birth", mine.place_of_birth),
            ("straight", weights["name_order"].get("straight", 0.0)),
            ("swapped", weights["name_order"].get("swapped", 0.0)),
            ("missing", weights["middle_name"].get("missing", 0.0)),
            [_name_codes(form.given, form.surnames) for form in mine.forms],
        )

    # --- one field, worked out the first time the other side's value is seen ---

    # (What a pair of names came to is kept by the model: the next subject of the same name finds it there.)

    def _given_and_middle(self, index: int, theirs: tuple[str, ...]) -> tuple[_Scored, _Scored]:
        mine, model = self._mine.forms[index].given, self._model
        given, words = compare_given(mine, theirs)
        middle = compare_middle(mine, theirs)
        return model.remember_pair(
            self._given[index],
            theirs,
            (
                (given, self._weights["given_name"].get(given, 0.0) + model.rarity("given_name", words, given)),
                (middle, self._weights["middle_name"].get(middle, 0.0)),
            ),
        )

    def _surname(self, index: int, theirs: tuple[str, ...]) -> _Scored:
        mine, model = self._mine.forms[index].surnames, self._model
        surname, words = compare_surnames(mine, theirs)
        weight = self._weights["surname"].get(surname, 0.0) + model.rarity("surname", words, surname)
        return model.remember_pair(self._surnames[index], theirs, (surname, weight))

    def _date_of_birth(self, index: int, theirs: int | None) -> _Scored:
        birth = compare_birth(self._mine.forms[index].birth, theirs)
        found = self._birth[index][theirs] = (birth, self._weights["date_of_birth"].get(birth, 0.0))
        return found

    def _swapped_pair(self, index: int, other: NameForm) -> tuple[float, bool, _PairFields]:
        """The pair with the given name and surname of ``other`` read the other way round."""
        # The same functions of the other side's words as the names read straight: the same memos.
        given = (self._given[index].get(other.surnames) or self._given_and_middle(index, other.surnames))[0]
        surname = self._surnames[index].get(other.given) or self._surname(index, other.given)
        birth = self._birth[index].get(other.birth) or self._date_of_birth(index, other.birth)
        middle, order = self._missing_middle, self._swapped
        score = given[1] + middle[1] + surname[1] + birth[1] + order[1]
        names_agree = given[0] in _AGREEING_NAMES and surname[0] in _AGREEING_NAMES
        return score, names_agree, (given, middle, surname, birth, order)

    def _may_be_swapped(self, index: int, form: NameForm, other: NameForm) -> bool:
        """Whether a given name on one side sounds like a surname on the other: only then is comparing
        the names the other way round worth its cost (most candidates are other people)."""
        if not form.given or not other.given:
            return bool(form.surnames and other.surnames)  # a name written in the wrong box
        first_code, surname_codes = self._codes[index]
        return phonetic_code(other.given[0]) in surname_codes or first_code in map(phonetic_code, other.surnames)

    def _code(self, memo: dict[str | None, _Scored], field_name: str, mine: str | None, theirs: str | None) -> _Scored:
        found = memo.get(theirs)
        if found is None:
            level = _code_level(mine, theirs)
            found = self._model.remember_pair(memo, theirs, (level, self._weights[field_name].get(level, 0.0)))
        return found

    # --- the best pair of name forms ---

    def _best(self, theirs: MatchRecord) -> tuple[float, _PairFields | None, str | None, tuple[int, int]]:
        """(score, fields, name form, form indices) of the best-agreeing pair of name forms (names and
        aliases, in either name order): one whose given name and surname both agree first, then by
        score (an alias that agrees beats a primary name that scores higher on a shared middle name)."""
        best: _PairFields | None = None
        best_agree, best_score, name_form, pair = False, _NONE, None, (0, 0)
        straight = self._straight
        mine_derived, theirs_derived = len(self._mine.forms) - self._mine.derived, len(theirs.forms) - theirs.derived
        for i, form in enumerate(self._mine.forms):
            given_memo, surname_memo, birth_memo = self._given[i], self._surnames[i], self._birth[i]
            for j, other in enumerate(theirs.forms):
                if i >= mine_derived and (j >= theirs_derived or not moved_word_agrees(form, other)):
                    continue  # two readings of names written alike, or a reading the other side does not bear out
                if j >= theirs_derived and not moved_word_agrees(other, form):
                    continue
                given, middle = given_memo.get(other.given) or self._given_and_middle(i, other.given)
                surname = surname_memo.get(other.surnames) or self._surname(i, other.surnames)
                birth = birth_memo.get(other.birth) or self._date_of_birth(i, other.birth)
                score = given[1] + middle[1] + surname[1] + birth[1] + straight[1]
                agree = given[0] in _AGREEING_NAMES and surname[0] in _AGREEING_NAMES
                fields: _PairFields | None = None
                if not agree and self._may_be_swapped(i, form, other):
                    swapped_score, swapped_agree, swapped_fields = self._swapped_pair(i, other)
                    if (swapped_agree, swapped_score) > (agree, score):
                        score, agree, fields = swapped_score, swapped_agree, swapped_fields
                if (agree, score) > (best_agree, best_score):
                    best_agree, best_score = agree, score
                    name_form = _form_used(self._mine, i, theirs, j) if i or j else None  # both as written
                    best, pair = fields or (given, middle, surname, birth, straight), (i, j)
        return best_score, best, name_form, pair

    def _best_score(self, theirs: MatchRecord) -> float:
        """``_best(theirs)[0]``, the same float: for one name form each (most people), without the evidence."""
        if len(theirs.forms) != 1 or len(self._mine.forms) != 1:
            return self._best(theirs)[0]
        other = theirs.forms[0]
        given, middle = self._given[0].get(other.given) or self._given_and_middle(0, other.given)
        surname = self._surnames[0].get(other.surnames) or self._surname(0, other.surnames)
        birth = self._birth[0].get(other.birth) or self._date_of_birth(0, other.birth)
        score = given[1] + middle[1] + surname[1] + birth[1] + self._straight[1]
        if given[0] in _AGREEING_NAMES and surname[0] in _AGREEING_NAMES:
            return score  # agreeing names: the best pair, whatever the score
        if self._may_be_swapped(0, self._mine.forms[0], other):
            swapped_score, swapped_agree, _ = self._swapped_pair(0, other)
            if (swapped_agree, swapped_score) > (False, score):
                return swapped_score if swapped_agree or swapped_score > _NONE else _NONE
        return score if score > _NONE else _NONE  # as ``_best`` keeps a score only above where it starts

    def _identifier_level_of(self, theirs: MatchRecord) -> str:
        """``_identifier_level(identifier_levels(subject, theirs), ...)``: the best level of any kind."""
        if not self._has_identifiers:
            return "missing"
        mine = self._mine
        level, lacks = "missing", False  # lacks: theirs has none of a kind the subject carries
        if a := mine.fbi_number:
            if not (b := theirs.fbi_number):
                lacks = True
            elif a == b:
                return "exact"
            else:
                level = "typo" if _one_edit_apart(a, b) else "disagree"
        if a := mine.a_number:
            if not (b := theirs.a_number):
                lacks = True
            elif a == b:
                return "exact"
            elif level != "typo":
                level = "typo" if _one_edit_apart(a, b) else "disagree"
        if a := mine.state_id:
            if not (b := theirs.state_id):
                lacks = True
            elif a == b:
                return "exact"
            elif level != "typo" and _same_state(a, b):  # state ids of two states are not compared
                level = "typo" if _one_edit_apart(a, b) else "disagree"
        return "booking_only" if lacks and level == "missing" else level

    def score(self, theirs: MatchRecord) -> float:
        """``compare(subject, theirs, model).score``, to the last bit, without the evidence."""
        return self.score_for_decision(theirs)[0]

    def score_for_decision(self, theirs: MatchRecord) -> tuple[float, float, bool]:
        """``score``, the identifier field's weight in it when the field conflicts (0.0 otherwise), and
        whether both carry an identifier of one kind and it is equal (``equal_identifiers``)."""
        mine = self._mine
        names = self._best_score(theirs)
        sex = self._sex.get(theirs.sex) or self._code(self._sex, "sex", mine.sex, theirs.sex)
        place = self._place.get(theirs.place_of_birth) or self._code(
            self._place, "place_of_birth", mine.place_of_birth, theirs.place_of_birth
        )
        identifier = self._identifier_level_of(theirs)  # "exact" if and only if an identifier is shared
        identifier_weight = self._weights["identifier"].get(identifier, 0.0)
        score = names + sex[1] + place[1] + identifier_weight
        return score, identifier_weight if identifier in _CONFLICTING else 0.0, identifier == "exact"

    def compare(self, theirs: MatchRecord) -> Comparison:
        """The subject compared with ``theirs``: the best-agreeing pair of name forms, then sex,
        place of birth and identifiers."""
        mine, weights = self._mine, self._weights
        names, best, name_form, pair = self._best(theirs)
        sex = self._code(self._sex, "sex", mine.sex, theirs.sex)
        place = self._code(self._place, "place_of_birth", mine.place_of_birth, theirs.place_of_birth)
        identifiers = identifier_levels(mine, theirs)
        identifier = _identifier_level(identifiers, mine, theirs)
        identifier_weight = weights["identifier"].get(identifier, 0.0)
        named = ("given_name", "middle_name", "surname", "date_of_birth", "name_order")
        scored_fields = (
            *(FieldScore(name, level, weight) for name, (level, weight) in zip(named, best or (), strict=False)),
            FieldScore("sex", *sex),
            FieldScore("place_of_birth", *place),
            FieldScore("identifier", identifier, identifier_weight),
        )
        return Comparison(scored_fields, names + sex[1] + place[1] + identifier_weight, identifiers, name_form, pair)


def _form_used(mine: MatchRecord, i: int, theirs: MatchRecord, j: int) -> str | None:
    """The kind of name form the pair (``mine.forms[i]``, ``theirs.forms[j]``) stands on: a derived one
    first (it is the reading a reviewer must know of), then an alias, else None."""
    kinds = (mine.form_kind(i), theirs.form_kind(j))
    return MIDDLE_AS_SURNAME if MIDDLE_AS_SURNAME in kinds else (ALIAS if ALIAS in kinds else None)


def moved_word_agrees(derived: NameForm, other: NameForm) -> bool:
    """Whether a name read with its middle name as the first surname (``middle_as_surname``) is borne out
    by ``other``: that word agrees with one of ``other``'s surnames. JOSE / GARCIA / LOPEZ against JOSE
    LUIS GARCIA LOPEZ is; CARMEN / GUADALUPE / SMITH against CARMEN MARIA SMITH is not (GUADALUPE is a
    middle name, and it conflicts with MARIA: the reading would only hide that)."""
    moved = derived.surnames[0]
    return any(_word_level(moved, surname) is not None for surname in other.surnames)


def _codes(words: tuple[str, ...]) -> set[str]:
    return {phonetic_code(word) for word in words}


@lru_cache(maxsize=1 << 16)  # a pure function of a name form's words, and names repeat
def _name_codes(given: tuple[str, ...], surnames: tuple[str, ...]) -> tuple[str, frozenset[str]]:
    """The phonetic code of the first given name ("" if none) and those of the surnames."""
    return phonetic_code(given[0]) if given else "", frozenset(_codes(surnames))


def compare(mine: MatchRecord, theirs: MatchRecord, model: MatchModel) -> Comparison:
    """The best-agreeing pair of name forms (names and aliases, in either name order), then sex,
    place of birth and identifiers. (Comparing one subject with many: ``Comparer``.)"""
    return Comparer(mine, model).compare(theirs)
