"""Alerts in Redis: read what the notifier wrote, and record what people do with them: reviews of
possible matches, acknowledgements and resolutions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertReview,
    AlertReviewed,
    AlertStatus,
    AlertStep,
    OfficerAction,
    RedisNames,
    ReleaseStatus,
    ReviewDecision,
    TimelineEntry,
)
from ingest.listing import newest_first
from runtime import RedisClient
from runtime.alert_updates import AlertChange, AlertUpdates, Announcement

__all__ = [
    "AlertLifecycle",
    "AlertLifecycleConflictError",
    "AlertNotFoundError",
    "AlertNotReviewableError",
    "AlertReader",
    "AlertReviewConflictError",
    "AlertReviews",
]


def _parse(raw: bytes | str) -> Alert:
    return Alert.model_validate_json(raw, extra="ignore")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AlertNotFoundError(LookupError):
    pass


class AlertNotReviewableError(Exception):
    """Only a possible_match alert is confirmed or rejected."""

    def __init__(self, current: Alert) -> None:
        super().__init__(f"alert {current.alert_id!r} is {current.kind.value}, not a possible match")
        self.current = current


class AlertReviewConflictError(Exception):
    """The possible match was already decided the other way."""

    def __init__(self, current: Alert, review: AlertReview) -> None:
        super().__init__(f"alert {current.alert_id!r} was already {review.decision.value}")
        self.current = current
        self.review = review


class AlertLifecycleConflictError(Exception):
    """The alert is past the step asked for: acknowledging a resolved alert, or resolving it again
    with another outcome. ``pointer`` names the request field at fault, if one is."""

    def __init__(self, current: Alert, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.current = current
        self.pointer = pointer


class AlertReader:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def get(self, alert_id: str) -> Alert | None:
        raw = await self._client.get(self._names.alert(alert_id))
        return None if raw is None else _parse(raw)

    async def list(
        self,
        *,
        field_office: str | None,
        status: AlertStatus | None,
        limit: int,
        cursor: str | None,
        release_status: ReleaseStatus | None = None,
    ) -> tuple[list[Alert], str | None]:
        """A page of alerts newest first, narrowed by office and by status or release status (not both)."""
        if release_status is not None:
            listing = self._names.release_listing(release_status=release_status.value, field_office=field_office)
        else:
            listing = self._names.alert_listing(
                field_office=field_office, status=status.value if status is not None else None
            )
        page = await newest_first(self._client, listing, limit=limit, cursor=cursor)
        if not page.ids:
            return [], None
        records = await self._client.mget([self._names.alert(alert_id) for alert_id in page.ids])
        return [_parse(raw) for raw in records if raw is not None], page.next_cursor


def reviewed(alert: Alert, decision: ReviewDecision, *, by: str, at: datetime) -> Alert:
    """The possible_match alert once a person decided on it.

    A confirmation acknowledges it: the case goes on in the alerts it turns into. A rejection resolves
    it as ``not_the_person``. Neither moves an alert back in its lifecycle.
    """
    step = TimelineEntry(at=at, what=AlertStep.REVIEWED, by=by, detail=decision.value)
    update: dict[str, Any] = {
        "review": AlertReview(decision=decision, reviewed_by=by, reviewed_at=at),
        "timeline": (*alert.timeline, step),
    }
    if decision is ReviewDecision.CONFIRMED:
        if alert.status is AlertStatus.OPEN:
            update |= {"status": AlertStatus.ACKNOWLEDGED, "acknowledged_at": at, "acknowledged_by": by}
    elif alert.status is not AlertStatus.RESOLVED:
        update |= {
            "status": AlertStatus.RESOLVED,
            "resolved_at": at,
            "resolved_by": by,
            "outcome": AlertOutcome.NOT_THE_PERSON,
        }
    return alert.model_copy(update=update)


class AlertReviews:
    """Confirming or rejecting possible matches: once per alert, published for the notifier to act on."""

    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._names = names
        self._clock = clock
        self._updates = AlertUpdates(client)

    async def decide(self, alert_id: str, decision: ReviewDecision, *, by: str) -> tuple[Alert, bool]:
        """Record ``decision`` on the possible_match alert; returns the alert and whether this call decided.

        The same decision again answers the alert as it is; the opposite one raises a conflict.
        """

        def review(current: Alert, at: datetime) -> Alert | None:
            if current.kind is not AlertKind.POSSIBLE_MATCH:
                raise AlertNotReviewableError(current)
            if current.review is not None:
                if current.review.decision is decision:
                    return None
                raise AlertReviewConflictError(current, current.review)
            return reviewed(current, decision, by=by, at=at)

        # The notifier acts on the review stream; open office pages follow the alert stream.
        return await _change(
            self._updates,
            self._names,
            alert_id,
            review,
            self._clock,
            lambda after: [
                Announcement(self._names.alert_reviews, AlertReviewed(alert=after).model_dump_json(), "alert_reviewed"),
                _officer_action(self._names, "alert_reviewed", after),
            ],
        )


def _officer_action(names: RedisNames, message_type: str, after: Alert) -> Announcement:
    message = OfficerAction.model_validate({"type": message_type, "alert": after})
    return Announcement(names.alerts_raised, message.model_dump_json(), message_type)


async def _change(
    updates: AlertUpdates,
    names: RedisNames,
    alert_id: str,
    change: Callable[[Alert, datetime], Alert | None],
    clock: Callable[[], datetime],
    announce: Callable[[Alert], list[Announcement]],
) -> tuple[Alert, bool]:
    """Apply a person's ``change`` to the alert by compare-and-swap (None from it: nothing to change); returns the
    alert and whether this call changed it. The alert moves between status listings and is announced with it."""

    def decide(_key: str, raw: bytes | None) -> tuple[AlertChange | None, tuple[Alert, bool]]:
        if raw is None:
            raise AlertNotFoundError(alert_id)
        current = _parse(raw)
        after = change(current, clock())
        if after is None:
            return None, (current, False)
        listed = names.listings("alerts", current.field_office, current.status.value)[2:]
        joined = names.listings("alerts", after.field_office, after.status.value)[2:]
        moves = ((), ()) if listed == joined else (listed, joined)
        write = AlertChange(
            alert_id=alert_id,
            updated=after.model_dump_json(),
            listing_score_ms=int(current.raised_at.timestamp() * 1000),  # as the notifier set it
            leaving=moves[0],
            joining=moves[1],
            announce=announce(after),
            held_in=(names.held_alerts(current.facility_ori), names.discarded_alerts(current.facility_ori)),
        )
        return write, (after, True)

    key = names.alert(alert_id)
    results = await updates.apply([key], decide)
    return results[key][0]


def _closed_by(alert: Alert) -> str:
    if alert.resolved_by is not None:
        return f" by {alert.resolved_by}"
    if alert.release_status is not None:  # releasewatch closed it: the release time stopped standing
        return f" by releasewatch: the release is {alert.release_status.value}"
    return ""


def acknowledged(alert: Alert, *, by: str, at: datetime) -> Alert | None:
    """The alert once ``by`` acknowledged it; None when it already was (nothing to change).

    A resolved alert is past acknowledging: that is a conflict.
    """
    if alert.status is AlertStatus.ACKNOWLEDGED:
        return None
    if alert.status is AlertStatus.RESOLVED:
        raise AlertLifecycleConflictError(alert, f"alert {alert.alert_id!r} is already resolved{_closed_by(alert)}")
    step = TimelineEntry(at=at, what=AlertStep.ACKNOWLEDGED, by=by)
    return alert.model_copy(
        update={
            "status": AlertStatus.ACKNOWLEDGED,
            "acknowledged_at": at,
            "acknowledged_by": by,
            "timeline": (*alert.timeline, step),
        }
    )


def resolved(alert: Alert, outcome: AlertOutcome, note: str | None, *, by: str, at: datetime) -> Alert | None:
    """The alert once ``by`` resolved it with ``outcome``; None when it already was, with that outcome.

    An open alert may be resolved directly (it is never marked acknowledged). Resolved with another
    outcome already: a conflict.
    """
    if alert.kind is AlertKind.POSSIBLE_MATCH and alert.review is None:
        # Resolving it would leave the pair to be suggested again: a person decides it with confirm or reject.
        raise AlertLifecycleConflictError(
            alert, f"possible match {alert.alert_id!r} is not reviewed yet: confirm or reject it first"
        )
    if alert.status is AlertStatus.RESOLVED:
        if alert.outcome is outcome:
            return None
        already = alert.outcome.value if alert.outcome is not None else "no outcome"
        raise AlertLifecycleConflictError(
            alert,
            f"alert {alert.alert_id!r} was already resolved as {already}{_closed_by(alert)}",
            pointer="#/outcome",
        )
    detail = outcome.value if note is None else f"{outcome.value}: {note}"
    step = TimelineEntry(at=at, what=AlertStep.RESOLVED, by=by, detail=detail)
    return alert.model_copy(
        update={
            "status": AlertStatus.RESOLVED,
            "resolved_at": at,
            "resolved_by": by,
            "outcome": outcome,
            "resolution_note": note,
            "timeline": (*alert.timeline, step),
        }
    )


class AlertLifecycle:
    """Acknowledging and resolving alerts: each step once, by compare-and-swap on the record, announced on the
    alert stream so that every open office page shows it."""

    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._names = names
        self._clock = clock
        self._updates = AlertUpdates(client)

    async def acknowledge(self, alert_id: str, *, by: str) -> tuple[Alert, bool]:
        """Acknowledge the alert; returns it and whether this call changed it."""
        return await self._step(alert_id, "alert_acknowledged", lambda current, at: acknowledged(current, by=by, at=at))

    async def resolve(self, alert_id: str, outcome: AlertOutcome, note: str | None, *, by: str) -> tuple[Alert, bool]:
        """Resolve the alert with ``outcome``; returns it and whether this call changed it."""
        return await self._step(
            alert_id, "alert_resolved", lambda current, at: resolved(current, outcome, note, by=by, at=at)
        )

    async def _step(
        self, alert_id: str, message_type: str, change: Callable[[Alert, datetime], Alert | None]
    ) -> tuple[Alert, bool]:
        names = self._names
        return await _change(
            self._updates,
            names,
            alert_id,
            change,
            self._clock,
            lambda after: [_officer_action(names, message_type, after)],
        )
