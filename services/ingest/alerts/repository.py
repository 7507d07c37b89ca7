"""Alerts in Redis: read what the notifier wrote, and record people's reviews of possible matches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any, cast

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertReview,
    AlertReviewed,
    AlertStatus,
    RedisNames,
    ReviewDecision,
)
from ingest.listing import newest_first
from runtime import RedisClient

__all__ = [
    "AlertNotFoundError",
    "AlertNotReviewableError",
    "AlertReader",
    "AlertReviewConflictError",
    "AlertReviews",
]

_REVIEW_SCRIPT = (files(__package__) / "review_alert.lua").read_text()
_REVIEW_ATTEMPTS = 5  # compare-and-swap retries when the record changes between read and write


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
    ) -> tuple[list[Alert], str | None]:
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
    update: dict[str, Any] = {"review": AlertReview(decision=decision, reviewed_by=by, reviewed_at=at)}
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
        self._client = client
        self._names = names
        self._clock = clock
        self._review = client.register_script(_REVIEW_SCRIPT)

    async def decide(self, alert_id: str, decision: ReviewDecision, *, by: str) -> tuple[Alert, bool]:
        """Record ``decision`` on the possible_match alert; returns the alert and whether this call decided.

        The same decision again answers the alert as it is; the opposite one raises a conflict.
        """
        names = self._names
        for _ in range(_REVIEW_ATTEMPTS):
            raw = await self._client.get(names.alert(alert_id))
            if raw is None:
                raise AlertNotFoundError(alert_id)
            current = _parse(raw)
            if current.kind is not AlertKind.POSSIBLE_MATCH:
                raise AlertNotReviewableError(current)
            if current.review is not None:
                if current.review.decision is decision:
                    return current, False
                raise AlertReviewConflictError(current, current.review)
            after = reviewed(current, decision, by=by, at=self._clock())
            leaving = names.listings("alerts", current.field_office, current.status.value)[2:]
            joining = names.listings("alerts", after.field_office, after.status.value)[2:]
            outcome = cast(
                list[Any],
                await self._review(
                    keys=[names.alert(alert_id), names.alert_reviews, *leaving, *joining],
                    args=[
                        alert_id,
                        raw,
                        after.model_dump_json(),
                        int(current.raised_at.timestamp() * 1000),  # the listing score, as the notifier set it
                        AlertReviewed(alert=after).model_dump_json(),
                    ],
                ),
            )
            if outcome[0] == 1:
                return after, True
            if outcome[0] == -1:
                raise AlertNotFoundError(alert_id)
        raise RuntimeError(f"alert {alert_id!r} kept changing while being reviewed")
