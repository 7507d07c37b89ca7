"""A lifted detainer: the alerts raised for it that are still open, closed.

Lifting a detainer says the office no longer acts on its subject (custody assumed, a citizenship claim, declined,
...). No new alert is raised for it from then on, and what was raised and not resolved yet is closed: resolved as
``detainer_lifted`` by releasewatch on the office's lift, a ``detainer_lifted`` step saying why, its reminders and
escalations withdrawn, and the office told once (``alert_updated``), so no page keeps counting down to a release
nobody is to act on. A release schedule among them leaves ``scheduled`` as ``cancelled``, as for a correction:
for that office there is no release to act on. Pure: no I/O.
"""

from __future__ import annotations

from datetime import datetime

from contracts import Alert, AlertOutcome, AlertStep, Detainer, TimelineEntry
from notifier.domain.alert_rules import closed_by_releasewatch

__all__ = ["closed_by_lift"]


def closed_by_lift(alert: Alert, lifted: Detainer, *, at: datetime) -> Alert:
    """``alert`` closed at ``at`` because its detainer was lifted (``lifted``, as lifted)."""
    reason = lifted.lift_reason.value if lifted.lift_reason is not None else "lifted"
    step = TimelineEntry(at=at, what=AlertStep.DETAINER_LIFTED, detail=f"detainer lifted: {reason}")
    return closed_by_releasewatch(alert, step, AlertOutcome.DETAINER_LIFTED)
