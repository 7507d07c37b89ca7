"""People's decisions on possible matches outrank the matcher for their (detainer, booking) pair."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import (
    Alert,
    AlertKind,
    AlertReview,
    AlertTrigger,
    FieldAgreement,
    MatchDecision,
    MatchEvidence,
    ReviewDecision,
)
from notifier.domain.reviews import BookingReview, reviewed_matches
from notifier.handlers.detainer_index import ActiveDetainer

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REVIEWED = MatchEvidence(
    decision=MatchDecision.POSSIBLE_MATCH,
    rule="review:date_of_birth",
    score=27.1,
    fields=(FieldAgreement(field="date_of_birth", level="day_or_month_typo", weight=3.43),),
)
LOS = ActiveDetainer("LOS-1", "LOS")
NYC = ActiveDetainer("NYC-1", "NYC")
ACTIVE = {detainer.detainer_id: detainer for detainer in (LOS, NYC)}


def possible_match(detainer_id: str = "LOS-1", review: AlertReview | None = None) -> Alert:
    return Alert(
        alert_id="al_possible",
        kind=AlertKind.POSSIBLE_MATCH,
        field_office=detainer_id[:3],
        detainer_id=detainer_id,
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=AT,
        occurred_at=AT,
        trigger=AlertTrigger.CUSTODY_EVENT,
        match=REVIEWED,
        review=review,
    )


def review(decision: ReviewDecision, detainer_id: str = "LOS-1") -> BookingReview:
    decided = AlertReview(decision=decision, reviewed_by="LOS duty desk", reviewed_at=AT)
    return BookingReview.of(possible_match(detainer_id, decided))


def test_a_confirmed_possible_match_is_a_match_with_the_evidence_the_reviewer_saw() -> None:
    decided = reviewed_matches([(LOS, REVIEWED)], {"LOS-1": review(ReviewDecision.CONFIRMED)}, ACTIVE.get)

    ((detainer, evidence),) = decided
    assert detainer == LOS
    assert (evidence.decision, evidence.rule) == (MatchDecision.MATCH, "confirmed")
    assert (evidence.score, evidence.fields) == (REVIEWED.score, REVIEWED.fields)


def test_a_confirmed_pair_stays_a_match_when_the_matcher_no_longer_finds_it() -> None:
    decided = reviewed_matches([], {"LOS-1": review(ReviewDecision.CONFIRMED)}, ACTIVE.get)

    assert [(detainer, evidence.rule) for detainer, evidence in decided] == [(LOS, "confirmed")]


def test_a_confirmed_pair_whose_detainer_was_lifted_is_nothing() -> None:
    assert reviewed_matches([], {"LOS-1": review(ReviewDecision.CONFIRMED)}, {}.get) == []


@pytest.mark.parametrize("matcher_says", [MatchDecision.POSSIBLE_MATCH, MatchDecision.MATCH])
def test_a_rejected_pair_is_nothing_whatever_the_matcher_says(matcher_says: MatchDecision) -> None:
    evidence = REVIEWED.model_copy(update={"decision": matcher_says})

    assert reviewed_matches([(LOS, evidence)], {"LOS-1": review(ReviewDecision.REJECTED)}, ACTIVE.get) == []


def test_a_decision_on_one_detainer_leaves_the_others_as_the_matcher_found_them() -> None:
    matches = [(LOS, REVIEWED), (NYC, REVIEWED)]

    decided = reviewed_matches(matches, {"LOS-1": review(ReviewDecision.REJECTED)}, ACTIVE.get)

    assert decided == [(NYC, REVIEWED)]


def test_an_alert_nobody_reviewed_carries_no_decision() -> None:
    with pytest.raises(ValueError, match="no review"):
        BookingReview.of(possible_match())
