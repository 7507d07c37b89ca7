"""Candidate search: a person is found through one error of each kind, and the index stays right as it changes."""

from __future__ import annotations

from datetime import date

import pytest

from contracts import Person
from notifier.matching import (
    MatchRecord,
    PersonIndex,
    blocking_keys,
    booking_filing_keys,
    booking_scheme_change,
    booking_search_keys,
    search_keys,
)
from notifier.matching import index as index_module
from tests.unit.notifier.matching.helpers import someone

ONE_ERROR_EACH = [
    pytest.param({"first_name": "JSOE"}, id="typo in the given name"),
    pytest.param({"first_name": "PEPE", "middle_name": None}, id="nickname"),
    pytest.param({"last_name": "GRACIA LOPEZ"}, id="typo in the first surname"),
    pytest.param({"last_name": "GARCIA"}, id="second surname dropped"),
    pytest.param({"last_name": "LOPEZ"}, id="first surname dropped"),
    pytest.param({"last_name": "LOPEZ GARCIA"}, id="surnames reordered"),
    pytest.param({"date_of_birth": "1990-04-07"}, id="day typo"),
    pytest.param({"date_of_birth": "1991-04-17"}, id="year typo"),
    pytest.param({"first_name": "GARCIA", "middle_name": None, "last_name": "JOSE"}, id="given and surname swapped"),
    pytest.param({"first_name": "LUIS", "middle_name": None}, id="goes by the middle name"),
    pytest.param({"middle_name": "GARCIA", "last_name": "LOPEZ"}, id="first surname in the middle name field"),
    pytest.param({"first_name": "JSOE", "last_name": "GARCIA", "date_of_birth": "1990-04-18"}, id="one of each"),
]


@pytest.mark.parametrize("error", ONE_ERROR_EACH)
def test_a_person_is_a_candidate_through_one_error(error: dict[str, object]) -> None:
    index = PersonIndex()
    index.add("LOS-1", someone())
    index.add("NYC-1", someone(first_name="MARIA", middle_name=None, last_name="HERNANDEZ", date_of_birth="1975-08-30"))

    assert index.candidates(someone(**error)) == {"LOS-1"}


YEAR_ERRORS = [
    pytest.param({"date_of_birth": "1980-04-17"}, id="tens digit of the year"),
    pytest.param({"date_of_birth": "1993-04-17"}, id="last digit of the year"),
    pytest.param({"date_of_birth": "1989-04-17"}, id="year one off across a decade"),
    pytest.param({"date_of_birth": "1909-04-17"}, id="year's last two digits swapped"),
    pytest.param({"date_of_birth": "1990-05-17"}, id="month typo"),
]


@pytest.mark.parametrize("error", [*ONE_ERROR_EACH, *YEAR_ERRORS])
def test_a_lodged_detainer_finds_a_booking_through_one_error(error: dict[str, object]) -> None:
    """The booking index in Redis files under fewer keys than the matcher; a lodge still finds what it would."""
    booked = booking_filing_keys(someone())
    namesake_elsewhere = someone(
        first_name="MARIA", middle_name=None, last_name="HERNANDEZ", date_of_birth="1975-08-30"
    )

    assert booked & booking_search_keys(someone(**error))
    assert not booked & booking_search_keys(namesake_elsewhere)


def test_the_booking_index_files_one_key_where_the_matcher_has_four_year_errors() -> None:
    person = someone(aliases=[{"last_name": "GARCIA", "first_name": "PEPE", "date_of_birth": "1990-04-17"}])
    gone, added = booking_scheme_change(person)

    assert booking_filing_keys(person) == (blocking_keys(person) - gone) | added
    assert len(gone) == 4 * len(added) > 0
    assert {key[:2] for key in gone} == {"q:", "r:", "e:", "y:"}
    assert {key[:2] for key in added} == {"m:"}


def test_every_booking_the_matchers_keys_find_the_booking_index_finds() -> None:
    dates = ["1990-04-17", "1990-04-18", "1991-04-17", "1909-04-17", "1980-04-17", "1990-07-04", "1989-12-31"]
    names = [("JOSE", "GARCIA LOPEZ"), ("JSOE", "GARCIA"), ("PEPE", "LOPEZ"), ("MARIA", "GARCIA"), ("JOSE", "LOPEZ")]
    people = [someone(first_name=g, middle_name=None, last_name=s, date_of_birth=d) for g, s in names for d in dates]
    found_by_the_matcher = 0
    for booked in people:
        for lodged in people:
            if blocking_keys(booked) & search_keys(lodged):
                found_by_the_matcher += 1
                assert booking_filing_keys(booked) & booking_search_keys(lodged), (booked, lodged)
    assert found_by_the_matcher > len(people)  # not only each person with themselves


def test_day_and_month_swapped_share_keys() -> None:
    swapped = someone(date_of_birth="1990-07-04")

    assert blocking_keys(someone(date_of_birth="1990-04-07")) & blocking_keys(swapped)


def test_jimenez_and_ximenez_are_candidates_for_each_other() -> None:
    index = PersonIndex()
    index.add("LOS-1", someone(last_name="JIMÉNEZ"))

    assert index.candidates(someone(last_name="XIMENEZ")) == {"LOS-1"}


def _record(birth: date | None) -> MatchRecord:
    return MatchRecord.of(first_name="JOSE", last_name="GARCIA LOPEZ", date_of_birth=birth)


def test_without_a_date_of_birth_a_person_is_searched_by_name_alone() -> None:
    index = PersonIndex(undated_searches=True)
    index.add("LOS-1", _record(date(1990, 4, 17)))
    index.add("LOS-2", _record(None))

    assert index.candidates(_record(None)) == {"LOS-1", "LOS-2"}
    assert index.candidates(_record(date(1984, 1, 2))) == {"LOS-2"}  # not everyone of that name: only the undated


def test_an_index_not_expecting_undated_searches_files_nobody_by_name_alone() -> None:
    index = PersonIndex()
    index.add("LOS-1", _record(date(1990, 4, 17)))

    assert index.candidates(_record(None)) == set()
    assert not any(key.startswith("n:") for key in blocking_keys(_record(date(1990, 4, 17))))


@pytest.mark.parametrize("merged", [False, True], ids=["filed since the last merge", "merged"])
def test_a_person_filed_without_a_date_of_birth_among_dated_ones_is_found_by_name_and_date_searches(
    monkeypatch: pytest.MonkeyPatch, merged: bool
) -> None:
    """Keys only undated records are filed under are looked under while one is filed, whenever it came."""
    monkeypatch.setattr(index_module, "_MIN_MERGE", 0 if merged else 1_000)
    index = PersonIndex()
    index.add_many([("LOS-1", _record(date(1990, 4, 17)), "LOS")])
    searcher = _record(date(1984, 1, 2))
    assert index.candidates(searcher) == set()

    index.add("LOS-2", _record(None))
    assert index.candidates(searcher) == {"LOS-2"}

    index.remove("LOS-2")
    index.add("LOS-3", _record(None))
    assert index.candidates(searcher) == {"LOS-3"}
    index.add("LOS-3", _record(None))  # filed again: replaces what it was filed as
    index.add("LOS-4", _record(None))
    index.remove("LOS-4")
    assert index.candidates(searcher) == {"LOS-3"}


def test_a_search_with_a_birth_date_does_not_look_at_everyone_of_the_name() -> None:
    assert not any(key.startswith("n:") for key in search_keys(_record(date(1990, 4, 17))))
    assert any(key.startswith("n:") for key in search_keys(_record(None)))


# --- the index as detainers come and go ------------------------------------------------------


def test_entries_filed_after_a_merge_and_before_one_are_both_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "_MIN_MERGE", 10)
    index = PersonIndex()
    for number in range(30):  # several merges happen on the way
        index.add(f"LOS-{number}", someone(date_of_birth=f"19{50 + number}-04-17"))

    found = {number: index.candidates(someone(date_of_birth=f"19{50 + number}-04-17")) for number in range(30)}

    assert all(f"LOS-{number}" in ids for number, ids in found.items())
    assert len(index) == 30


def test_removed_entries_stay_gone_through_merges_and_renumbering(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "_MIN_MERGE", 10)
    index = PersonIndex()
    for number in range(40):
        index.add(f"LOS-{number}", someone(date_of_birth=f"19{50 + number}-04-17"))
    for number in range(0, 40, 2):
        index.remove(f"LOS-{number}")
    for number in range(40, 60):  # enough filing to merge and renumber the slots
        index.add(f"LOS-{number}", someone(date_of_birth=f"19{50 + number - 40}-05-17"))

    found = set().union(*(index.candidates(someone(date_of_birth=f"19{50 + n}-04-17")) for n in range(40)))
    first_forty = {entry_id for entry_id in found if int(entry_id.split("-")[1]) < 40}
    assert first_forty == {f"LOS-{number}" for number in range(1, 40, 2)}  # every one kept, none removed
    assert "LOS-41" in index.candidates(someone(date_of_birth="1951-05-17"))
    assert len(index) == 40


def test_filing_many_at_once_finds_what_filing_one_by_one_finds() -> None:
    people = {f"LOS-{n}": someone(date_of_birth=f"19{60 + n}-0{1 + n % 9}-1{n % 10}") for n in range(20)}
    one_by_one, at_once = PersonIndex(), PersonIndex()
    for entry_id, person in people.items():
        one_by_one.add(entry_id, person)
    at_once.add_many((entry_id, person, "LOS") for entry_id, person in people.items())

    for person in people.values():
        assert at_once.candidates(person) == one_by_one.candidates(person)
        assert at_once.matches(person) == one_by_one.matches(person)


def test_a_batchs_people_are_found_and_decided_as_each_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "_MIN_MERGE", 50)
    people = _namesakes(120)
    index = PersonIndex()
    index.add_many((entry_id, person, "LOS") for entry_id, person in list(people.items())[:100])
    for entry_id, person in list(people.items())[100:]:  # filed since the merge, not merged yet
        index.add(entry_id, person)
    for number in range(0, 120, 9):
        index.remove(f"LOS-{number}")
    booked = [*people.values(), someone(first_name="NOBODY", last_name="ELSE"), someone(date_of_birth="1999-12-31")]

    at_once = index.candidate_records_many(booked)

    assert at_once == [index.candidate_records(person) for person in booked]
    assert {entry_id for found in at_once for entry_id, _ in found} == {
        f"LOS-{n}" for n in range(120) if n % 9
    }  # merged and recent entries found, removed ones not
    assert at_once[-2:] == [[], []]  # no one filed under their keys
    assert index.matches_many(booked) == [index.matches(person) for person in booked]
    assert index.candidate_records_many(booked[:3]) == at_once[:3]  # a few people: searched one by one


def test_a_typo_in_both_names_still_finds_the_detainer_when_the_birth_date_is_right() -> None:
    # JOEL LODGE booked as JOE LODGW: both names' phonetic codes change, their initials do not.
    index = PersonIndex()
    index.add("NYC-1", someone(first_name="JOEL", middle_name=None, last_name="LODGE"))

    booked = someone(first_name="JOE", middle_name=None, last_name="LODGW")

    assert "NYC-1" in index.candidates(booked)


@pytest.mark.parametrize(
    ("few_keys", "filter_chunk"),
    [(0, 1 << 18), (10_000, 1 << 18), (10_000, 5)],
    ids=["numpy gathers", "binary search per key", "the bitmap set a few postings at a time"],
)
def test_a_search_finds_exactly_the_entries_sharing_a_key_either_way_it_reads(
    monkeypatch: pytest.MonkeyPatch, few_keys: int, filter_chunk: int
) -> None:
    monkeypatch.setattr(index_module, "_FEW_KEYS", few_keys)
    monkeypatch.setattr(index_module, "_FILTER_CHUNK", filter_chunk)
    people = _namesakes(200)
    index = PersonIndex()
    index.add_many((entry_id, person, "LOS") for entry_id, person in people.items())

    for searcher in list(people.values())[::7]:
        sought = search_keys(searcher)
        sharing = {entry_id for entry_id, person in people.items() if blocking_keys(person) & sought}
        assert index.candidates(searcher) == sharing
        assert sharing  # everyone shares keys with somebody here: the comparison is not of two empty sets


def _namesakes(count: int) -> dict[str, Person]:
    """People of few names and birth dates, by entry id: many share keys (a misspelt JOSE among them)."""
    return {
        f"LOS-{n}": someone(
            first_name=["JOSE", "JSOE", "MARIA", "LUIS"][n % 4],
            last_name=["GARCIA LOPEZ", "GARCIA", "LOPEZ", "NGUYEN"][n // 4 % 4],
            date_of_birth=f"19{60 + n % 7}-0{1 + n % 9}-1{n % 3}",
        )
        for n in range(count)
    }
