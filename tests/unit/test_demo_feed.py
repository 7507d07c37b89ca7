"""`make demo` plays a feed the API accepts and that raises alerts for every office."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contracts import Booking, LodgeDetainer, custody_event_adapter
from notifier.matching import decide
from releasewatch.demo import synthetic_feed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("seed", [1, 7, 123456])
def test_every_demo_detainer_and_event_passes_the_api_contract(seed: int) -> None:
    feed = synthetic_feed(seed, NOW)
    for detainer in [*feed.detainers, feed.late_detainer]:
        LodgeDetainer.model_validate_json(json.dumps(detainer))
    for chunk in feed.events:
        for event in chunk:
            custody_event_adapter.validate_json(json.dumps(event))


def test_each_office_has_a_detained_person_booked_in_the_feed() -> None:
    feed = synthetic_feed(7, NOW)
    bookings = [
        event
        for chunk in feed.events
        for event in (custody_event_adapter.validate_json(json.dumps(e)) for e in chunk)
        if isinstance(event, Booking)
    ]
    offices_matched = set()
    for raw in feed.detainers:
        detainer = LodgeDetainer.model_validate_json(json.dumps(raw))
        if any(decide(booking.person, detainer.person) for booking in bookings):
            offices_matched.add(detainer.field_office)
    assert offices_matched == {"LOS", "NYC", "HOU"}


def test_playing_the_demo_again_uses_new_ids() -> None:
    first, second = synthetic_feed(1, NOW), synthetic_feed(2, NOW)
    first_ids = {event["event_id"] for chunk in first.events for event in chunk}
    second_ids = {event["event_id"] for chunk in second.events for event in chunk}
    assert not first_ids & second_ids
