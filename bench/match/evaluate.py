"""Our matcher over a data set with known truth: what field offices and reviewers would see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from bench.match.rows import Dataset, Row
from contracts import MatchDecision
from notifier.matching import MatchConfig, MatchModel, MatchRecord, PersonIndex, fitted_model
from notifier.matching.compare import Comparison, compare
from notifier.matching.decide import Assessment, assess_among, failed_hard_rules, may_match_automatically

__all__ = ["PREVALENCE", "Outcome", "assessments", "evaluate", "precision_at_mix"]

# The share of bookings whose person has an active detainer: some 200,000 detainers lodged a year
# against 7 to 10 million jail admissions.
PREVALENCE = 0.02


def precision_at_mix(true_per_subject: float, false_per_subject: float, false_per_other: float) -> float:
    """Automatic precision among bookings at the field's mix (``PREVALENCE`` of them a subject's), from the
    rates per subject's booking (true matches, false ones) and per other person's booking (false ones).
    A data set's own mix flatters: with as many subjects as others, one false match in 30,000 others
    costs little; at 2% it costs 0.999 (0.02 false matches per 1,000 others is the whole allowance)."""
    true = PREVALENCE * true_per_subject
    false = PREVALENCE * false_per_subject + (1 - PREVALENCE) * false_per_other
    return true / (true + false) if true + false else 1.0


@dataclass
class Outcome:
    """Counts over every booking of one data set; the rates below are what the report shows."""

    dataset: str
    detainers: int = 0
    subject_bookings: int = 0
    other_bookings: int = 0
    auto_true: int = 0  # automatic match on the booked person's own detainer
    auto_false: int = 0  # automatic match on someone else's detainer: the worst error
    review_true: int = 0  # the true subject went to review (and was not matched automatically)
    reviews_on_subjects: int = 0  # every review raised for a subject's booking (true or not)
    reviews_on_others: int = 0  # reviews raised for bookings of people with no detainer
    auto_on_others: int = 0
    within_hard_rules: int = 0  # subject bookings the rules allow to match their own detainer automatically
    # (``may_match_automatically``): the most an automatic match may ever find, whatever the thresholds
    beyond_hard_rules: dict[str, int] = field(default_factory=dict)  # the other subject bookings, by what differs

    @property
    def bookings(self) -> int:
        return self.subject_bookings + self.other_bookings

    @property
    def auto_precision(self) -> float:
        decided = self.auto_true + self.auto_false
        return self.auto_true / decided if decided else 1.0

    @property
    def auto_precision_at_mix(self) -> float:
        """At the field's mix: 2% of bookings are a detainer's subject (``precision_at_mix``)."""
        per_subject = 1 / self.subject_bookings if self.subject_bookings else 0.0
        per_other = 1 / self.other_bookings if self.other_bookings else 0.0
        return precision_at_mix(
            self.auto_true * per_subject,
            (self.auto_false - self.auto_on_others) * per_subject,
            self.auto_on_others * per_other,
        )

    @property
    def auto_recall(self) -> float:
        return self.auto_true / self.subject_bookings if self.subject_bookings else 0.0

    @property
    def auto_f1(self) -> float:
        p, r = self.auto_precision, self.auto_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def hard_rule_ceiling(self) -> float:
        return self.within_hard_rules / self.subject_bookings if self.subject_bookings else 0.0

    @property
    def found_recall(self) -> float:
        """Matched automatically or sent to review: a person will see it."""
        return (self.auto_true + self.review_true) / self.subject_bookings if self.subject_bookings else 0.0

    @property
    def subjects_to_review(self) -> float:
        return self.review_true / self.subject_bookings if self.subject_bookings else 0.0

    @property
    def reviews_per_1000(self) -> float:
        """At this data set's own mix of subjects and others."""
        return 1000 * (self.reviews_on_subjects + self.reviews_on_others) / self.bookings if self.bookings else 0.0

    @property
    def reviews_per_1000_at_prevalence(self) -> float:
        """At the field's mix: 2% of bookings are a detainer's subject."""
        per_subject = self.reviews_on_subjects / self.subject_bookings if self.subject_bookings else 0.0
        per_other = self.reviews_on_others / self.other_bookings if self.other_bookings else 0.0
        return 1000 * (PREVALENCE * per_subject + (1 - PREVALENCE) * per_other)

    @property
    def false_auto_per_1000_others(self) -> float:
        return 1000 * self.auto_on_others / self.other_bookings if self.other_bookings else 0.0

    def summary(self) -> dict[str, float | int | str]:
        counts = asdict(self)
        rates = {
            name: round(getattr(self, name), 4)
            for name in (
                "auto_precision",
                "auto_precision_at_mix",
                "auto_recall",
                "auto_f1",
                "hard_rule_ceiling",
                "found_recall",
                "subjects_to_review",
                "reviews_per_1000",
                "reviews_per_1000_at_prevalence",
                "false_auto_per_1000_others",
            )
        }
        return {**counts, **rates}


CORE_FIELDS = ("given_name", "surname", "date_of_birth")
TWIN_LIKE = "given name differs; surname and date of birth agree (a twin looks the same)"
NUMBER_CONFLICTS = "an identifier conflicts (keyed wrong); the rest would allow a match"
NUMBER_CONTRADICTED = "an equal identifier, contradicted by sex or by both name and date of birth"
OTHER_CONFLICT = "sex, place of birth or middle name conflicts; given name, surname and date of birth agree"


def _beyond_pattern(comparison: Comparison) -> str:
    """What keeps a subject's booking from an automatic match under the rules, in words."""
    if comparison.conflicting_identifiers:
        failed = [name for name in CORE_FIELDS if name in failed_hard_rules(comparison)]
        return NUMBER_CONFLICTS if not failed else _core_pattern(failed, comparison.level(failed[0]))
    if comparison.equal_identifiers:
        return NUMBER_CONTRADICTED
    failed = [name for name in CORE_FIELDS if name in failed_hard_rules(comparison)]
    return OTHER_CONFLICT if not failed else _core_pattern(failed, comparison.level(failed[0]))


def _core_pattern(failed: list[str], level: str) -> str:
    """Given name, surname or date of birth not agreeing, in words."""
    if len(failed) > 1:
        return "two or three of given name, surname, date of birth differ or are missing"
    if failed == ["given_name"] and level != "missing":
        return TWIN_LIKE
    what = failed[0].replace("_", " ")
    return f"{what} missing; the rest agrees" if level == "missing" else f"{what} differs; the rest agrees"


def _index(dataset: Dataset, model: MatchModel | None, config: MatchConfig | None) -> PersonIndex:
    # FEBRL has bookings without a date of birth (the wire never does): let them search by name.
    index = PersonIndex(model=model, config=config, undated_searches=True)
    index.add_many((row.record_id, row.record(), "") for row in dataset.detainers)
    return index


def evaluate(dataset: Dataset, *, model: MatchModel | None = None, config: MatchConfig | None = None) -> Outcome:
    """Every booking through ``PersonIndex.matches``, exactly as the notifier decides."""
    index = _index(dataset, model, config)
    person_of = {row.record_id: row.person_id for row in dataset.detainers}
    own_detainer = {row.person_id: row.record() for row in dataset.detainers}
    outcome = Outcome(dataset.name, detainers=len(dataset.detainers))
    for booking in dataset.bookings:
        is_subject = booking.person_id in own_detainer
        if is_subject:
            outcome.subject_bookings += 1
            comparison = compare(booking.record(), own_detainer[booking.person_id], model or fitted_model())
            if may_match_automatically(comparison):
                outcome.within_hard_rules += 1
            else:
                pattern = _beyond_pattern(comparison)
                outcome.beyond_hard_rules[pattern] = outcome.beyond_hard_rules.get(pattern, 0) + 1
        else:
            outcome.other_bookings += 1
        for detainer_id, evidence in index.matches(booking.record()):
            correct = person_of[detainer_id] == booking.person_id
            if evidence.decision is MatchDecision.MATCH:
                if correct:
                    outcome.auto_true += 1
                else:
                    outcome.auto_false += 1
                    outcome.auto_on_others += 0 if is_subject else 1
            else:
                outcome.review_true += int(correct)
                if is_subject:
                    outcome.reviews_on_subjects += 1
                else:
                    outcome.reviews_on_others += 1
    return outcome


def assessments(
    dataset: Dataset, *, model: MatchModel, auto_min: float, margin_floor: float
) -> Iterator[tuple[Row, bool, list[tuple[bool, Assessment[str]]]]]:
    """For each booking: (booking, is a subject, [(candidate is the same person, assessment)]).

    The raw facts behind every decision, so the fit can try thresholds without matching again.
    """
    index = _index(dataset, model, None)
    person_of = {row.record_id: row.person_id for row in dataset.detainers}
    subjects = dataset.subject_ids
    for booking in dataset.bookings:
        record: MatchRecord = booking.record()
        assessed = assess_among(
            record, index.candidate_records(record), model=model, auto_min=auto_min, margin_floor=margin_floor
        )
        yield (
            booking,
            booking.person_id in subjects,
            [(person_of[a.key] == booking.person_id, a) for a in assessed],
        )
