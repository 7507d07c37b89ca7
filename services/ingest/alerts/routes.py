"""`/v1/alerts`: what field offices read, and their reviews of possible matches."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from contracts import Alert, AlertStatus, ReviewDecision
from contracts.fields import FieldOffice
from ingest.alerts.repository import (
    AlertNotFoundError,
    AlertNotReviewableError,
    AlertReader,
    AlertReviewConflictError,
    AlertReviews,
)
from ingest.auth import Principal, Role, office_to_list, require_role
from ingest.dependencies import get_alert_reviews, get_alerts, get_audit
from ingest.listing import Paging
from ingest.metrics import ALERT_REVIEWS
from ingest.openapi import problem_responses
from ingest.ops.audit import AuditTrail
from ingest.problems import Problem

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

REPLAYED_HEADER = "Idempotent-Replayed"

AlertId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class AlertPage(BaseModel):
    alerts: list[Alert]
    next_cursor: str | None


def _not_found(alert_id: str) -> Problem:
    return Problem("not-found", f"No alert {alert_id!r}.")


async def _visible_alert(alerts: AlertReader, alert_id: str, principal: Principal) -> Alert:
    """The alert, if this caller may see it; another office's answers 404, as if it did not exist."""
    alert = await alerts.get(alert_id)
    scope = principal.office_scope()
    if alert is None or (scope is not None and alert.field_office != scope):
        raise _not_found(alert_id)
    return alert


@router.get(
    "",
    response_model=AlertPage,
    summary="List alerts, newest first",
    responses=problem_responses(401, 403, 422),
)
async def list_alerts(
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    paging: Annotated[Paging, Depends()],
    alerts: Annotated[AlertReader, Depends(get_alerts)],
    field_office: Annotated[FieldOffice | None, Query(description="Field office keys see their own only.")] = None,
    status: Annotated[AlertStatus | None, Query()] = None,
) -> AlertPage:
    office = office_to_list(principal, field_office)
    page, next_cursor = await alerts.list(field_office=office, status=status, limit=paging.limit, cursor=paging.cursor)
    return AlertPage(alerts=page, next_cursor=next_cursor)


@router.get(
    "/{alert_id}",
    response_model=Alert,
    summary="Read one alert",
    responses=problem_responses(401, 403, 404),
)
async def get_alert(
    alert_id: AlertId,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    alerts: Annotated[AlertReader, Depends(get_alerts)],
) -> Alert:
    return await _visible_alert(alerts, alert_id, principal)


@router.post(
    "/{alert_id}/confirm",
    response_model=Alert,
    summary="Confirm a possible match",
    description=(
        "The booked person is the detainer's subject: the `possible_match` alert is acknowledged with a `review`, "
        "and the alerts a match calls for (`in_custody`, `release_scheduled`, `released`, `transferred`) are "
        "raised for the booking, now and as its later events arrive. Confirming again answers the alert as it is "
        "with `Idempotent-Replayed: true`; confirming a rejected possible match, or an alert that is not a "
        "possible match, answers 409."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def confirm_alert(
    alert_id: AlertId,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    alerts: Annotated[AlertReader, Depends(get_alerts)],
    reviews: Annotated[AlertReviews, Depends(get_alert_reviews)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Alert:
    return await _review(alert_id, ReviewDecision.CONFIRMED, response, principal, alerts, reviews, audit)


@router.post(
    "/{alert_id}/reject",
    response_model=Alert,
    summary="Reject a possible match",
    description=(
        "The booked person is not the detainer's subject: the `possible_match` alert is resolved as "
        "`not_the_person` with a `review`, and this detainer is never suggested again for this booking. "
        "Rejecting again answers the alert as it is with `Idempotent-Replayed: true`; rejecting a confirmed "
        "possible match, or an alert that is not a possible match, answers 409."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def reject_alert(
    alert_id: AlertId,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    alerts: Annotated[AlertReader, Depends(get_alerts)],
    reviews: Annotated[AlertReviews, Depends(get_alert_reviews)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Alert:
    return await _review(alert_id, ReviewDecision.REJECTED, response, principal, alerts, reviews, audit)


async def _review(
    alert_id: str,
    decision: ReviewDecision,
    response: Response,
    principal: Principal,
    alerts: AlertReader,
    reviews: AlertReviews,
    audit: AuditTrail,
) -> Alert:
    await _visible_alert(alerts, alert_id, principal)
    try:
        alert, decided = await reviews.decide(alert_id, decision, by=principal.name)
    except AlertNotFoundError:
        raise _not_found(alert_id) from None
    except AlertNotReviewableError as refused:
        ALERT_REVIEWS.labels(decision=decision.value, outcome="conflict").inc()
        raise Problem("not-reviewable", f"{refused}; only a possible match is confirmed or rejected.") from None
    except AlertReviewConflictError as conflict:
        ALERT_REVIEWS.labels(decision=decision.value, outcome="conflict").inc()
        raise Problem(
            "review-conflict",
            f"{conflict} by {conflict.review.reviewed_by}.",
            extra={"review": conflict.review.model_dump(mode="json")},
        ) from None
    ALERT_REVIEWS.labels(decision=decision.value, outcome="applied" if decided else "replayed").inc()
    if decided:
        await audit.record(actor=principal.name, action=f"alert.{decision.value}", target=alert_id)
    else:
        response.headers[REPLAYED_HEADER] = "true"
    log.info(
        "possible match reviewed" if decided else "possible match review replayed",
        extra={"alert_id": alert_id, "decision": decision.value},
    )
    return alert
