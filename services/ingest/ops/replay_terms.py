"""Whether a dead letter may go back on its stream under the sharing policies in force.

Intake judges every custody event by the sharing policy covering its facility before anything is published, and
publishes its verdict beside the event (the policy's mark): the notifier honours the mark, and judges nothing of
that again. A custody event dead-lettered under one policy (or none) and replayed once another covers its
facility would reach the notifier judged by terms no longer in force: an in-custody notice the policy now
withholds, a person's fields it now strips. Such a replay is refused; the dead letter stays open.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from pydantic import ValidationError

from contracts import DeadLetter
from contracts.policies import JurisdictionPolicy, PolicyMark
from contracts.stored_fields import EntryField

__all__ = ["replay_refused_by_policy"]


def _facility_of(letter: DeadLetter) -> str | None:
    """The facility of a dead-lettered custody event, when its message can be read as one."""
    if letter.fields.get(EntryField.TYPE) == "roster":
        return None  # a roster's releases are judged by the notifier, under the policy in force
    try:
        message = json.loads(letter.fields.get(EntryField.DATA, ""))
    except (ValueError, RecursionError):
        return None
    facility = message.get("facility_ori") if isinstance(message, dict) else None
    return facility if isinstance(facility, str) else None


def _judged_under(letter: DeadLetter) -> PolicyMark | None:
    raw = letter.fields.get(EntryField.POLICY)
    if raw is None:
        return None
    try:
        return PolicyMark.model_validate_json(raw, extra="ignore")
    except ValidationError:
        return None


def replay_refused_by_policy(
    letter: DeadLetter, *, custody_stream: str, policy_for: Callable[[str], JurisdictionPolicy | None]
) -> str | None:
    """Why replaying ``letter`` would take a custody event past the sharing policy now covering its facility;
    None when it may be replayed (another stream's message, no policy covering the facility now, or the very
    policy it was judged under)."""
    if letter.stream != custody_stream:
        return None
    facility = _facility_of(letter)
    policy = policy_for(facility) if facility is not None else None
    if facility is None or policy is None:
        return None
    mark = _judged_under(letter)
    if mark is not None and (mark.jurisdiction, mark.policy) == (policy.jurisdiction, policy.name):
        return None
    before = "under no sharing policy" if mark is None else f"under the policy {mark.policy!r} ({mark.jurisdiction})"
    return (
        f"This custody event of {facility} was accepted {before}; the facility is now under {policy.name!r} "
        f"({policy.jurisdiction}), which intake judges events by before anything is published. Replayed, it would "
        "reach the notifier unjudged by it. Discard it with a reason; the source may send the event again under a "
        "new event_id, to be judged under the policy in force."
    )
