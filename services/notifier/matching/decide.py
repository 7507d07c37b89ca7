"""The match decision over all candidates of one subject, and its evidence.

Rules, in order:

1. **A conflicting identifier** (an A-number, FBI number or state id of one
   state, on both records and different after normalisation, even by one
   keystroke) forbids an automatic match, whatever else agrees: where the
   candidate would otherwise be matched, it is a ``possible_match`` naming the
   conflict (one person may hold two numbers, or two people look alike; a
   person decides). Otherwise it is decided as below, a match excepted.
2. **An equal identifier** (normalised) is a ``match`` unless sex conflicts
   (M against F), or both the name and the date of birth contradict it: then a
   ``possible_match`` (a keying error, or a number shared by two people). A date
   of birth that differs alone, with the name agreeing, is the keying error the
   identifier exists to see through; a name that differs alone (a married
   name, say) with the date agreeing, too. The name contradicts when the given
   name or the surnames differ.
3. **Otherwise the score** (the sum of per-field weights, ``compare``) decides:
   an automatic ``match`` needs the given name, surname and date of birth to
   agree (the date exactly or with day and month swapped), no conflict on sex,
   place of birth or middle name, a score at or above the automatic
   threshold and a clear margin over the runner-up, that is the best candidate
   that is *not the same person* (two detainers on one person are not rivals);
   a weaker agreement at or above the review threshold is a ``possible_match``
   when the candidate is the booking's best (no other person scores higher):
   a review asks "is this them?", and only one candidate can be the likeliest;
   below it, no match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from contracts import FieldAgreement, MatchDecision, MatchEvidence
from notifier.matching.compare import Comparer, Comparison, compare, compare_birth
from notifier.matching.explain import Thresholds, identifier_conflicts, reasons
from notifier.matching.model import MatchModel, fitted_model
from notifier.matching.record import MatchRecord

__all__ = [
    "Assessment",
    "MatchConfig",
    "Thresholds",
    "assess_among",
    "decide_among",
    "decide_records",
    "evidence",
    "failed_hard_rules",
    "identifier_contradicted",
    "may_match_automatically",
]

K = TypeVar("K")

# Not ``middle_as_first``: a booking's first name that is only the detainer's middle name (MARIA
# PARKER against ALEJANDRA MARIA PARKER) is what a twin or sibling in a family of compound names
# looks like, with the surname and date of birth agreeing too. A person decides.
_AGREEING_GIVEN = frozenset({"exact", "nickname", "phonetic", "similar"})
_AGREEING_SURNAME = frozenset({"exact", "both_exact", "reordered", "dropped", "dropped_first", "phonetic", "similar"})
_AGREEING_BIRTH = frozenset({"exact", "day_month_swapped"})
_CONTRADICTING_BIRTH = frozenset({"disagree", "day_or_month_differs", "day_or_month_typo", "year_typo"})
_SAME_PERSON_CHECKS = 20  # runner-up candidates examined for being the same person, at most


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Thresholds, in bits (log2 likelihood ratio); ``None`` takes the fitted value shipped with the model.

    The automatic and review thresholds hold for as many detainers as the weights were fitted with
    (``reference_detainers``, shipped with them). Among more, a booked person has more namesakes to
    agree with by chance, in proportion: the odds that an agreement is a coincidence grow by
    ``log2(detainers / reference)`` bits, and so do both thresholds (``scale_with_detainers``).
    """

    auto_min_score: float | None = None  # an automatic match scores at least this
    review_min_score: float | None = None  # a possible match scores at least this
    min_margin: float | None = None  # and an automatic match leads the runner-up by at least this
    scale_with_detainers: bool = True
    reference_detainers: int | None = None  # None: the number the weights were fitted with

    def at_scale(self, model: MatchModel, detainers: int) -> tuple[float, float, float]:
        """``resolved``, with the automatic and review thresholds raised for ``detainers`` active detainers."""
        auto, review, margin = self.resolved(model)
        return auto + (shift := self.scale_bits(model, detainers)), review + shift, margin

    def scale_bits(self, model: MatchModel, detainers: int) -> float:
        reference = self.reference_detainers or model.thresholds.get("detainers")
        if not self.scale_with_detainers or not reference or detainers <= reference:
            return 0.0
        return math.log2(detainers / reference)

    def resolved(self, model: MatchModel) -> tuple[float, float, float]:
        fitted = model.thresholds
        return (
            fitted["auto"] if self.auto_min_score is None else self.auto_min_score,
            fitted["review"] if self.review_min_score is None else self.review_min_score,
            fitted["margin"] if self.min_margin is None else self.min_margin,
        )


def failed_hard_rules(comparison: Comparison) -> list[str]:
    """The reasons an automatic match is not allowed, whatever the score."""
    failed = []
    if comparison.level("given_name") not in _AGREEING_GIVEN:
        failed.append("given_name")
    if comparison.level("surname") not in _AGREEING_SURNAME:
        failed.append("surname")
    if comparison.level("date_of_birth") not in _AGREEING_BIRTH:
        failed.append("date_of_birth")
    for field_name in ("sex", "place_of_birth", "middle_name"):
        if comparison.level(field_name) == "disagree":
            failed.append(field_name)
    return failed


def identifier_contradicted(comparison: Comparison) -> bool:
    """Sex conflicts, or the name and the date of birth both contradict (see the module docstring)."""
    if comparison.level("sex") == "disagree":
        return True
    name_contradicts = comparison.level("given_name") == "disagree" or comparison.level("surname") in (
        "disagree",
        "partial",
    )
    return name_contradicts and comparison.level("date_of_birth") in _CONTRADICTING_BIRTH


def may_match_automatically(comparison: Comparison) -> bool:
    """Whether the rules allow an automatic match at all, whatever the thresholds: no conflicting number,
    and an equal one not contradicted, or else no hard rule failed."""
    if comparison.conflicting_identifiers:
        return False
    if comparison.equal_identifiers:
        return not identifier_contradicted(comparison)
    return not failed_hard_rules(comparison)


def _may_be_same_person(first: MatchRecord, second: MatchRecord) -> bool:
    """False when ``_same_person`` is sure to be False, told cheaply: no identifier of one kind is
    equal on both, and no pair of their name forms has birth dates that agree (exactly or day and
    month swapped), so whichever pair ``compare`` picks fails the date-of-birth hard rule."""
    if (
        (first.fbi_number and first.fbi_number == second.fbi_number)
        or (first.a_number and first.a_number == second.a_number)
        or (first.state_id and first.state_id == second.state_id)
    ):
        return True
    return any(
        compare_birth(form.birth, other.birth) in _AGREEING_BIRTH for form in first.forms for other in second.forms
    )


def _same_person(first: MatchRecord, second: MatchRecord, model: MatchModel, auto_min: float) -> bool:
    """Two candidates are one person if they share an identifier or would match each other automatically."""
    if not _may_be_same_person(first, second):
        return False
    comparison = compare(first, second, model)
    if comparison.conflicting_identifiers:
        return False
    if comparison.equal_identifiers:
        return not identifier_contradicted(comparison)
    return comparison.score >= auto_min and not failed_hard_rules(comparison)


def _margin(
    record: MatchRecord,
    score: float,
    position: int,
    ranked: Sequence[tuple[MatchRecord, float]],
    model: MatchModel,
    auto_min: float,
) -> float | None:
    """Score over the best other candidate (in ``ranked``, best first) that is not the same person,
    looking at ``_SAME_PERSON_CHECKS`` of them at most; None if there is none."""
    checked = 0
    for index, (other, other_score) in enumerate(ranked):
        if index == position:
            continue
        if checked == _SAME_PERSON_CHECKS:
            break
        checked += 1
        if not _same_person(record, other, model, auto_min):
            return score - other_score
    return None


def evidence(
    decision: MatchDecision,
    rule: str,
    comparison: Comparison,
    margin: float | None,
    subject: MatchRecord,
    candidate: MatchRecord,
    thresholds: Thresholds,
) -> MatchEvidence:
    """What an alert carries: the decision, each field's level and weight, and the reasons in words."""
    fields = [
        *(_unweighted(name, level) for name, level in comparison.identifiers),
        *(_weighted(f.field, f.level, f.weight) for f in comparison.fields),
    ]
    if comparison.name_form is not None:
        fields.append(_unweighted("name_form", comparison.name_form))
    return MatchEvidence(
        decision=decision,
        rule=rule,
        score=round(comparison.score, 2),
        margin=None if margin is None else round(margin, 2),
        fields=tuple(fields),
        reasons=reasons(
            decision,
            rule,
            comparison,
            subject,
            candidate,
            thresholds=thresholds,
            margin=margin,
            failed=tuple(failed_hard_rules(comparison)),
        ),
        conflicts=identifier_conflicts(comparison, subject, candidate),
    )


# A field's agreement is one of few (a field, a level, a weight the model gives that level, rarity added), and
# frozen: every alert's evidence shares the one made first rather than validating it again, field by field.
_AGREEMENTS_KEPT = 4_096


@lru_cache(maxsize=_AGREEMENTS_KEPT)
def _unweighted(field: str, level: str) -> FieldAgreement:
    return FieldAgreement(field=field, level=level)


def _weighted(field: str, level: str, weight: float) -> FieldAgreement:
    """``FieldAgreement(field=field, level=level, weight=round(weight, 2))``, made once for its values."""
    rounded = round(weight, 2)
    if rounded == 0 and math.copysign(1.0, rounded) < 0:
        return FieldAgreement(field=field, level=level, weight=rounded)  # -0.0: a key equal to 0.0's, written apart
    return _weighted_once(field, level, rounded)


@lru_cache(maxsize=_AGREEMENTS_KEPT)
def _weighted_once(field: str, level: str, weight: float) -> FieldAgreement:
    return FieldAgreement(field=field, level=level, weight=weight)


_Outcome = tuple[MatchDecision, str] | None


@dataclass(frozen=True, slots=True)
class Assessment(Generic[K]):
    """The facts about one candidate that the thresholds then turn into a decision."""

    key: K
    comparison: Comparison
    failed_hard_rules: tuple[str, ...]
    identifier_contradicted: bool
    margin: float | None  # score over the best candidate that is not the same person; None if there is none

    @property
    def by_identifier(self) -> bool:
        return bool(self.comparison.equal_identifiers)

    @property
    def score(self) -> float:
        return self.comparison.score

    def decision(self, auto_min: float, review_min: float, min_margin: float) -> _Outcome:
        """(decision, rule) under these thresholds, or None for no match."""
        outcome = self._unconflicted(self.score, auto_min, review_min, min_margin)
        if not self.comparison.conflicting_identifiers:
            return outcome
        # What the names, the date of birth and the rest would decide without the conflicting number's
        # weight: "would otherwise match" is judged on them, whatever the number weighs.
        otherwise = self._unconflicted(
            self.score - self.comparison.weight("identifier"), auto_min, review_min, min_margin
        )
        if MatchDecision.MATCH in (_decision_of(outcome), _decision_of(otherwise)):
            return MatchDecision.POSSIBLE_MATCH, "identifier_conflict"
        return outcome

    def _unconflicted(self, score: float, auto_min: float, review_min: float, min_margin: float) -> _Outcome:
        if self.by_identifier:
            if self.identifier_contradicted:
                return MatchDecision.POSSIBLE_MATCH, "identifier_contradicted"
            return MatchDecision.MATCH, "identifier"
        if score >= auto_min and not self.failed_hard_rules:
            if self.margin is not None and self.margin < min_margin:
                return MatchDecision.POSSIBLE_MATCH, "ambiguous"
            return MatchDecision.MATCH, "score"
        if score < review_min or (self.margin is not None and self.margin < 0):
            return None  # too weak, or another person fits the booking better: no review
        reasons = ",".join(self.failed_hard_rules) or "score"
        return MatchDecision.POSSIBLE_MATCH, f"review:{reasons}"


def _decision_of(outcome: _Outcome) -> MatchDecision | None:
    return None if outcome is None else outcome[0]


def assess_among(
    subject: MatchRecord,
    candidates: Sequence[tuple[K, MatchRecord]],
    *,
    model: MatchModel,
    auto_min: float,
    margin_floor: float,
) -> list[Assessment[K]]:
    """Every candidate compared with the subject, best first; the margin is worked out for those
    scoring at least ``margin_floor`` or sharing an identifier (the rest cannot match)."""
    comparer = Comparer(subject, model)
    compared = sorted(
        ((key, record, comparer.compare(record)) for key, record in candidates),
        key=lambda item: -item[2].score,
    )
    ranked = [(record, comparison.score) for _, record, comparison in compared]
    assessed: list[Assessment[K]] = []
    for position, (key, record, comparison) in enumerate(compared):
        margin = None
        if comparison.score >= margin_floor or comparison.equal_identifiers:
            margin = _margin(record, comparison.score, position, ranked, model, auto_min)
        assessed.append(
            Assessment(
                key,
                comparison,
                tuple(failed_hard_rules(comparison)),
                identifier_contradicted(comparison),
                margin,
            )
        )
    return assessed


def decide_among(
    subject: MatchRecord,
    candidates: Sequence[tuple[K, MatchRecord]],
    *,
    config: MatchConfig | None = None,
    model: MatchModel | None = None,
    detainers: int = 0,
    group_of: Callable[[K], object] | None = None,
) -> list[tuple[K, MatchEvidence]]:
    """The candidates that match or possibly match ``subject``, each with its evidence, best first.

    The decisions of ``assess_among`` followed by ``Assessment.decision``, for less: every candidate
    is scored (the score alone, ``Comparer.score``) and ranked, but only one that scores at least
    the lower threshold or shares an identifier can be decided on, so only such a one is compared in
    full, and its margin is worked out only if it is decided on (most bookings have none).
    ``detainers``: how many the candidates were searched among (the thresholds rise above the
    fitted number, see ``MatchConfig``).

    ``group_of``: whose each candidate is (a detainer's field office). A candidate reaching only the review
    threshold goes to no one's review when another person's candidate fits the subject better; with groups, only
    when that candidate is of its own group. Another office's detainer still keeps this one from an automatic
    match (the runner-up's margin), but it takes no review from an office that does not see it, nor names it.
    """
    model = model or fitted_model()
    auto_min, review_min, min_margin = _at_scale(config, model, detainers)
    if not candidates:
        return []
    floor = min(auto_min, review_min)
    comparer = Comparer(subject, model)
    scored = [comparer.score_for_decision(record) for _, record in candidates]
    for score, conflict_weight, shares_identifier in scored:
        if score >= floor or score - conflict_weight >= auto_min or shares_identifier:
            break
    else:
        return []  # no candidate can be decided on (below): nothing to rank (most bookings with candidates)
    scores = [score for score, _, _ in scored]
    # Best first, candidates of one score in the order given (a stable sort, reversed, keeps them so).
    order = sorted(range(len(candidates)), key=scores.__getitem__, reverse=True) if len(scores) > 1 else [0]
    ranked: list[tuple[MatchRecord, float]] | None = None
    decided: list[tuple[K, MatchEvidence]] = []
    for position, index in enumerate(order):
        score, conflict_weight, shares_identifier = scored[index]
        if score < floor and score - conflict_weight < auto_min and not shares_identifier:
            continue  # no threshold reached, not even but for a conflicting number: no decision (``decision``)
        key, record = candidates[index]
        comparison = comparer.compare(record)
        failed, contradicted = tuple(failed_hard_rules(comparison)), identifier_contradicted(comparison)
        if Assessment(key, comparison, failed, contradicted, None).decision(auto_min, review_min, min_margin) is None:
            continue  # the margin can change a match into a possible match, never either into none
        if ranked is None:
            ranked = [(candidates[other][1], scores[other]) for other in order]
        margin = _margin(record, comparison.score, position, ranked, model, auto_min)
        outcome = Assessment(key, comparison, failed, contradicted, margin).decision(auto_min, review_min, min_margin)
        if outcome is None and group_of is not None and margin is not None and margin < 0:
            # Behind another person's candidate: is one of its own group's ahead of it?
            own = group_of(key)
            same = [at for at, other in enumerate(order) if group_of(candidates[other][0]) == own]
            own_margin = _margin(
                record, comparison.score, same.index(position), [ranked[at] for at in same], model, auto_min
            )
            if own_margin is None or own_margin >= 0:
                margin = own_margin
                assessed = Assessment(key, comparison, failed, contradicted, margin)
                outcome = assessed.decision(auto_min, review_min, min_margin)
        if outcome is not None:
            decision, rule = outcome
            thresholds = Thresholds(auto_min, review_min, min_margin, detainers)
            decided.append((key, evidence(decision, rule, comparison, margin, subject, record, thresholds)))
    return decided


_REMEMBERED_SCALES = 1_024  # (config, model, detainers) whose thresholds are kept worked out; then afresh
_scales: dict[tuple[MatchConfig | None, int, int], tuple[MatchModel, tuple[float, float, float]]] = {}


def _at_scale(config: MatchConfig | None, model: MatchModel, detainers: int) -> tuple[float, float, float]:
    """``MatchConfig.at_scale``, worked out once for a config, a model and a number of detainers (each entry
    holds its model, so no other model takes the model's id while it is kept)."""
    key = (config, id(model), detainers)
    found = _scales.get(key)
    if found is None or found[0] is not model:
        if len(_scales) >= _REMEMBERED_SCALES:
            _scales.clear()
        found = _scales[key] = (model, (config or MatchConfig()).at_scale(model, detainers))
    return found[1]


def decide_records(
    subject: MatchRecord, candidate: MatchRecord, *, config: MatchConfig | None = None, model: MatchModel | None = None
) -> MatchEvidence | None:
    """One pair on its own (no runner-up to compare with)."""
    decided = decide_among(subject, [(0, candidate)], config=config, model=model)
    return decided[0][1] if decided else None
