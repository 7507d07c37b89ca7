"""What a policy lets intake publish of each custody event: each rule withholds exactly what it should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts import Booking, BookingUpdated, Charge
from contracts.policies import PolicyMark, WithheldFact
from policies import BookingFacts, disclose, judge_inferred_release
from tests import samples
from tests.unit.policies.builders import (
    ALL_SHARED,
    FELONY,
    MISDEMEANOR,
    event,
    one_policy,
    policy,
    published,
    run,
)


def test_a_facility_no_policy_covers_shares_every_event_as_it_came() -> None:
    booking = event("booking")

    outcome = disclose(None, None, booking)

    assert outcome.verdict.shared
    assert outcome.publish == (booking,)
    assert outcome.mark is None
    assert outcome.verdict.withholding is None


def test_booking_false_withholds_the_booking_and_publishes_nothing_of_it() -> None:
    (outcome,) = run(policy(), [event("booking")])

    assert not outcome.verdict.shared
    assert outcome.publish == ()
    assert outcome.held
    withholding = outcome.verdict.withholding
    assert withholding is not None
    assert withholding.rule == "CA0194200 share.booking"
    assert withholding.policy == "County policy 2026-14 (release notice for serious felonies)"
    assert "never shared" in withholding.reason


def test_a_release_schedule_for_a_felony_publishes_the_held_booking_with_it_but_no_in_custody_notice() -> None:
    outcomes = run(policy(), [event("booking", charges=[FELONY]), event("release_scheduled")])

    assert published(outcomes) == ["evt-0001", "evt-0003"]
    schedule = outcomes[-1]
    assert schedule.verdict.shared
    assert schedule.verdict.rule is not None
    assert schedule.verdict.rule.rule == "CA0194200 share.release_scheduled"
    assert schedule.mark == PolicyMark(
        jurisdiction="CA0194200",
        policy="County policy 2026-14 (release notice for serious felonies)",
        in_custody=False,
        withheld=(WithheldFact(event_type="booking", rule="CA0194200 share.booking"),),
    )


def test_a_booking_whose_later_events_are_all_withheld_is_never_published() -> None:
    outcomes = run(
        policy(),
        [
            event("booking", charges=[MISDEMEANOR]),
            event("release_scheduled"),
            event("release_cancelled"),
            event("release"),
        ],
    )

    assert published(outcomes) == []
    assert [o.held for o in outcomes] == [True, False, True, False]  # the booking, and a cancellation waiting
    assert [o.verdict.rule.rule for o in outcomes if o.verdict.rule] == [
        "CA0194200 share.booking",
        "CA0194200 share.release_scheduled",
        "CA0194200 share.release_scheduled",
        "CA0194200 share.release",
    ]
    assert "no charge is a felony (1 charge known: misdemeanor PC 484 (NCIC 2399))" in outcomes[1].verdict.reason


def test_charges_are_those_known_for_the_booking_at_that_moment() -> None:
    """A correction to a felony lets the next schedule through; one back to a misdemeanor withholds the release."""
    outcomes = run(
        policy(),
        [
            event("booking", charges=[MISDEMEANOR]),
            event("booking_updated", charges=[FELONY]),
            event("release_scheduled"),
            event(
                "booking_updated", event_id="evt-0007", occurred_at="2026-11-22T09:00:00-08:00", charges=[MISDEMEANOR]
            ),
            event("release"),
        ],
    )

    assert published(outcomes) == ["evt-0001", "evt-0002", "evt-0003", "evt-0007"]
    assert not outcomes[-1].verdict.shared
    assert outcomes[-1].state is not None
    assert outcomes[-1].state.charges[0].statute == "PC 484"


def test_a_correction_older_than_the_charges_known_does_not_replace_them() -> None:
    outcomes = run(
        policy(),
        [
            event("booking_updated", occurred_at="2026-11-20T09:00:00-08:00", charges=[FELONY]),
            event(
                "booking_updated", event_id="evt-0008", occurred_at="2026-11-20T08:30:00-08:00", charges=[MISDEMEANOR]
            ),
            event("release_scheduled"),
        ],
    )

    assert outcomes[-1].verdict.shared


def test_a_conditional_booking_rule_publishes_the_held_booking_once_a_correction_meets_it() -> None:
    rules = one_policy(
        "{booking: {when: {any_charge: {severity: [felony]}}}, release_scheduled: true, release: true, transfer: true}"
    )

    outcomes = run(rules, [event("booking", charges=[MISDEMEANOR]), event("booking_updated", charges=[FELONY])])

    assert outcomes[0].publish == ()
    assert [e.event_id for e in outcomes[1].publish] == ["evt-0001", "evt-0002"]
    assert outcomes[1].mark is not None
    assert outcomes[1].mark.in_custody


def test_an_in_custody_notice_once_shared_stays_shared_when_the_charges_drop() -> None:
    rules = one_policy(
        "{booking: {when: {any_charge: {severity: [felony]}}}, release_scheduled: true, release: true, transfer: true}"
    )

    outcomes = run(rules, [event("booking", charges=[FELONY]), event("booking_updated", charges=[MISDEMEANOR])])

    assert published(outcomes) == ["evt-0001", "evt-0002"]
    assert outcomes[1].mark is not None
    assert outcomes[1].mark.in_custody


def test_a_correction_of_a_booking_whose_identity_went_out_with_a_release_is_published_still_no_in_custody() -> None:
    outcomes = run(
        policy(),
        [event("booking", charges=[FELONY]), event("release_scheduled"), event("booking_updated", charges=[FELONY])],
    )

    assert published(outcomes) == ["evt-0001", "evt-0003", "evt-0002"]
    assert outcomes[-1].mark is not None
    assert not outcomes[-1].mark.in_custody


def test_corrections_of_a_held_booking_are_held_with_it_and_published_together_in_order() -> None:
    outcomes = run(
        policy(),
        [event("booking", charges=[FELONY]), event("booking_updated", charges=[FELONY]), event("release")],
    )

    assert outcomes[1].publish == ()
    assert outcomes[1].held
    assert [e.event_id for e in outcomes[2].publish] == ["evt-0001", "evt-0002", "evt-0005"]


def test_a_transfer_true_publishes_the_held_identity_with_the_transfer() -> None:
    outcomes = run(policy(), [event("booking", charges=[MISDEMEANOR]), event("transfer")])

    assert [e.event_id for e in outcomes[1].publish] == ["evt-0001", "evt-0006"]


def test_transfer_false_withholds_transfers_only() -> None:
    rules = one_policy("{booking: true, release_scheduled: true, release: true, transfer: false}")

    outcomes = run(rules, [event("booking"), event("release_scheduled"), event("transfer")])

    assert published(outcomes) == ["evt-0001", "evt-0003"]
    assert outcomes[-1].verdict.rule is not None
    assert outcomes[-1].verdict.rule.rule == "CA0194200 share.transfer"


def test_a_release_after_a_withheld_schedule_says_the_schedule_was_withheld_and_by_which_rule() -> None:
    rules = one_policy("{booking: true, release_scheduled: false, release: true, transfer: true}")

    outcomes = run(rules, [event("booking"), event("release_scheduled"), event("release")])

    assert published(outcomes) == ["evt-0001", "evt-0005"]
    assert outcomes[-1].mark is not None
    assert outcomes[-1].mark.withheld == (
        WithheldFact(event_type="release_scheduled", rule="CA0194200 share.release_scheduled"),
    )
    assert outcomes[-1].mark.in_custody


class TestCancellations:
    def test_a_cancellation_of_a_shared_schedule_is_shared(self) -> None:
        outcomes = run(policy(), [event("booking"), event("release_scheduled"), event("release_cancelled")])

        assert published(outcomes) == ["evt-0001", "evt-0003", "evt-0004"]

    def test_a_cancellation_of_a_withheld_schedule_is_withheld(self) -> None:
        outcomes = run(
            policy(), [event("booking", charges=[MISDEMEANOR]), event("release_scheduled"), event("release_cancelled")]
        )

        assert published(outcomes) == []
        assert "cancels a release schedule that was shared" in outcomes[-1].verdict.reason

    def test_a_cancellation_arriving_before_its_schedule_is_published_with_it(self) -> None:
        outcomes = run(policy(), [event("booking"), event("release_cancelled"), event("release_scheduled")])

        assert outcomes[1].publish == ()
        assert [e.event_id for e in outcomes[2].publish] == ["evt-0001", "evt-0003", "evt-0004"]

    def test_a_held_cancellation_older_than_the_schedule_stays_held(self) -> None:
        outcomes = run(
            policy(),
            [
                event("booking"),
                event("release_cancelled", occurred_at="2026-11-21T09:00:00-08:00"),
                event("release_scheduled"),
            ],
        )

        assert [e.event_id for e in outcomes[2].publish] == ["evt-0001", "evt-0003"]
        assert outcomes[2].state is not None
        assert len(outcomes[2].state.held_cancellations) == 1

    def test_a_cancellation_older_than_every_shared_schedule_cancels_none_of_them_and_is_withheld(self) -> None:
        outcomes = run(
            policy(),
            [
                event("booking"),
                event("release_scheduled"),
                event("release_cancelled", occurred_at="2026-11-21T09:00:00-08:00"),
            ],
        )

        assert published(outcomes) == ["evt-0001", "evt-0003"]


class TestIdentity:
    def test_fields_not_in_identity_fields_are_stripped_from_the_published_person(self) -> None:
        outcomes = run(policy(), [event("booking"), event("release_scheduled")])

        booking = outcomes[-1].publish[0]
        assert isinstance(booking, Booking)
        shown = booking.person.model_dump(exclude_none=True, exclude_defaults=True)
        assert shown == {
            "last_name": "GARCIA LOPEZ",
            "first_name": "JOSE",
            "middle_name": "LUIS",
            "date_of_birth": booking.person.date_of_birth,
            "sex": booking.person.sex,
            "fbi_number": "123456AB9",
            "a_number": "A012345678",
        }
        assert outcomes[0].stripped == ("place_of_birth", "aliases", "state_id")

    def test_what_a_source_sent_for_a_stripped_field_is_kept_nowhere_not_even_in_as_sent(self) -> None:
        sent = event("booking")
        assert isinstance(sent, Booking)
        person = sent.person.model_copy(
            update={
                "as_sent": {
                    "/state_id": {"state": "CA", "number": "A-123"},
                    "/a_number": "A-012-345-678",
                    "/place_of_birth": "XX",
                    "/aliases/0/middle_name": "?",
                }
            }
        )
        outcome = disclose(policy(), None, sent.model_copy(update={"person": person}))

        assert outcome.state is not None
        (held,) = outcome.state.held
        assert held.person is not None
        assert held.person.as_sent == {"/a_number": "A-012-345-678"}
        assert held.person.state_id is None
        assert held.person.aliases == ()
        assert "A-123" not in outcome.state.model_dump_json()

    def test_an_alias_loses_its_middle_name_when_middle_names_are_not_shared(self) -> None:
        rules = one_policy(ALL_SHARED, identity_fields="[last_name, first_name, date_of_birth, sex, aliases, a_number]")
        sent = event(
            "booking",
            person=samples.person(aliases=[{"last_name": "GARCIA", "first_name": "PEPE", "middle_name": "LUIS"}]),
        )
        assert isinstance(sent, Booking)
        person = sent.person.model_copy(
            update={
                "as_sent": {
                    "/aliases/1": {"last_name": "LOPEZ", "first_name": "J", "middle_name": "L", "nickname": "?"},
                    "/aliases/2": "JOSE L LOPEZ",
                }
            }
        )

        (shared,) = disclose(rules, None, sent.model_copy(update={"person": person})).publish

        assert isinstance(shared, Booking)
        assert [alias.middle_name for alias in shared.person.aliases] == [None]
        assert shared.person.middle_name is None
        assert shared.person.as_sent == {"/aliases/1": {"last_name": "LOPEZ", "first_name": "J"}}

    def test_a_correction_is_stripped_like_the_booking(self) -> None:
        outcomes = run(
            one_policy(ALL_SHARED, identity_fields="[last_name, first_name, date_of_birth, sex]"),
            [event("booking"), event("booking_updated", person=samples.person())],
        )

        (correction,) = outcomes[1].publish
        assert isinstance(correction, BookingUpdated)
        assert correction.person is not None
        assert (correction.person.a_number, correction.person.fbi_number, correction.person.middle_name) == (
            None,
            None,
            None,
        )

    def test_a_policy_without_identity_fields_strips_nothing(self) -> None:
        booking = event("booking")

        outcome = disclose(one_policy(ALL_SHARED), None, booking)

        assert outcome.publish == (booking,)
        assert outcome.stripped == ()


class TestConditions:
    @pytest.mark.parametrize(
        ("condition", "charges", "shared"),
        [
            ("{any_charge: {severity: [felony]}}", [FELONY], True),
            ("{any_charge: {severity: [felony]}}", [MISDEMEANOR], False),
            ("{any_charge: {severity: [felony]}}", [], False),
            ("{any_charge: {severity: [felony, misdemeanor]}}", [MISDEMEANOR], True),
            ("{any_charge: {statute: ['pc459']}}", [FELONY], True),
            ("{any_charge: {statute: ['PC 45']}}", [FELONY], False),
            ("{any_charge: {statute: ['PC 45*']}}", [FELONY], True),
            ("{any_charge: {ncic_code: [2299]}}", [FELONY], True),
            ("{any_charge: {ncic_code: [22xx]}}", [FELONY], True),
            ("{any_charge: {ncic_code: [13xx]}}", [FELONY], False),
            ("{any_charge: {ncic_code: [22xx]}}", [{**FELONY, "ncic_code": None}], False),
            ("{any_charge: {severity: [felony], ncic_code: [23xx]}}", [FELONY, MISDEMEANOR], False),
            ("{no_charge: {ncic_code: [23xx]}}", [FELONY], True),
            ("{no_charge: {ncic_code: [23xx]}}", [FELONY, MISDEMEANOR], False),
            ("{any_of: [{any_charge: {ncic_code: [13xx]}}, {any_charge: {statute: [PC 459]}}]}", [FELONY], True),
            ("{any_of: [{any_charge: {ncic_code: [13xx]}}, {any_charge: {statute: [PC 187]}}]}", [FELONY], False),
        ],
    )
    def test_a_release_is_shared_exactly_when_its_condition_holds(
        self, condition: str, charges: list[dict[str, str | None]], shared: bool
    ) -> None:
        rules = one_policy(
            f"{{booking: true, release_scheduled: true, release: {{when: {condition}}}, transfer: true}}"
        )

        outcomes = run(rules, [event("booking", charges=charges), event("release")])

        assert outcomes[-1].verdict.shared is shared
        assert published(outcomes) == (["evt-0001", "evt-0005"] if shared else ["evt-0001"])

    def test_a_release_of_a_booking_never_seen_is_judged_on_no_charges(self) -> None:
        outcome = disclose(policy(), None, event("release"))

        assert not outcome.verdict.shared
        assert "no charge is known for the booking" in outcome.verdict.reason


class TestNeverShare:
    JUVENILES = one_policy(ALL_SHARED, never_share="[{juvenile: true}]")

    def test_nothing_about_a_person_booked_under_18_is_shared_even_after_they_turn_18(self) -> None:
        outcomes = run(
            self.JUVENILES,
            [
                event("booking", person=samples.person(date_of_birth="2008-11-21")),  # 17 when booked
                event("release_scheduled"),
                event("release", occurred_at="2026-11-24T09:05:00-08:00"),  # 18 by then
            ],
        )

        assert published(outcomes) == []
        assert {o.verdict.rule.rule for o in outcomes if o.verdict.rule} == {"CA0194200 never_share[0]"}
        assert "the person was under 18 when booked" in outcomes[0].verdict.reason

    def test_a_person_18_when_booked_is_shared(self) -> None:
        outcomes = run(self.JUVENILES, [event("booking", person=samples.person(date_of_birth="2008-11-20"))])

        assert published(outcomes) == ["evt-0001"]

    def test_an_age_that_cannot_be_told_withholds(self) -> None:
        outcome = disclose(self.JUVENILES, None, event("release"))

        assert not outcome.verdict.shared
        assert "age when booked is not known" in outcome.verdict.reason

    def test_a_material_witness_hold_withholds_everything_and_a_correction_that_removes_it_releases_the_hold(
        self,
    ) -> None:
        rules = one_policy(ALL_SHARED, never_share="[{any_charge: {statute: [PC 1332]}}]")
        witness = samples.charge(statute="PC 1332", description="Material witness", severity="misdemeanor")

        outcomes = run(
            rules,
            [
                event("booking", charges=[witness]),
                event("release_scheduled"),
                event("booking_updated", occurred_at="2026-11-22T09:00:00-08:00", charges=[FELONY]),
            ],
        )

        assert [o.publish for o in outcomes[:2]] == [(), ()]
        assert [e.event_id for e in outcomes[2].publish] == ["evt-0001", "evt-0002"]


def test_a_release_inferred_from_a_roster_follows_the_release_rule() -> None:
    assert judge_inferred_release(policy(), BookingFacts(charges=_charges(FELONY))).shared
    withheld = judge_inferred_release(policy(), BookingFacts(charges=_charges(MISDEMEANOR)))
    assert not withheld.shared
    assert withheld.rule is not None
    assert withheld.rule.rule == "CA0194200 share.release"
    assert judge_inferred_release(None, BookingFacts()).shared


def _charges(*charges: dict[str, str | None]) -> tuple[Charge, ...]:
    booking = event("booking", charges=list(charges))
    assert isinstance(booking, Booking)
    return booking.charges


def test_the_record_of_a_booking_is_kept_until_the_retention_after_it_left_or_the_longest_hold() -> None:
    outcomes = run(policy(), [event("booking"), event("release")])
    kept = outcomes[-1].state
    assert kept is not None
    left = datetime(2026, 11, 24, 17, 5, tzinfo=UTC)

    assert kept.kept_until(retention=timedelta(days=30), longest=timedelta(days=400)) == left + timedelta(days=30)
    held = outcomes[0].state
    assert held is not None
    booked = datetime(2026, 11, 20, 16, 15, tzinfo=UTC)
    assert held.kept_until(retention=timedelta(days=30), longest=timedelta(days=400)) == booked + timedelta(days=400)
