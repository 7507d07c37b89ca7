"""Reading the entries of the streams the processors consume: the message, or why there is none.

An entry written by something else, or that no longer validates, is one entry to dead-letter with the reason
(``UnreadableEntryError``), never a batch held back. Reasons name fields and what was wrong, never the input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from pydantic import ValidationError

from contracts import (
    AlertKind,
    AlertReviewed,
    CustodyEvent,
    DetainerChange,
    RosterSubmitted,
    custody_event_adapter,
    detainer_change_adapter,
)
from contracts.envelope import StreamEntry
from contracts.policies import PolicyMark
from contracts.stored_fields import EntryField
from notifier.domain.reviews import BookingReview
from runtime.validation import describe_validation_error

__all__ = [
    "UnreadableEntryError",
    "read_alert_review",
    "read_custody_event",
    "read_custody_stream_entry",
    "read_detainer_change",
    "read_policy_mark",
]

_NOT_FROM_INGEST = f"no {EntryField.DATA} field: not written by releasewatch ingest"

Message = TypeVar("Message")


class UnreadableEntryError(ValueError):
    """An entry no consumer can make sense of; the message says why, without personal data."""


def _parsed(entry: StreamEntry, parse: Callable[[bytes], Message], what: str) -> Message:
    """The entry's message, parsed; why not, without the input, when it cannot be."""
    data = entry.data
    if data is None:
        raise UnreadableEntryError(_NOT_FROM_INGEST)
    try:
        return parse(data)
    except ValidationError as error:
        raise UnreadableEntryError(f"not a valid {what}: {describe_validation_error(error)}") from None


# The adapter's own validator: what ``custody_event_adapter.validate_json`` calls, after checks of arguments this
# call does not pass (a sixth of an event's validation).
_validate_custody_event_json = custody_event_adapter.validator.validate_json


def _custody_event(data: bytes) -> CustodyEvent:
    return cast(CustodyEvent, _validate_custody_event_json(data, extra="ignore"))


def read_custody_event(entry: StreamEntry) -> CustodyEvent:
    return _parsed(entry, _custody_event, "custody event")


def read_custody_stream_entry(entry: StreamEntry) -> CustodyEvent | RosterSubmitted:
    """An entry of the custody stream: a custody event, or a facility's roster (by the entry's type)."""
    if entry.message_type != "roster":
        return _parsed(entry, _custody_event, "custody event")
    return _parsed(entry, lambda data: RosterSubmitted.model_validate_json(data, extra="ignore"), "roster")


def read_policy_mark(entry: StreamEntry) -> PolicyMark | None:
    """The sharing policy's mark beside a custody event (None: published under no policy). A mark that cannot
    be read makes the entry unreadable: what a policy withholds is never guessed."""
    raw = entry.field(EntryField.POLICY)
    if raw is None:
        return None
    try:
        return PolicyMark.model_validate_json(raw, extra="ignore")
    except ValidationError as error:
        raise UnreadableEntryError(f"not a valid policy mark: {describe_validation_error(error)}") from None


def read_detainer_change(entry: StreamEntry) -> DetainerChange:
    try:
        return detainer_change_adapter.validate_json(entry.data or b"", extra="ignore")
    except ValidationError as error:
        raise UnreadableEntryError(f"not a valid detainer change: {describe_validation_error(error)}") from None


def read_alert_review(entry: StreamEntry) -> BookingReview:
    reviewed = _parsed(entry, lambda data: AlertReviewed.model_validate_json(data, extra="ignore"), "alert review")
    alert = reviewed.alert
    if alert.kind is not AlertKind.POSSIBLE_MATCH or alert.review is None:
        raise UnreadableEntryError("an alert review must carry a reviewed possible_match alert")
    return BookingReview.of(alert)
