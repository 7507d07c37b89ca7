"""Deciding whether a booked person is a detainer's subject: the one seam the notifier matches through.

The rest of the notifier uses only what is exported here:

- ``match_record(person)``: the person pre-normalised (folded names, each surname
  apart, nicknames, phonetic codes, identifiers), the compact form the
  detainer index keeps in memory;
- ``blocking_keys(person)`` and ``search_keys(person)``: the keys a person is
  filed under, and the keys a search for them looks under (as ``PersonIndex``
  files and searches them in memory);
- ``booking_filing_keys``, ``booking_search_keys`` and ``booking_scheme_change``:
  the same for the booking index in Redis (bookings filed, a lodged detainer
  searching), which files under fewer, wider keys, and the keys its former
  scheme filed under (``keys.py``);
- ``PersonIndex``: people by those keys; ``matches(person)`` decides over all
  candidates at once, since an automatic match must lead the runner-up;
- ``decide(subject, candidate)`` for one pair, and ``decide_among`` for a
  subject and candidates found elsewhere;
- ``MatchConfig``: the thresholds (the fitted ones ship in ``data/weights.json``).

Every ``match`` and ``possible_match`` carries its evidence: each field's level
and weight, and the reasons in words (``explain.py``), which quote the person's
numbers and so go only where the alert goes. ``decide.py`` states the rules.

Everything here is pure: no I/O but reading the package's own data files.
"""

from __future__ import annotations

from contracts import MatchEvidence, Person
from notifier.matching import keys
from notifier.matching.decide import MatchConfig, decide_among, decide_records
from notifier.matching.identifiers import normalise_a_number, normalise_fbi_number, normalise_state_id
from notifier.matching.index import PersonIndex
from notifier.matching.keys import BOOKING_KEY_SCHEME, person_filing_keys, person_search_keys
from notifier.matching.model import MatchModel, fitted_model
from notifier.matching.normalise import fold, phonetic_code
from notifier.matching.record import MatchRecord, match_record

__all__ = [
    "BOOKING_KEY_SCHEME",
    "MatchConfig",
    "MatchModel",
    "MatchRecord",
    "PersonIndex",
    "blocking_keys",
    "booking_filing_keys",
    "booking_scheme_change",
    "booking_search_keys",
    "decide",
    "decide_among",
    "fitted_model",
    "fold",
    "match_record",
    "normalise_a_number",
    "normalise_fbi_number",
    "normalise_state_id",
    "phonetic_code",
    "search_keys",
]


def _record(person: Person | MatchRecord) -> MatchRecord:
    return person if isinstance(person, MatchRecord) else match_record(person)


def blocking_keys(person: Person | MatchRecord) -> frozenset[str]:
    """The keys a person is filed under."""
    return person_filing_keys(_record(person))


def search_keys(person: Person | MatchRecord) -> frozenset[str]:
    """The keys to look under for people who may be this person."""
    return person_search_keys(_record(person))


def booking_filing_keys(person: Person | MatchRecord) -> frozenset[str]:
    """The keys the booking index files a booked person under."""
    return keys.booking_filing_keys(_record(person))


def booking_search_keys(person: Person | MatchRecord, *, former_scheme: bool = True) -> frozenset[str]:
    """The keys to look under in the booking index for bookings of people who may be this person (``former_scheme``:
    with those only the index's former scheme filed under, while bookings filed under them may be left)."""
    return keys.booking_search_keys(_record(person), former_scheme=former_scheme)


def booking_scheme_change(person: Person | MatchRecord) -> tuple[frozenset[str], frozenset[str]]:
    """The keys the booking index's former scheme filed a person under and its current one does not, and the
    other way round."""
    return keys.booking_scheme_change(_record(person))


def decide(
    subject: Person | MatchRecord, candidate: Person | MatchRecord, *, config: MatchConfig | None = None
) -> MatchEvidence | None:
    """One pair on its own: ``match``, ``possible_match`` (with the evidence), or None."""
    return decide_records(_record(subject), _record(candidate), config=config)
