"""A match decision in words a duty officer reads: what agreed, what differs, and why it decided so.

Every ``match`` and ``possible_match`` carries these reasons beside the levels
and weights. They quote the two records (names, dates of birth, identifiers),
so they go only where the evidence goes: to the office that owns the detainer,
never to a log.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts import IdentifierConflict, MatchDecision
from notifier.matching.compare import Comparison
from notifier.matching.record import MIDDLE_AS_SURNAME, MatchRecord, NameForm

__all__ = ["Thresholds", "identifier_conflicts", "reasons"]

_IDENTIFIER_NAMES = {"a_number": "A-number", "fbi_number": "FBI number", "state_id": "State id"}
_HARD_RULE_FIELDS = ("given_name", "surname", "date_of_birth")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The thresholds a decision was made with (bits), and among how many active detainers (0: one pair).

    The words name no number: the active detainers are every office's, and how many another office holds is not
    this office's to read."""

    auto: float
    review: float
    margin: float
    detainers: int = 0

    def among(self) -> str:
        return " among every office's active detainers" if self.detainers else ""


def _identifier(field: str, value: str) -> str:
    """A normalised identifier as an officer writes it: A-numbers as A and nine digits, a state id with its state."""
    if field == "a_number":
        return "A" + value.zfill(9)
    if field == "state_id":
        state, _, number = value.partition(":")
        return f"{state} {number}"
    return value


def identifier_conflicts(
    comparison: Comparison, booked: MatchRecord, wanted: MatchRecord
) -> tuple[IdentifierConflict, ...]:
    """The identifiers both carry that differ, with both values (as an officer writes them)."""
    found = []
    for field in comparison.conflicting_identifiers:
        mine, theirs = booked.identifiers().get(field), wanted.identifiers().get(field)
        if mine is not None and theirs is not None:
            found.append(
                IdentifierConflict(field=field, booked=_identifier(field, mine), detainer=_identifier(field, theirs))
            )
    return tuple(found)


def _date(birth: int | None) -> str:
    return "unknown" if birth is None else f"{birth // 10_000:04d}-{birth // 100 % 100:02d}-{birth % 100:02d}"


def _given(form: NameForm) -> str:
    return " ".join(form.given) or "no given name"


def _surnames(form: NameForm) -> str:
    return " ".join(form.surnames) or "no surname"


def _both(what: str, booked: str, wanted: str) -> str:
    return f"{what}: {booked} (booking) vs {wanted} (detainer)"


def _forms(comparison: Comparison, booked: MatchRecord, wanted: MatchRecord) -> tuple[NameForm, NameForm]:
    i, j = comparison.forms
    return booked.forms[min(i, len(booked.forms) - 1)], wanted.forms[min(j, len(wanted.forms) - 1)]


def _given_name(level: str, mine: NameForm, theirs: NameForm) -> str | None:
    if level == "nickname":
        return f"Given name: {mine.given[0]} (booking) and {theirs.given[0]} (detainer) are one name, a short form"
    if level in ("phonetic", "similar"):
        return _both("Given name spelt differently", mine.given[0], theirs.given[0])
    if level == "middle_as_first":
        return _both(
            "Given name is the other's middle name (the person going by it, or a sibling)", _given(mine), _given(theirs)
        )
    if level == "initial":
        return _both("Given name is an initial", mine.given[0], theirs.given[0])
    if level == "disagree":
        return _both("Given name differs", _given(mine), _given(theirs))
    if level == "missing":
        return "Given name missing on one side"
    return None


def _surname(level: str, mine: NameForm, theirs: NameForm) -> str | None:
    if level == "dropped":
        return _both("Surname: the second surname left out", _surnames(mine), _surnames(theirs))
    if level == "dropped_first":
        return _both("Surname: the first surname left out", _surnames(mine), _surnames(theirs))
    if level == "reordered":
        return _both("Surnames in the other order", _surnames(mine), _surnames(theirs))
    if level in ("phonetic", "similar"):
        return _both("Surname spelt differently", _surnames(mine), _surnames(theirs))
    if level == "partial":
        return _both("Surnames partly differ (perhaps a relative)", _surnames(mine), _surnames(theirs))
    if level == "disagree":
        return _both("Surname differs", _surnames(mine), _surnames(theirs))
    if level == "missing":
        return "Surname missing on one side"
    return None


def _birth(level: str, mine: NameForm, theirs: NameForm) -> str | None:
    booked, wanted = _date(mine.birth), _date(theirs.birth)
    described = {
        "day_month_swapped": "Date of birth with day and month swapped",
        "year_typo": "Date of birth one keystroke off in the year",
        "day_or_month_typo": "Date of birth one keystroke off",
        "day_or_month_differs": "Date of birth differs in the day or the month",
        "disagree": "Date of birth differs",
    }.get(level)
    if described is not None:
        return _both(described, booked, wanted)
    return "Date of birth missing on one side" if level == "missing" else None


def _field_differences(comparison: Comparison, booked: MatchRecord, wanted: MatchRecord) -> list[str]:
    """What is not an exact agreement, field by field, in the order an officer checks a person."""
    mine, theirs = _forms(comparison, booked, wanted)
    found: list[str] = []
    if comparison.level("name_order") == "swapped":
        found.append(
            _both(
                "Given name and surname written the other way round",
                f"{_given(mine)} / {_surnames(mine)}",
                f"{_given(theirs)} / {_surnames(theirs)}",
            )
        )
    else:
        for described in (
            _given_name(comparison.level("given_name"), mine, theirs),
            _surname(comparison.level("surname"), mine, theirs),
        ):
            if described is not None:
                found.append(described)
    if comparison.name_form == MIDDLE_AS_SURNAME:
        found.append("Read with the middle name as the first surname (first, middle and last name boxes)")
    elif comparison.name_form is not None:
        found.append("Agrees through an alias")
    birth = _birth(comparison.level("date_of_birth"), mine, theirs)
    if birth is not None:
        found.append(birth)
    if comparison.level("middle_name") == "disagree":
        found.append(_both("Middle names differ", " ".join(mine.given[1:]), " ".join(theirs.given[1:])))
    if comparison.level("sex") == "disagree":
        found.append(_both("Sex differs", booked.sex or "?", wanted.sex or "?"))
    if comparison.level("place_of_birth") == "disagree":
        found.append(_both("Place of birth differs", booked.place_of_birth or "?", wanted.place_of_birth or "?"))
    return found


def _agreement(failed: tuple[str, ...]) -> str:
    """Which of given name, surname and date of birth agree as an automatic match needs them to."""
    agreeing = [field.replace("_", " ") for field in _HARD_RULE_FIELDS if field not in failed]
    if len(agreeing) == len(_HARD_RULE_FIELDS):
        return "Given name, surname and date of birth agree"
    if not agreeing:
        return "Neither given name, surname nor date of birth agree"
    return "Only " + " and ".join(agreeing) + " agree"


def _verdict(
    decision: MatchDecision, rule: str, score: float, thresholds: Thresholds, margin: float | None
) -> str | None:
    """The last word: why the evidence above came to this decision."""
    bits = f"{score:.1f} bits"
    if rule == "identifier":
        return None
    if rule == "identifier_contradicted":
        return "An equal number with another person's particulars: a keying error or a shared number"
    if rule == "identifier_conflict":
        return "One person with two numbers, or two people alike: not for a machine to decide"
    if rule == "ambiguous":
        lead = "?" if margin is None else f"{margin:.1f}"
        return (
            f"Another detainer's subject fits this booking almost as well: ahead by {lead} bits "
            f"({thresholds.margin:.1f} needed)"
        )
    if decision is MatchDecision.MATCH:
        ahead = "" if margin is None else f", {margin:.1f} bits ahead of any other detainer's subject"
        return f"Score {bits}; an automatic match needs {thresholds.auto:.1f}{thresholds.among()}{ahead}"
    if rule == "review:score":
        return (
            f"Not enough to be sure{thresholds.among()}: score {bits}, an automatic match needs {thresholds.auto:.1f}"
        )
    return (
        f"Score {bits} (a review needs {thresholds.review:.1f}{thresholds.among()}); an automatic match needs "
        "given name, surname and date of birth to agree, and nothing to conflict"
    )


def reasons(
    decision: MatchDecision,
    rule: str,
    comparison: Comparison,
    booked: MatchRecord,
    wanted: MatchRecord,
    *,
    thresholds: Thresholds,
    margin: float | None,
    failed: tuple[str, ...],
) -> tuple[str, ...]:
    """Why ``booked`` is (or may be) ``wanted``'s subject, most telling first: a number that conflicts,
    then a number that agrees, whether the names and date of birth agree, each difference, and the
    verdict. ``failed``: the hard rules the pair does not meet (``failed_hard_rules``)."""
    said = [
        _both(f"{_IDENTIFIER_NAMES[conflict.field]} differs", conflict.booked, conflict.detainer)
        for conflict in identifier_conflicts(comparison, booked, wanted)
    ]
    for field in comparison.equal_identifiers:
        value = booked.identifiers().get(field)
        if value is not None:
            said.append(f"{_IDENTIFIER_NAMES[field]} agrees: {_identifier(field, value)}")
    if not comparison.equal_identifiers:
        said.append(_agreement(failed))
    said += _field_differences(comparison, booked, wanted)
    verdict = _verdict(decision, rule, comparison.score, thresholds, margin)
    return (*said, verdict) if verdict is not None else tuple(said)
