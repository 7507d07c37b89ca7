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

The booking index in Redis (``store.booking_index``), which a lodged detainer
searches, files a booking under fewer keys (``booking_filing_keys``): ``q``,
``r``, ``e`` and ``y`` give way to one key, ``m:{g,s}:month-day`` (the year wrong
in any way), which every record sharing one of them shares too. Filing is what
every booking pays (a filing a key, in Redis, with every change of custody),
a search is what a lodge pays, and a lodge decides its candidates as their own
events would be decided (over this index of detainers, with these keys): the
wider key proposes a few more bookings of the name born on that day, and
changes no decision. A lodge looks under the matcher's search keys and
``m`` (``booking_search_keys``), so bookings filed under the former four and
not moved yet (``booking_scheme_change``) are found as well; once every booking
is moved, it leaves the former four out.
"""

from __future__ import annotations

from functools import lru_cache

from notifier.matching.normalise import phonetic_code, token_canon
from notifier.matching.record import RECENT_PEOPLE, MatchRecord

__all__ = [
    "BOOKING_KEY_SCHEME",
    "booking_filing_keys",
    "booking_scheme_change",
    "booking_search_keys",
    "filing_keys",
    "person_filing_keys",
    "person_lookup_keys",
    "person_search_keys",
    "search_keys",
]

BOOKING_KEY_SCHEME = "2"  # the booking index's keys: the first scheme was the matcher's own

_MAX_GIVEN_CODES = 6  # a nickname standing for many names (AL: ALBERT, ALFRED...) files under a few
_MAX_SURNAMES = 3

# A form's names as its keys take them: pairs, codes, initials, and the pairs' ``o:`` and ``n:`` keys.
_NameParts = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _given_codes(first: str | None) -> list[str]:
    if first is None:
        return []
    codes = sorted({phonetic_code(name) for name in token_canon(first)})
    return codes[:_MAX_GIVEN_CODES]


def _surname_codes(surnames: tuple[str, ...]) -> list[str]:
    return sorted({phonetic_code(surname) for surname in surnames})


def _initial_pairs(first: str | None, surnames: tuple[str, ...]) -> set[str]:
    """The initials of the first given name and of each surname, in pairs (a typo seldom hits the first letter)."""
    if first is None:
        return set()
    given = first[0]
    return {f"{min(given, surname[0])}{max(given, surname[0])}" for surname in surnames}


@lru_cache(maxsize=65_536)  # a pure function of a form's first given name and first surnames, and names repeat
def _name_parts(first: str | None, surnames: tuple[str, ...]) -> _NameParts:
    """What a form's keys take from its names: the ``{g,s}`` pairs (each once), the codes for ``t:``, the initials
    for ``i:``, and the pairs' ``o:`` and ``n:`` keys (which take nothing else: made once for everyone so named)."""
    given_codes, surname_codes = _given_codes(first), _surname_codes(surnames)
    pairs = tuple(
        dict.fromkeys(
            [
                f"{given}:{surname}" if given <= surname else f"{surname}:{given}"
                for given in given_codes
                for surname in surname_codes
            ]
        )
    )
    # Tuples of strings, which the garbage collector leaves alone once it has seen them.
    return (
        pairs,
        tuple({*given_codes, *surname_codes}),
        tuple(_initial_pairs(first, surnames)),
        tuple([f"o:{pair}" for pair in pairs]),
        tuple([f"n:{pair}" for pair in pairs]),
    )


@lru_cache(maxsize=65_536)  # a pure function of a date of birth, and people share them
def _date_parts(birth: int) -> tuple[str, str, str, str, str, str, str, str]:
    """What follows the pair in each dated key of the table above (``p``, ``d``, ``q``, ``r``, ``e``, ``y``),
    what follows the code or the initials in ``t`` and ``i``, and the pair in the booking index's ``m``."""
    year, month_and_day = divmod(birth, 10_000)
    month, day = divmod(month_and_day, 100)
    month_day = f"{month:02d}{day:02d}" if month <= day else f"{day:02d}{month:02d}"
    century, last_two = divmod(year, 100)
    tens, units = divmod(last_two, 10)
    return (
        f":{year}:{month}",
        f":{year}:{day}",
        f":{month_day}:{year % 10}",
        f":{month_day}:{year // 10}",
        f":{month_day}:{(year + 1) // 10}",
        f":{month_day}:{century}:{tens}{units}" if tens <= units else f":{month_day}:{century}:{units}{tens}",
        f":{year}:{month_day}",
        f":{month_day}",
    )


def _record_keys(
    record: MatchRecord, undated_searches: bool, booking: bool
) -> tuple[list[str], list[str], list[str], list[str]]:
    """A record's keys in four lists, each key made once (a form's keys are distinct; two forms may share some):
    the filing keys the booking index files under too (``p``, ``d``, ``t``, ``i``, ``o`` of a form without a date,
    the identifiers); the other filing keys (``q``, ``r``, ``e``, ``y``, and ``n`` with ``undated_searches``); the
    booking index's own (``m``, only with ``booking``); and the keys a search adds to the filing keys (``o`` of a
    dated form; without a date ``n``, unless filed under already)."""
    shared: list[str] = []
    wider: list[str] = []
    moved: list[str] = []
    searched: list[str] = []
    for form in record.forms:
        pairs, codes, initials, undated, names_only = _name_parts(
            form.given[0] if form.given else None, form.surnames[:_MAX_SURNAMES]
        )
        if undated_searches:
            wider += names_only
        birth = form.birth
        if birth is None:  # filed under its names alone; a search looks under everyone's names too
            shared += undated
            if not undated_searches:
                searched += names_only
            continue
        p, d, q, r, e, y, dated, month_day = _date_parts(birth)
        for pair in pairs:
            shared += (f"p:{pair}{p}", f"d:{pair}{d}")
            wider += (f"q:{pair}{q}", f"r:{pair}{r}", f"e:{pair}{e}", f"y:{pair}{y}")
            if booking:
                moved.append(f"m:{pair}{month_day}")
        for code in codes:
            shared.append(f"t:{code}{dated}")
        for initial_pair in initials:
            shared.append(f"i:{initial_pair}{dated}")
        searched += undated
    if record.fbi_number:
        shared.append(f"fbi={record.fbi_number}")
    if record.a_number:
        shared.append(f"a_number={record.a_number}")
    if record.state_id:
        shared.append(f"state_id={record.state_id}")
    return shared, wider, moved, searched


def filing_keys(record: MatchRecord, *, undated_searches: bool = False) -> frozenset[str]:
    """The keys a record is filed under. ``undated_searches``: also under its names alone, for an
    index that will be searched by records without a date of birth (a person on the wire always
    has one; some benchmark records do not)."""
    shared, wider, _, _ = _record_keys(record, undated_searches, booking=False)
    return frozenset(shared + wider)


def search_keys(record: MatchRecord) -> frozenset[str]:
    """The keys a search for the record looks under: its own, and the names of records filed without
    a date of birth (``o:``); a name form without a date looks under the names of everyone (``n:``)."""
    shared, wider, _, searched = _record_keys(record, undated_searches=False, booking=False)
    return frozenset(shared + wider + searched)


# A booked person's keys are wanted with every event of the booking (to file it, to search for it): those of the
# people seen lately are kept, as what the hot path reads: the booking index's filing keys as a set (it takes set
# differences), and the search keys as a tuple, each once (the index only reads them one by one). The matcher's
# filing keys and the sets of search keys, wanted only by a lodge, are made from them when asked for. A detainer
# index filing a million records at start goes by ``filing_keys``.


@lru_cache(maxsize=RECENT_PEOPLE)
def _person_keys(record: MatchRecord) -> tuple[frozenset[str], tuple[str, ...], int]:
    """A booked person's booking index filing keys, and search keys: the matcher's filing keys first (how many,
    the third), then those only a search looks under."""
    shared, wider, moved, searched = _record_keys(record, undated_searches=False, booking=True)
    filing = shared + wider
    if len(record.forms) > 1:  # two forms may share keys: each once
        filing = list(dict.fromkeys(filing))
        filed = set(filing)
        searched = [key for key in dict.fromkeys(searched) if key not in filed]
    return frozenset(shared + moved), (*filing, *searched), len(filing)


def person_lookup_keys(record: MatchRecord) -> tuple[tuple[str, ...], int]:
    """``person_search_keys`` as a tuple, each key once, kept for the people seen lately: what an index looks
    under; and how many of them, from the first, are the record's filing keys (the rest, ``o:`` and ``n:``, are
    filed under only by records without a date of birth, or by an index for searches without one)."""
    _, keys, filing = _person_keys(record)
    return keys, filing


def person_filing_keys(record: MatchRecord) -> frozenset[str]:
    """``filing_keys`` of a booked person's record."""
    _, keys, filing = _person_keys(record)
    return frozenset(keys[:filing])


def person_search_keys(record: MatchRecord) -> frozenset[str]:
    """``search_keys`` of a booked person's record."""
    return frozenset(_person_keys(record)[1])


def booking_filing_keys(record: MatchRecord) -> frozenset[str]:
    """The keys the booking index files a booked person under: the matcher's, with ``m`` for ``q``, ``r``, ``e``
    and ``y`` (kept for the people seen lately)."""
    return _person_keys(record)[0]


def booking_search_keys(record: MatchRecord, *, former_scheme: bool = True) -> frozenset[str]:
    """The keys to look under in the booking index for bookings of people who may be this person: the matcher's
    search keys (those of bookings filed under the former scheme among them) and ``m``. Without ``former_scheme``
    (every booking moved to the current scheme's keys), not those only the former one filed under (``q``, ``r``,
    ``e``, ``y``): no booking is filed under them, so looking there finds nothing."""
    if former_scheme:
        return person_search_keys(record) | booking_scheme_change(record)[1]
    filing, keys, filed = _person_keys(record)
    return filing | frozenset(keys[filed:])


def booking_scheme_change(record: MatchRecord) -> tuple[frozenset[str], frozenset[str]]:
    """What the booking index filed a booked person under by its former scheme (the matcher's keys) and no longer
    does (``q``, ``r``, ``e``, ``y``), and what it files under now and did not then (``m``)."""
    matcher, booking = person_filing_keys(record), booking_filing_keys(record)
    return matcher - booking, booking - matcher
