"""Properties that hold for any person: a record finds itself, and normalising twice changes nothing."""

from __future__ import annotations

import string
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import MatchDecision, Person, Sex
from notifier.matching import PersonIndex, decide, match_record

_WORDS = st.text(alphabet=string.ascii_uppercase + "ÁÉÍÓÚÑ", min_size=2, max_size=12)
_COMMON = st.sampled_from(["JOSE", "MARIA", "JUAN", "GARCIA", "LOPEZ", "SMITH", "NGUYEN", "DE LA CRUZ", "LUPE"])


@st.composite
def people(draw: st.DrawFn, words: st.SearchStrategy[str] = _WORDS) -> Person:
    has_a_number = draw(st.booleans())
    return Person(
        first_name=draw(words),
        middle_name=draw(st.none() | words),
        last_name=" ".join(draw(st.lists(words, min_size=1, max_size=2))),
        date_of_birth=draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31))),
        sex=draw(st.sampled_from(list(Sex))),
        place_of_birth=draw(st.none() | st.sampled_from(["MX", "GT", "US"])),
        a_number=f"A{draw(st.integers(10**7, 10**9 - 1)):09d}" if has_a_number else None,
    )


@settings(deadline=None, max_examples=60)
@given(people())
def test_a_record_with_names_of_its_own_always_matches_itself_automatically(person: Person) -> None:
    evidence = decide(person, person)

    assert evidence is not None
    assert evidence.decision is MatchDecision.MATCH


@settings(deadline=None, max_examples=60)
@given(people(words=_COMMON))
def test_a_record_with_the_commonest_names_is_at_least_sent_to_review_against_itself(person: Person) -> None:
    assert decide(person, person) is not None


@settings(deadline=None, max_examples=40)
@given(people())
def test_a_filed_record_is_found_and_matched_by_itself(person: Person) -> None:
    index = PersonIndex()
    index.add("LOS-1", person)

    assert [entry_id for entry_id, _ in index.matches(person)] == ["LOS-1"]


@settings(deadline=None, max_examples=60)
@given(people())
def test_normalising_a_person_is_deterministic(person: Person) -> None:
    assert match_record(person) == match_record(Person.model_validate_json(person.model_dump_json()))


@st.composite
def crowds(draw: st.DrawFn) -> tuple[Person, list[Person]]:
    """A person and others like them: the commonest names, birth dates weeks apart, an A-number or not, so that
    some are matched, some sent to review, and some not decided on."""
    born = st.dates(min_value=date(1980, 1, 1), max_value=date(1980, 2, 15))
    crowd = draw(st.lists(st.tuples(people(words=_COMMON), born), min_size=2, max_size=8))
    subject, *others = [person.model_copy(update={"date_of_birth": day}) for person, day in crowd]
    return subject, others


@settings(deadline=None, max_examples=80)
@given(crowds())
def test_what_matches_holds_for_a_person_is_each_a_pair_that_could_match_on_its_own(
    crowd: tuple[Person, list[Person]],
) -> None:
    """``could_match`` lets a lodge pass over the bookings of other people who share a key with its subject
    without deciding each over every detainer: it must never say no to a pair ``matches`` would answer."""
    subject, others = crowd
    index = PersonIndex()
    for number, person in enumerate(others):
        index.add(f"LOS-{number}", person)

    matched = {entry_id for entry_id, _ in index.matches(subject)}

    assert matched <= {f"LOS-{n}" for n in range(len(others)) if index.could_match(subject, f"LOS-{n}")}
    assert not index.could_match(subject, "LOS-nobody")


def test_a_namesake_born_years_apart_could_not_match_where_the_person_could() -> None:
    person = Person(first_name="JOSE", last_name="GARCIA", date_of_birth=date(1980, 1, 2), sex=Sex.MALE)
    index = PersonIndex()
    index.add("LOS-1", person)
    index.add("LOS-2", person.model_copy(update={"date_of_birth": date(1961, 7, 30)}))

    assert [index.could_match(person, entry_id) for entry_id in ("LOS-1", "LOS-2")] == [True, False]
