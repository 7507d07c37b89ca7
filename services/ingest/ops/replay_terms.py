"""Whether a dead letter may go back on its stream: a replay appends the message as it was, so one that the
facts have overtaken since would make the notifiers act on what is no longer true.

A detainer's lodge, dead-lettered, then the detainer lifted: the notifiers' index of active detainers applies its
changelog in order, and a lodge appended after the lift would make the detainer active again, raising alerts the
office ended. A lift is final (a detainer lodged anew takes a new id), so such a replay is refused.

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

from contracts import DeadLetter, Detainer, DetainerStatus
from contracts.policies import JurisdictionPolicy, PolicyMark
from contracts.stored_fields import EntryField

__all__ = ["lodged_detainer_ref", "replay_refused_by_lift", "replay_refused_by_policy"]


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


def lodged_detainer_ref(letter: DeadLetter, *, detainer_changes: str) -> str | None:
    """The reference of the detainer whose lodge ``letter`` is (None: not a lodge of the detainer changelog)."""
    if letter.stream != detainer_changes or letter.fields.get(EntryField.TYPE) != "detainer_lodged":
        return None
    reference = letter.fields.get(EntryField.DETAINER_REF)
    if reference is not None:
        return reference
    try:
        message = json.loads(letter.fields.get(EntryField.DATA, ""))
        detainer_id = message["detainer"]["detainer_id"]
    except (ValueError, RecursionError, KeyError, TypeError):
        return None
    return detainer_id if isinstance(detainer_id, str) else None  # (a lodge of before references: its id)


def replay_refused_by_lift(reference: str, current: Detainer | None) -> str | None:
    """Why replaying the lodge of the detainer ``reference`` (its record now: ``current``) would make a lifted
    detainer active again; None when it is not lifted."""
    if current is None or current.status is not DetainerStatus.LIFTED:
        return None
    when = f" at {current.lifted_at.isoformat()}" if current.lifted_at is not None else ""
    return (
        f"The detainer {reference} was lifted{when}, after this lodge was dead-lettered. Replayed, the lodge would "
        "make it active again in the notifiers, raising alerts the office ended. Discard it: the lift stands."
    )
