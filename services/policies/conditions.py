"""Conditions of a policy, judged on what is known of a booking, with the reason in words.

A condition can be true, false, or impossible to judge (the person's age with
no date of birth known): what cannot be judged withholds, wherever the
condition stands (in ``share: when`` nothing is shared unless it holds; in
``never_share`` nothing is shared unless it is known not to hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from contracts import Charge
from contracts.policies import ChargeCriteria, Condition

__all__ = ["BookingFacts", "Judged", "describe_charge", "describe_condition", "judge_condition"]

ADULT_AGE = 18  # years: under it, a person booked is a juvenile


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What a condition may look at: the charges known for the booking (the booking's, as corrected since),
    the person's date of birth and when they were booked."""

    charges: tuple[Charge, ...] = ()
    date_of_birth: date | None = None
    booked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Judged:
    """A condition's answer: ``holds`` is None when it could not be judged; ``why`` says so in words."""

    holds: bool | None
    why: str


def _normal_statute(statute: str) -> str:
    return "".join(statute.split()).upper()  # "pc  459" and "PC459" are PC 459


def _statute_matches(pattern: str, statute: str) -> bool:
    wanted = _normal_statute(pattern.removesuffix("*"))
    return _normal_statute(statute).startswith(wanted) if pattern.endswith("*") else _normal_statute(statute) == wanted


def _ncic_matches(pattern: str, code: str | None) -> bool:
    if code is None or len(code) != len(pattern):
        return False  # a charge sent without a code matches no code
    return all(wanted in {"x", digit} for wanted, digit in zip(pattern, code, strict=True))


def _charge_meets(criteria: ChargeCriteria, charge: Charge) -> bool:
    if criteria.severity is not None and charge.severity not in criteria.severity:
        return False
    if criteria.statute is not None and not any(_statute_matches(p, charge.statute) for p in criteria.statute):
        return False
    return criteria.ncic_code is None or any(_ncic_matches(p, charge.ncic_code) for p in criteria.ncic_code)


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def describe_criteria(criteria: ChargeCriteria) -> str:
    """What a charge must be, after "a charge": e.g. ``is a felony and has NCIC code 09xx or 1313``."""
    parts = []
    if criteria.severity is not None:
        severities = _either([severity.value for severity in criteria.severity])
        parts.append(("is an " if severities[0] in "aeiou" else "is a ") + severities)
    if criteria.statute is not None:
        statutes = [f"a statute starting {p.removesuffix('*')}" if p.endswith("*") else p for p in criteria.statute]
        parts.append("is under " + _either(statutes))
    if criteria.ncic_code is not None:
        parts.append("has NCIC code " + _either(list(criteria.ncic_code)))
    return " and ".join(parts)


def describe_charge(charge: Charge) -> str:
    """A charge as a policy sees it: severity, statute and NCIC code (never the person)."""
    code = f" (NCIC {charge.ncic_code})" if charge.ncic_code else ""
    return f"{charge.severity.value} {charge.statute}{code}"


def _charges_known(charges: tuple[Charge, ...]) -> str:
    if not charges:
        return "no charge is known for the booking"
    listed = "; ".join(describe_charge(charge) for charge in charges)
    return f"{len(charges)} charge{'s' if len(charges) != 1 else ''} known: {listed}"


def describe_condition(condition: Condition) -> str:
    """The condition in words, e.g. ``a charge known for the booking is a felony``."""
    parts = []
    if condition.any_charge is not None:
        parts.append(f"a charge known for the booking {describe_criteria(condition.any_charge)}")
    if condition.no_charge is not None:
        parts.append(f"no charge known for the booking {describe_criteria(condition.no_charge)}")
    if condition.juvenile is not None:
        parts.append(
            f"the person was under {ADULT_AGE} when booked"
            if condition.juvenile
            else f"the person was {ADULT_AGE} or older when booked"
        )
    if condition.any_of is not None:
        parts.append("either " + " or ".join(f"({describe_condition(c)})" for c in condition.any_of))
    return " and ".join(parts)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def judge_condition(condition: Condition, facts: BookingFacts) -> Judged:
    """Whether ``condition`` holds for a booking known as ``facts``, and why, in words."""
    answers: list[Judged] = []
    if condition.any_charge is not None:
        criteria = condition.any_charge
        met = any(_charge_meets(criteria, charge) for charge in facts.charges)
        said = "a charge" if met else "no charge"
        answers.append(Judged(met, f"{said} {describe_criteria(criteria)} ({_charges_known(facts.charges)})"))
    if condition.no_charge is not None:
        criteria = condition.no_charge
        met = not any(_charge_meets(criteria, charge) for charge in facts.charges)
        said = "no charge" if met else "a charge"
        answers.append(Judged(met, f"{said} {describe_criteria(criteria)} ({_charges_known(facts.charges)})"))
    if condition.juvenile is not None:
        answers.append(_judge_juvenile(condition.juvenile, facts))
    if condition.any_of is not None:
        answers.append(_judge_either([judge_condition(c, facts) for c in condition.any_of]))
    return _judge_all(answers)


def _judge_juvenile(wanted: bool, facts: BookingFacts) -> Judged:
    if facts.date_of_birth is None or facts.booked_at is None:
        return Judged(None, "the person's age when booked is not known")
    juvenile = _age_on(facts.date_of_birth, facts.booked_at.date()) < ADULT_AGE
    told = f"under {ADULT_AGE}" if juvenile else f"{ADULT_AGE} or older"
    return Judged(juvenile == wanted, f"the person was {told} when booked")


def _judge_all(answers: list[Judged]) -> Judged:
    """Every part must hold: the first that does not is the reason; else all of them are."""
    for answer in answers:
        if answer.holds is False:
            return answer
    for answer in answers:
        if answer.holds is None:
            return answer
    return Judged(True, "; ".join(answer.why for answer in answers))


def _judge_either(answers: list[Judged]) -> Judged:
    for answer in answers:
        if answer.holds:
            return answer
    undecided = [answer for answer in answers if answer.holds is None]
    if undecided:
        return undecided[0]
    return Judged(False, "none of: " + "; ".join(answer.why for answer in answers))
