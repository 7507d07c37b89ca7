"""Frozen dataclasses made on every read entry and booked person have initialisers of their own (each slot set
through its descriptor): each takes every field, in order, with the field's default, and sets them all."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from contracts.envelope import StreamEntry
from notifier.matching.record import MatchRecord, NameForm

FORM = NameForm(("JOSE", "LUIS"), ("GARCIA", "LOPEZ"), 19900417)
EXAMPLES: list[tuple[type[Any], tuple[Any, ...]]] = [
    (StreamEntry, ("rw:custody-events", "1-0", {b"type": b"booking"})),
    (NameForm, (("JOSE", "LUIS"), ("GARCIA", "LOPEZ"), 19900417)),
    (MatchRecord, ((FORM,), "M", "MX", "123456AB9", "012345678", "CA:A1234567", 1)),
]


@pytest.mark.parametrize(("cls", "values"), EXAMPLES, ids=[cls.__name__ for cls, _ in EXAMPLES])
def test_the_initialiser_takes_every_field_in_order_with_its_default(cls: type[Any], values: tuple[Any, ...]) -> None:
    fields = dataclasses.fields(cls)
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]

    assert [p.name for p in parameters] == [f.name for f in fields]
    assert [p.default for p in parameters] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
    ]


@pytest.mark.parametrize(("cls", "values"), EXAMPLES, ids=[cls.__name__ for cls, _ in EXAMPLES])
def test_every_field_is_set_and_the_instance_stays_frozen(cls: type[Any], values: tuple[Any, ...]) -> None:
    made = cls(*values)
    by_name = cls(**{f.name: value for f, value in zip(dataclasses.fields(cls), values, strict=True)})

    assert dataclasses.astuple(made) == dataclasses.astuple(by_name)
    assert [getattr(made, f.name) for f in dataclasses.fields(cls)] == list(values)
    assert made == by_name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, dataclasses.fields(cls)[0].name, values[0])


def test_a_record_s_defaults_are_set_too() -> None:
    record = MatchRecord((FORM,), None, None)

    assert (record.fbi_number, record.a_number, record.state_id, record.derived) == (None, None, None, 0)
