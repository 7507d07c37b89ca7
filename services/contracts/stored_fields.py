"""The fields of what is stored in Redis, named once: each hash's fields and each stream entry's fields.

Keys are named in ``contracts.keys``; the fields inside them are named here. Only the store (``store``)
reads and writes them, in Python through these names and in its Lua scripts by the same spelling (its
tests run every script and read back what it wrote through these names). A field is never renamed: data
written by an older version must stay readable.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "REVIEW_FIELD_PREFIX",
    "AuditField",
    "BookingField",
    "EntryField",
    "FeedDayField",
    "FeedField",
    "FeedSpellField",
    "PolicyBookingField",
    "PolicyReceiptField",
    "ReceiptField",
    "RosterReportField",
]


class EntryField(StrEnum):
    """Fields of the entries of every stream (``contracts.envelope`` reads them)."""

    DATA = "__data__"  # the message as JSON (FastStream's body field)
    TYPE = "type"  # the message's type, beside it, so a reader can skip what it does not handle
    EVENT_ID = "event_id"  # custody stream: the source's id of the event (or the roster's id)
    ALERT_ID = "alert_id"  # alert and review streams: the alert the message is about
    DETAINER_ID = "detainer_id"  # detainer changelog: the office's own id
    DETAINER_REF = "detainer_ref"  # detainer changelog: the detainer's reference (absent before references)
    SEQ = "seq"  # detainer changelog: the entry's number, so a reader sees entries trimmed before it read them
    FOR_GROUP = "for_group"  # alert stream: set on a dead letter replayed for the one channel (group) it is for
    STREAM = "stream"  # dead letters: the stream the message was read from
    MESSAGE_ID = "message_id"  # dead letters: its id there
    REASON = "reason"  # dead letters: why it could not be processed
    POLICY = "policy"  # custody stream: the PolicyMark JSON of an event published under a sharing policy


class AuditField(StrEnum):
    """Fields of an audit trail entry."""

    AT = "at"
    ACTOR = "actor"
    ACTION = "action"
    TARGET = "target"
    DETAIL = "detail"


class BookingField(StrEnum):
    """Fields of a booking's hash (``RedisNames.booking``), besides one ``review:<detainer ref>`` per decision."""

    VERSION = "version"  # bumped by every write: what compare-and-set compares
    STATE = "state"  # the booking's custody state, JSON


REVIEW_FIELD_PREFIX = "review:"
"""A booking hash field per person's decision on a possible match: the prefix and the detainer's reference (for a
detainer lodged when ids were global, its id)."""


class ReceiptField(StrEnum):
    """Fields of the receipt of an accepted custody event or roster."""

    DIGEST = "digest"  # of the accepted body: the same body again is a replay, another one a conflict
    STREAM_ID = "stream_id"
    ACCEPTED_AT = "accepted_at"


class FeedField(StrEnum):
    """Fields of a facility's feed hash (``RedisNames.facility_feed``)."""

    FIRST_SEEN_MS = "first_seen_ms"
    LAST_SENT_MS = "last_sent_ms"
    HEALTH = "health"  # the latest judgement, FeedHealth JSON
    HOLD = "hold"  # a hold on the facility's alerts in force, FeedHold JSON
    HOLD_DECISION = "hold_decision"  # an operator's decision on that hold, DecidedHold JSON
    LAST_HOLD_DECISION = "last_hold_decision"  # the decision last carried out, DecidedHold JSON


class RosterReportField(StrEnum):
    """Fields of a facility's latest roster report hash."""

    ROSTER_ID = "roster_id"
    AS_OF_MS = "as_of_ms"
    REPORT = "report"  # RosterReport JSON


class FeedDayField(StrEnum):
    """What a facility's per-day counters count (``RedisNames.facility_feed_days``): each field is
    ``<YYYY-MM-DD>:<this>``."""

    REJECTED = "rejected"  # events intake refused (422)
    LATE = "late"  # events accepted long after they happened


class FeedSpellField(StrEnum):
    """What a facility's feed spells are (``RedisNames.facility_feed_spells``): each field is ``<this>:<start ms>``."""

    SILENT = "silent"  # value: the latest check that still found the feed silent (ms)
    SURGE = "surge"  # value: the operator's decision on the hold (deliver, discard), "" while undecided


class PolicyBookingField(StrEnum):
    """Fields of what intake keeps of a booking under a sharing policy (``RedisNames.policy_booking``)."""

    VERSION = "version"  # bumped by every write: what compare-and-set compares
    STATE = "state"  # policies.BookingDisclosure JSON


class PolicyReceiptField(StrEnum):
    """Fields of the receipt of a custody event a sharing policy withheld."""

    DIGEST = "digest"  # of the event as read (stripped): the same again is a replay, another one a conflict
    ANSWER = "answer"  # the withheld answer given, JSON
    AT = "at"  # when it was withheld (RFC 3339)
