"""Feed health: whether each facility's feed is alive, and whether it reports far more releases than usual.

The notifier counts what every facility sends as it processes the custody
stream, judges each feed (``FeedHealth``) and keeps the judgement with the
facility; operators read it at ``GET /v1/ops/feeds``. Two failures of jail
feeds are known: a feed silent for days with nobody noticing, and one bad
data load announcing thousands of false releases. The first
raises an alarm; the second also holds the facility's alerts (``FeedHold``)
until an operator has looked, so a bulk data error does not page every office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.base import WireModel
from contracts.fields import Ori

__all__ = ["DecidedHold", "FeedCounts", "FeedHealth", "FeedHold", "FeedStatus", "HoldDecision"]


class FeedStatus(StrEnum):
    NEW = "new"  # too little history for a usual rate yet (the silent alarm still applies, by its longest wait)
    OK = "ok"
    SILENT = "silent"  # nothing for longer than its usual rate allows
    SURGE = "surge"  # far more releases in the last window than usual: its alerts are held


@dataclass(frozen=True, slots=True)
class FeedCounts:
    """What a facility sent, as the store counts it at ``now_ms`` (all times ms since the epoch): what its health
    is judged from."""

    facility_ori: str
    now_ms: int
    first_seen_ms: int
    last_sent_ms: int
    entries_in_history: int  # entries in (now - history, now]
    entries_last_24h: int
    releases_in_window: int  # releases in (now - window, now]
    releases_before_window: int  # releases in (now - history, now - window]
    last_decided_at_ms: int | None = None  # when an operator last decided on a hold of the facility's alerts


class HoldDecision(WireModel):
    """What an operator decided about a facility's held alerts (``POST /v1/ops/feeds/{ori}/hold``)."""

    action: Literal["deliver", "discard"] = Field(
        description="`deliver`: the releases are real, send the held alerts (late, in the order raised); "
        "`discard`: a data error, keep them for the record and send none."
    )
    note: str = Field(min_length=1, max_length=1000, description="Why: what the operator found out.")


class DecidedHold(HoldDecision):
    by: str
    at: datetime


class FeedHold(WireModel):
    """A facility's alerts held back from every channel: raised and kept, not delivered, until an operator acts.

    While a hold is in force the facility's new alerts are held too; once decided, the notifier applies the
    decision to every held alert at its next check, and the hold ends."""

    since: datetime
    reason: str = Field(description="What tripped it, in counts (no personal data).")
    decision: DecidedHold | None = None


class FeedHealth(WireModel):
    """One facility's feed as the notifier last judged it (``checked_at``)."""

    facility_ori: Ori
    status: FeedStatus
    reason: str = Field(description="Why this status, in counts and durations.")
    first_seen_at: datetime
    last_sent_at: datetime = Field(description="When the facility's latest event or roster was accepted.")
    silent_seconds: float = Field(description="Since the latest event or roster, at `checked_at`.")
    entries_last_24h: int = Field(description="Events and rosters accepted in the 24 hours before `checked_at`.")
    usual_entries_per_hour: float | None = Field(
        description="Over the history kept (7 days by default); null until there is enough of it."
    )
    releases_in_window: int = Field(description="Releases reported or implied by a roster in the surge window.")
    usual_releases_per_window: float | None
    hold: FeedHold | None = None
    held_alerts: int = Field(default=0, description="The facility's alerts held now, awaiting a decision.")
    alarm_since: datetime | None = Field(default=None, description="When the current silent or surge alarm began.")
    checked_at: datetime
