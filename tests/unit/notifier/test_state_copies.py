"""The fold's own copy and comparison of booking states against pydantic's.

The fold copies a state per event and compares each booking's state after a batch with the one stored; it does
both without pydantic's general machinery. Here, on every state the fold reaches from a stay's events in any
order, the copy is pydantic's ``model_copy`` to the last attribute, and the comparison is ``==``.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from contracts import ReleaseReason, ReleaseScheduled
from notifier.domain.custody import (
    BookingState,
    InferredRelease,
    SeenCancellation,
    SeenSchedule,
    _seen,
    _updated,
    apply_event,
    same_state,
)
from tests.unit.notifier.builders import at, empty, event, person


def states_of_a_stay() -> list[BookingState]:
    """Every state the fold passes through, from every order of a stay's events (one of them twice)."""
    events: list[Any] = [
        event("booking"),
        event("booking_updated", person=person(first_name="JOSEPH").model_dump(mode="json")),
        event("release_scheduled"),
        event("release_cancelled"),
        event("release"),
        event("transfer"),
        InferredRelease(
            event_id="roster-1", occurred_at=at("2026-11-25T00:00:00Z"), facility_ori="CA0194200", booking_number="x"
        ),
    ]
    states = [empty()]
    for arrival in itertools.permutations(events[:5]):
        state = empty()
        for fact in (*arrival, arrival[0], events[5], events[6]):
            state = apply_event(state, fact)
            states.append(state)
    return states


def attributes(model: BaseModel) -> dict[str, Any]:
    """Everything a pydantic model instance holds: each of its slots."""
    return {name: getattr(model, name) for name in BaseModel.__slots__}


UPDATES: list[dict[str, Any]] = [
    {},
    {"released_at": at("2026-11-30T00:00:00Z")},
    {"released_at": None, "release_reason": None, "release_stamp": None},
    {"release_reason": ReleaseReason.OTHER, "in_custody_notice": False, "schedule_withheld_by": "rule"},
    {"person": person(last_name="LOPEZ"), "charges": ()},
    {"facility_ori": "NY0303000"},
]


def test_the_folds_copy_of_a_state_is_pydantics_to_the_last_attribute() -> None:
    for state in states_of_a_stay():
        for update in UPDATES:
            before = attributes(state)
            ours, pydantics = _updated(state, update), state.model_copy(update=update)

            assert type(ours) is type(pydantics)
            assert attributes(ours) == attributes(pydantics)
            assert list(ours.__dict__) == list(pydantics.__dict__)  # the fields in their order
            assert ours.model_dump_json(exclude_defaults=True) == pydantics.model_dump_json(exclude_defaults=True)
            assert ours.model_dump_json(exclude_unset=True) == pydantics.model_dump_json(exclude_unset=True)
            assert ours is not state
            assert attributes(state) == before  # left as it was


def test_the_folds_comparison_of_states_is_pydantics() -> None:
    states = states_of_a_stay()[:200]
    twins = [BookingState.model_validate_json(state.model_dump_json()) for state in states]  # equal, not the same
    moved = [
        _updated(state, {"booked_at": (state.booked_at or at("2026-11-20T00:00:00Z")) + timedelta(1)})
        for state in states
    ]
    compared = 0
    for first, second in itertools.product([*states[:60], *twins[:60], *moved[:20]], repeat=2):
        assert same_state(first, second) is (first == second), (first, second)
        compared += first == second
    assert compared > 140  # equal pairs among them, not only unequal ones


def test_an_empty_state_is_the_one_validation_builds() -> None:
    for facility_ori, booking_number in [("CA0194200", "2026-004512"), ("NY0303000", "B/7"), ("", "")]:
        ours = BookingState.empty(facility_ori, booking_number)
        validated = BookingState(facility_ori=facility_ori, booking_number=booking_number)

        assert type(ours) is BookingState
        assert attributes(ours) == attributes(validated)
        assert list(ours.__dict__) == list(validated.__dict__)
        assert ours.model_dump_json(exclude_unset=True) == validated.model_dump_json(exclude_unset=True)
    first, second = BookingState.empty("CA0194200", "1"), BookingState.empty("CA0194200", "2")
    assert first.booking_number == "1"  # each its own: the copies share nothing a state changes
    assert first.__pydantic_fields_set__ is not second.__pydantic_fields_set__


def test_a_states_stored_json_is_its_json_without_defaults() -> None:
    for state in states_of_a_stay():
        assert state.stored_json() == state.model_dump_json(exclude_defaults=True).encode()


def _seen_in_full(
    schedules: tuple[SeenSchedule, ...], event: ReleaseScheduled, cancellations: tuple[SeenCancellation, ...] = ()
) -> tuple[SeenSchedule, ...]:
    """``_seen`` written out from the rule, without its shortcuts: every announcement, in the order announced, in
    its release time's episode (one more than the previous announcement's of that time if a cancellation or another
    time's announcement came between them), the latest twenty kept."""
    new = SeenSchedule(
        scheduled_release_at=event.scheduled_release_at,
        release_reason=event.release_reason,
        known_at=event.occurred_at,
        event_id=event.event_id,
    )
    announced = sorted(
        {s.model_copy(update={"episode": 1}) for s in (*schedules, new)},
        key=lambda s: (s.known_at, 0, s.event_id or "", s.scheduled_release_at),
    )
    stamps = [(s.known_at, 0, s.event_id or "") for s in announced]
    numbered = []
    for index, seen in enumerate(announced):
        same = [i for i in range(index + 1) if announced[i].scheduled_release_at == seen.scheduled_release_at]
        breaks = 0
        for earlier, later in itertools.pairwise(same):
            between = [c for c in cancellations if stamps[earlier] < (c.at, 1, c.event_id) < stamps[later]]
            between += [i for i in range(earlier + 1, later) if i not in same]
            breaks += bool(between)
        numbered.append(seen.model_copy(update={"episode": 1 + breaks}))
    return tuple(numbered[-20:])


def test_the_schedules_seen_are_the_rule_written_out_in_full() -> None:
    schedules = [
        event("release_scheduled"),
        event("release_scheduled", event_id="evt-0009", scheduled_release_at="2026-11-25T09:00:00-08:00"),
        event("release_scheduled", event_id="evt-0010", occurred_at="2026-11-19T09:00:00-08:00"),
        event("release_scheduled", event_id="evt-0011", occurred_at="2026-11-23T09:00:00-08:00"),
    ]
    cancelled = (SeenCancellation(at=at("2026-11-22T09:00:00-08:00"), event_id="evt-0004"),)
    for cancellations in ((), cancelled):
        for first in schedules:
            assert isinstance(first, ReleaseScheduled)
            assert _seen((), first, cancellations) == _seen_in_full((), first, cancellations)
            for then in schedules:
                assert isinstance(then, ReleaseScheduled)
                once = _seen((), first, cancellations)
                assert _seen(once, then, cancellations) == _seen_in_full(once, then, cancellations)
                for last in schedules:
                    assert isinstance(last, ReleaseScheduled)
                    twice = _seen(once, then, cancellations)
                    assert _seen(twice, last, cancellations) == _seen_in_full(twice, last, cancellations)
    states = states_of_a_stay()
    for state in states:  # a person on one side only among them (the empty state's, and the booked ones')
        for other in states[:40]:
            assert same_state(state, other) is (state == other)
