"""A person as the matcher holds them: every name form pre-normalised, identifiers normalised.

A ``MatchRecord`` is small and immutable, so a million of them fit in memory,
and building one is the only place names are folded: comparing two records
never re-normalises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from contracts import Person, Sex
from notifier.matching.identifiers import identifying, normalise_a_number, normalise_fbi_number, normalise_state_id
from notifier.matching.normalise import given_tokens, surname_tokens

__all__ = ["ALIAS", "MIDDLE_AS_SURNAME", "RECENT_PEOPLE", "MatchRecord", "NameForm", "birth_number", "match_record"]


def birth_number(day: date | None) -> int | None:
    """A date of birth as YYYYMMDD (one small int per record instead of a date object)."""
    return None if day is None else day.year * 10_000 + day.month * 100 + day.day


@dataclass(frozen=True, slots=True)
class NameForm:
    """One way the person's name (and date of birth) was written: the name itself, or an alias."""

    given: tuple[str, ...]  # folded given names in order (first name, then middle names)
    surnames: tuple[str, ...]  # folded surnames, each kept apart, particles dropped
    birth: int | None  # YYYYMMDD, None when unknown

    def __init__(self, given: tuple[str, ...], surnames: tuple[str, ...], birth: int | None) -> None:
        # What the generated one does, each slot set through its descriptor rather than object.__setattr__ (a
        # frozen dataclass's way round its own __setattr__): half the cost, and every booked person makes some.
        _set_given(self, given)
        _set_surnames(self, surnames)
        _set_birth(self, birth)


_SEXES = frozenset({Sex.MALE.value, Sex.FEMALE.value})  # what a sex can contradict (not X, not unknown)

MIDDLE_AS_SURNAME = "middle_as_surname"
ALIAS = "alias"


@dataclass(frozen=True, slots=True)
class MatchRecord:
    forms: tuple[NameForm, ...]  # the name as written first, then each alias, then the forms derived from it
    sex: str | None  # "M" or "F"; None when X or unknown (nothing to contradict)
    place_of_birth: str | None
    fbi_number: str | None = None
    a_number: str | None = None
    state_id: str | None = None
    derived: int = 0  # how many of ``forms``, at the end, are read from the name rather than written

    def __init__(
        self,
        forms: tuple[NameForm, ...],
        sex: str | None,
        place_of_birth: str | None,
        fbi_number: str | None = None,
        a_number: str | None = None,
        state_id: str | None = None,
        derived: int = 0,
    ) -> None:
        # (As ``NameForm``'s: the slots set through their descriptors.)
        _set_forms(self, forms)
        _set_sex(self, sex)
        _set_place_of_birth(self, place_of_birth)
        _set_fbi_number(self, fbi_number)
        _set_a_number(self, a_number)
        _set_state_id(self, state_id)
        _set_derived(self, derived)

    @property
    def primary(self) -> NameForm:
        return self.forms[0]

    def form_kind(self, index: int) -> str | None:
        """What ``forms[index]`` is, for the evidence: None for the name as written, ``alias``, or
        ``middle_as_surname`` (the name read with its last middle name as the first surname)."""
        if index == 0:
            return None
        return MIDDLE_AS_SURNAME if index >= len(self.forms) - self.derived else ALIAS

    def identifiers(self) -> dict[str, str]:
        """Normalised identifiers by field name, only those present."""
        found = {"fbi_number": self.fbi_number, "a_number": self.a_number, "state_id": self.state_id}
        return {field: value for field, value in found.items() if value}

    def without_identifiers(self) -> MatchRecord:
        return MatchRecord(self.forms, self.sex, self.place_of_birth, derived=self.derived)

    @classmethod
    def of(
        cls,
        *,
        first_name: str | None,
        last_name: str | None,
        middle_name: str | None = None,
        date_of_birth: date | None = None,
        sex: str | None = None,
        place_of_birth: str | None = None,
        aliases: Iterable[tuple[str | None, str | None, str | None, date | None]] = (),
        fbi_number: str | None = None,
        a_number: str | None = None,
        state_id: tuple[str, str] | None = None,
    ) -> MatchRecord:
        """A record from plain fields (aliases as (first, middle, last, date of birth or None))."""
        return cls._of(
            first_name,
            middle_name,
            last_name,
            date_of_birth,
            sex,
            place_of_birth,
            aliases,
            fbi_number,
            a_number,
            state_id,
        )

    @classmethod
    def _of(
        cls,
        first_name: str | None,
        middle_name: str | None,
        last_name: str | None,
        date_of_birth: date | None,
        sex: str | None,
        place_of_birth: str | None,
        aliases: Iterable[tuple[str | None, str | None, str | None, date | None]],
        fbi_number: str | None,
        a_number: str | None,
        state_id: tuple[str, str] | None,
    ) -> MatchRecord:
        """``of``, its arguments in the order of a person's identity (``match_record``), passed by position."""
        birth = birth_number(date_of_birth)
        forms = [NameForm(given_tokens(first_name, middle_name), surname_tokens(last_name), birth)]
        for alias_first, alias_middle, alias_last, alias_birth in aliases:
            form = NameForm(
                given_tokens(alias_first, alias_middle),
                surname_tokens(alias_last),
                birth if alias_birth is None else birth_number(alias_birth),  # no date given: the person's own
            )
            if form not in forms and (form.given or form.surnames) and not _shortened(form, forms[0]):
                forms.append(form)
        derived = _middle_as_surname(forms[0])
        if derived is not None and derived in forms:
            derived = None
        return cls(
            (*forms, derived) if derived is not None else tuple(forms),
            sex if sex in _SEXES else None,
            place_of_birth,
            identifying(normalise_fbi_number(fbi_number)) if fbi_number else None,
            identifying(normalise_a_number(a_number)) if a_number else None,
            identifying(normalise_state_id(*state_id)) if state_id else None,
            0 if derived is None else 1,
        )


_set_given, _set_surnames, _set_birth = (NameForm.__dict__[name].__set__ for name in ("given", "surnames", "birth"))
_set_forms, _set_sex, _set_place_of_birth, _set_fbi_number, _set_a_number, _set_state_id, _set_derived = (
    MatchRecord.__dict__[name].__set__
    for name in ("forms", "sex", "place_of_birth", "fbi_number", "a_number", "state_id", "derived")
)


def _shortened(alias: NameForm, name: NameForm) -> bool:
    """Whether an alias is only the name with words left out (DONNA RODRIGUEZ for DONNA RODRIGUEZ
    TORRES): it tells nothing the name does not, and matched on its own it would hide a conflict
    the name shows (DONNA RODRIGUEZ CABRERA is not her). Such an alias is not kept."""
    return (
        alias.birth == name.birth
        and alias.given[:1] == name.given[:1]
        and set(alias.given) <= set(name.given)
        and set(alias.surnames) <= set(name.surnames)
    )


def _middle_as_surname(form: NameForm) -> NameForm | None:
    """JOSE [GARCIA] LOPEZ read as JOSE GARCIA LOPEZ: a form with first, middle and last name fields
    takes the paternal surname of a two-surname name into the middle name field. Read only from a
    name with one surname and a middle name (with two surnames, the middle name is one)."""
    if len(form.given) < 2 or len(form.surnames) != 1:
        return None
    return NameForm(form.given[:-1], (form.given[-1], *form.surnames), form.birth)


# A booking's person is read again with every event of the booking (filing it, matching it): the records of the
# people seen lately are kept, by what the matcher reads of a person (never ``as_sent``).
RECENT_PEOPLE = 16_384

_Identity = tuple[
    str,
    str | None,
    str,
    date,
    str,
    str | None,
    tuple[tuple[str | None, str | None, str | None, date | None], ...],
    str | None,
    str | None,
    tuple[str, str] | None,
]


def match_record(person: Person) -> MatchRecord:
    """The person as the matcher compares them."""
    return _record_of(
        (
            person.first_name,
            person.middle_name,
            person.last_name,
            person.date_of_birth,
            str(person.sex),  # (a StrEnum: its value, without the enum property)
            person.place_of_birth,
            tuple(
                (alias.first_name, alias.middle_name, alias.last_name, alias.date_of_birth) for alias in person.aliases
            )
            if person.aliases
            else (),  # most people: none, and no generator made for none
            person.fbi_number,
            person.a_number,
            (person.state_id.state, person.state_id.number) if person.state_id else None,
        )
    )


@lru_cache(maxsize=RECENT_PEOPLE)
def _record_of(identity: _Identity) -> MatchRecord:
    return MatchRecord._of(*identity)
