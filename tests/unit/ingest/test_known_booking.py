"""Intake's record of a booking it has none of, started from the notifier's stored state: the facts a policy's
conditions look at, read from the JSON the notifier writes (not a copy of its model)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from contracts import CustodyEvent, custody_event_adapter
from contracts.events import fact_stamp
from ingest.policies.known import seed
from notifier.domain.custody import BookingState, apply_event
from policies import disclose
from tests import samples
from tests.unit.policies.builders import MISDEMEANOR, policy

ORI, NUMBER = "CA0194200", "2026-004512"


def event(payload: dict[str, Any]) -> CustodyEvent:
    """A custody event as intake parses it."""
    return custody_event_adapter.validate_json(json.dumps(payload))


def stored(*events: CustodyEvent) -> bytes:
    """The booking's state as the notifier saves it after ``events``."""
    state = BookingState.empty(ORI, NUMBER)
    for each in events:
        state = apply_event(state, each)
    return state.stored_json()


def test_the_record_starts_with_the_charges_booking_time_and_date_of_birth_the_notifier_knows() -> None:
    booking = event(samples.booking())
    corrected = event(samples.booking_updated())  # the charges corrected to a misdemeanor since

    record = seed(ORI, NUMBER, stored(booking, corrected))

    assert record is not None
    assert (record.facility_ori, record.booking_number) == (ORI, NUMBER)
    assert [charge.statute for charge in record.charges] == ["PC 484"]
    assert record.charges_stamp == fact_stamp(corrected)
    assert record.booked_at == booking.occurred_at
    assert record.date_of_birth == date.fromisoformat(samples.person()["date_of_birth"])
    assert record.person_stamp == fact_stamp(booking)
    assert record.identity_published  # the notifier knows who was booked: a correction is not held from it
    assert (record.held, record.withheld, record.held_counted, record.first_seen_at) == ((), (), (), None)


def test_a_state_telling_nothing_conditions_look_at_starts_no_record() -> None:
    assert seed(ORI, NUMBER, stored(event(samples.release_scheduled()))) is None


def test_a_release_is_judged_on_the_facts_known_before_the_policy() -> None:
    rules = policy()  # releases shared for felonies only
    release = event(samples.release())

    felony = disclose(rules, seed(ORI, NUMBER, stored(event(samples.booking()))), release)
    misdemeanor = disclose(rules, seed(ORI, NUMBER, stored(event(samples.booking(charges=[MISDEMEANOR])))), release)

    assert felony.verdict.shared
    assert [sent.event_id for sent in felony.publish] == [release.event_id]  # nothing held to publish with it
    assert not misdemeanor.verdict.shared
    assert "misdemeanor PC 484" in misdemeanor.verdict.reason


def test_a_later_correction_replaces_the_seeded_charges_and_an_earlier_one_does_not() -> None:
    rules = policy()
    record = seed(ORI, NUMBER, stored(event(samples.booking())))
    later = event(samples.booking_updated(charges=[MISDEMEANOR]))
    earlier = event(samples.booking_updated(event_id="evt-early", occurred_at="2026-11-20T08:00:00-08:00"))

    assert [c.statute for c in (disclose(rules, record, later).state or record).charges] == ["PC 484"]
    assert [c.statute for c in (disclose(rules, record, earlier).state or record).charges] == ["PC 459"]
