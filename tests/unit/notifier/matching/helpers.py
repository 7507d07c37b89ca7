"""People for the matching specifications: the sample person, without identifiers or aliases unless given."""

from __future__ import annotations

from typing import Any

from contracts import MatchDecision, MatchEvidence, Person
from tests.unit.notifier.builders import person

NO_IDENTIFIERS: dict[str, Any] = {"fbi_number": None, "state_id": None, "a_number": None, "aliases": []}


def someone(**overrides: Any) -> Person:
    """JOSE LUIS GARCIA LOPEZ, male, born 1990-04-17 in MX, no identifiers, no aliases (unless overridden)."""
    return person(**{**NO_IDENTIFIERS, **overrides})


def levels(evidence: MatchEvidence | None) -> dict[str, str]:
    assert evidence is not None
    return {agreement.field: agreement.level for agreement in evidence.fields}


def decision(evidence: MatchEvidence | None) -> MatchDecision | None:
    return None if evidence is None else evidence.decision
