"""People's steps on alerts, written by compare-and-swap (``store.alert_updates``) and announced: confirming or
rejecting a possible match (``AlertReviews``), acknowledging and resolving (``AlertLifecycle``).

Each step is decided by ``ingest.alerts.states`` from the record as read and written only if the record is still
as read (a delivery, a reminder or another person may have changed it meanwhile: then it is decided again), once:
the same step again answers the alert as it is. The alert moves between its status listings and is announced
on the alert stream, so every open office page shows it; a review is also announced to the notifier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from contracts import Alert, AlertOutcome, AlertReviewed, OfficerAction, RedisNames, ReviewDecision
from ingest.alerts.states import AlertNotFoundError, acknowledged, decided, resolved
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from store.alert_updates import AlertEdit, AlertUpdates

__all__ = ["AlertLifecycle", "AlertReviews"]

_Step = Callable[[Alert, datetime], Alert | None]  # the alert after a person's step at a time; None: no change


class _PeoplesSteps:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._updates = AlertUpdates(client, names)

    async def _take(
        self,
        alert_id: str,
        step: _Step,
        message_type: Literal["alert_acknowledged", "alert_resolved", "alert_reviewed"],
        *,
        to_the_notifier: bool = False,
    ) -> tuple[Alert, bool]:
        """Apply ``step`` to the alert by compare-and-swap; returns the alert and whether this call changed it."""

        def decide(_alert_id: str, current: Alert | None) -> tuple[AlertEdit | None, tuple[Alert, bool]]:
            if current is None:
                raise AlertNotFoundError(alert_id)
            after = step(current, self._clock())
            if after is None:
                return None, (current, False)
            edit = AlertEdit(
                after=after,
                announce=[OfficerAction.model_validate({"type": message_type, "alert": after})],
                review=AlertReviewed(alert=after) if to_the_notifier else None,
            )
            return edit, (after, True)

        return (await self._updates.apply([alert_id], decide))[alert_id]


class AlertReviews(_PeoplesSteps):
    """Confirming or rejecting possible matches: once per alert, published for the notifier to act on."""

    async def decide(self, alert_id: str, decision: ReviewDecision, *, by: str) -> tuple[Alert, bool]:
        """Record ``decision`` on the possible_match alert; returns the alert and whether this call decided.

        The same decision again answers the alert as it is; the opposite one raises a conflict.
        """
        # The notifier acts on the review stream; open office pages follow the alert stream.
        return await self._take(
            alert_id,
            lambda current, at: decided(current, decision, by=by, at=at),
            "alert_reviewed",
            to_the_notifier=True,
        )


class AlertLifecycle(_PeoplesSteps):
    """Acknowledging and resolving alerts: each step once, by compare-and-swap on the record, announced on the
    alert stream so that every open office page shows it."""

    async def acknowledge(self, alert_id: str, *, by: str) -> tuple[Alert, bool]:
        """Acknowledge the alert; returns it and whether this call changed it."""
        return await self._take(alert_id, lambda current, at: acknowledged(current, by=by, at=at), "alert_acknowledged")

    async def resolve(self, alert_id: str, outcome: AlertOutcome, note: str | None, *, by: str) -> tuple[Alert, bool]:
        """Resolve the alert with ``outcome``; returns it and whether this call changed it."""
        return await self._take(
            alert_id, lambda current, at: resolved(current, outcome, note, by=by, at=at), "alert_resolved"
        )
