"""Blocking keys: what two records of one person share even through one error of each kind.

A record is filed under its keys; a search looks under the searcher's keys.
For every name form (the name and each alias), with given-name codes ``g``
(the phonetic code of the first given name and of each formal name it may be
a nickname of) and surname codes ``s`` (each surname on its own):

=================================  ===============================================
key                                still shared when ...
=================================  ===============================================
``p:{g,s}:year:month``             the day is wrong
``d:{g,s}:year:day``               the month is wrong
``q:{g,s}:month-day:y%10``         the tens digit of the year is wrong (month and
                                   day in sorted order: also when swapped)
``r:{g,s}:month-day:y//10``        the last digit of the year is wrong
``e:{g,s}:month-day:(y+1)//10``    the year is one off across a decade (1989 and
                                   1990: ``r`` holds every other year one off)
``y:{g,s}:month-day:c:xy``         the year's last two digits are swapped (1989
                                   and 1998: the century, the two in order)
``t:code:year:month-day``          one name is wrong (the other name's code, with
                                   the full date, day and month in sorted order)
``i:{g,s}:year:month-day``         both names are misspelt past their phonetic
                                   code (the names' initials, with the full date)
``o:{g,s}``                        the filed record has no date of birth (filed
                                   only then; every search looks there)
``n:{g,s}``                        the searched record has no date of birth (only
                                   such a search looks; filed only by an index
                                   that expects such searches)
``fbi=``, ``a_number=``,           an identifier is equal (normalised)
``state_id=``
=================================  ===============================================

``{g,s}`` is the pair in sorted order, so a given name and surname written
the other way round give the same key; a dropped second surname leaves the
pair with the first. Each key narrows a common name to few people (JOSE
GARCIA born in one year and month), so a search compares few candidates even
among a million detainers. Keys go into Redis key names only as digests.
"""

from __future__ import annotations

from functools import lru_cache

from notifier.matching.normalise import phonetic_code, token_canon
from notifier.matching.record import RECENT_PEOPLE, MatchRecord, NameForm

__all__ = ["filing_keys", "person_filing_keys", "person_search_keys", "search_keys"]

_MAX_GIVEN_CODES = 6  # a nickname standing for many names (AL: ALBERT, ALFRED...) files under a few
_MAX_SURNAMES = 3


def _given_codes(form: NameForm) -> list[str]:
    if not form.given:
        return []
    codes = sorted({phonetic_code(name) for name in token_canon(form.given[0])})
    return codes[:_MAX_GIVEN_CODES]


def _surname_codes(form: NameForm) -> list[str]:
    return sorted({phonetic_code(surname) for surname in form.surnames[:_MAX_SURNAMES]})


def _initial_pairs(form: NameForm) -> set[str]:
    """The initials of the first given name and of each surname, in pairs (a typo seldom hits the first letter)."""
    if not form.given:
        return set()
    given = form.given[0][0]
    return {f"{min(given, surname[0])}{max(given, surname[0])}" for surname in form.surnames[:_MAX_SURNAMES]}


def _form_keys(form: NameForm, undated_searches: bool, searching: bool) -> set[str]:
    """A form's filing keys; ``searching``: with those a search adds (``o:``, or ``n:`` without a date)."""
    given_codes, surname_codes = _given_codes(form), _surname_codes(form)
    pairs = [
        f"{given}:{surname}" if given <= surname else f"{surname}:{given}"
        for given in given_codes
        for surname in surname_codes
    ]
    keys = {f"n:{pair}" for pair in pairs} if undated_searches or (searching and form.birth is None) else set()
    if form.birth is None or searching:
        keys.update(f"o:{pair}" for pair in pairs)
    if form.birth is None:
        return keys
    year, month, day = form.birth // 10_000, form.birth // 100 % 100, form.birth % 100
    month_day = f"{min(month, day):02d}{max(month, day):02d}"
    tens, last = year % 10, year // 10
    next_decade = (year + 1) // 10
    century, last_two = divmod(year, 100)
    swapped_year = f"{century}:{''.join(sorted(f'{last_two:02d}'))}"
    for pair in pairs:
        keys.add(f"p:{pair}:{year}:{month}")
        keys.add(f"d:{pair}:{year}:{day}")
        keys.add(f"q:{pair}:{month_day}:{tens}")
        keys.add(f"r:{pair}:{month_day}:{last}")
        keys.add(f"e:{pair}:{month_day}:{next_decade}")
        keys.add(f"y:{pair}:{month_day}:{swapped_year}")
    keys.update(f"t:{code}:{year}:{month_day}" for code in {*given_codes, *surname_codes})
    keys.update(f"i:{pair}:{year}:{month_day}" for pair in _initial_pairs(form))
    return keys


def _record_keys(record: MatchRecord, undated_searches: bool, searching: bool) -> frozenset[str]:
    keys: set[str] = set()
    for form in record.forms:
        keys |= _form_keys(form, undated_searches, searching)
    if record.fbi_number:
        keys.add(f"fbi={record.fbi_number}")
    if record.a_number:
        keys.add(f"a_number={record.a_number}")
    if record.state_id:
        keys.add(f"state_id={record.state_id}")
    return frozenset(keys)


def filing_keys(record: MatchRecord, *, undated_searches: bool = False) -> frozenset[str]:
    """The keys a record is filed under. ``undated_searches``: also under its names alone, for an
    index that will be searched by records without a date of birth (a person on the wire always
    has one; some benchmark records do not)."""
    return _record_keys(record, undated_searches, searching=False)


def search_keys(record: MatchRecord) -> frozenset[str]:
    """The keys a search for the record looks under: its own, and the names of records filed without
    a date of birth (``o:``); a name form without a date looks under the names of everyone (``n:``)."""
    return _record_keys(record, undated_searches=False, searching=True)


# A booked person's keys are wanted with every event of the booking (to file it, to search for it): those of the
# people seen lately are kept. A detainer index filing a million records at start goes by ``filing_keys``.


@lru_cache(maxsize=RECENT_PEOPLE)
def person_filing_keys(record: MatchRecord) -> frozenset[str]:
    """``filing_keys`` of a booked person's record, kept for the people seen lately."""
    return filing_keys(record)


@lru_cache(maxsize=RECENT_PEOPLE)
def person_search_keys(record: MatchRecord) -> frozenset[str]:
    """``search_keys`` of a booked person's record, kept for the people seen lately."""
    return search_keys(record)
