"""`/v1/alerts`: what field offices read, their reviews of possible matches, and acknowledging and
resolving alerts."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, TypeAdapter

from contracts import Alert, AlertOutcome, AlertStatus, ReleaseStatus, ResolveAlert, ReviewDecision
from contracts.fields import FieldOffice
from ingest.alerts.actions import AlertLifecycle, AlertReviews
from ingest.alerts.states import (
    AlertLifecycleConflictError,
    AlertNotFoundError,
    AlertNotReviewableError,
    AlertReviewConflictError,
)
from ingest.auth import Principal, Role, office_to_list, require_role
from ingest.body import read_body, validate_json_body
from ingest.dependencies import get_alert_lifecycle, get_alert_reviews, get_alerts, get_audit
from ingest.listing import Paging, cursor_after, paging, position_of
from ingest.metrics import ALERT_LIFECYCLE, ALERT_REVIEWS
from ingest.openapi import problem_responses, request_body_schema
from ingest.problems import FieldError, Problem
from ingest.stories.repository import StoryReader
from ingest.stories.routes import StoryPage, get_stories
from store.alerts import AlertStore
from store.audit import AuditTrail

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

REPLAYED_HEADER = "Idempotent-Replayed"

_MAX_RESOLVE_BYTES = 16 * 1024  # an outcome and a note of up to 1,000 characters

_resolve_adapter: TypeAdapter[ResolveAlert] = TypeAdapter(ResolveAlert)

AlertId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class AlertPage(BaseModel):
    alerts: list[Alert]
    next_cursor: str | None


def _not_found(alert_id: str) -> Problem:
    return Problem("not-found", f"No alert {alert_id!r}.")


async def _visible_alert(alerts: AlertStore, alert_id: str, principal: Principal) -> Alert:
    """The alert, if this caller may see it; another office's answers 404, as if it did not exist."""
    alert = await alerts.get(alert_id)
    scope = principal.office_scope()
    if alert is None or (scope is not None and alert.field_office != scope):
        raise _not_found(alert_id)
    return alert


@router.get(
    "",
    response_model=AlertPage | StoryPage,
    summary="List alerts, newest first (or grouped by story)",
    description=(
        "Every alert, newest first, each with its `story_id`; narrowed by `status`, or by `release_status` "
        "(release schedules whose release time stands so: `scheduled` lists the countdowns). With "
        "`group=story`, the same alerts read as one story per detainer's subject, as `GET /v1/stories` lists "
        "them (several alerts on one person at once "
        "are one entry, headed by the alert to act on first)."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_alerts(
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    paging: Annotated[Paging, Depends(paging)],
    alerts: Annotated[AlertStore, Depends(get_alerts)],
    stories: Annotated[StoryReader, Depends(get_stories)],
    field_office: Annotated[FieldOffice | None, Query(description="Field office keys see their own only.")] = None,
    status: Annotated[AlertStatus | None, Query()] = None,
    release_status: Annotated[
        ReleaseStatus | None,
        Query(description="Release schedules whose release time stands so (`scheduled`: the countdowns)."),
    ] = None,
    group: Annotated[Literal["story"] | None, Query(description="`story`: one entry per story.")] = None,
) -> AlertPage | StoryPage:
    office = office_to_list(principal, field_office)
    if status is not None and release_status is not None:
        raise Problem(
            "validation-error",
            "Filter by status or by release status, not both: a release schedule leaving `scheduled` is resolved.",
            errors=[FieldError("#/query/release_status", "cannot be combined with status")],
        )
    if group == "story":
        for name, value in (("status", status), ("release_status", release_status)):
            if value is not None:
                raise Problem(
                    "validation-error",
                    "Stories are not filtered by status: each tells how many of its alerts are open.",
                    errors=[FieldError(f"#/{name}", "cannot be combined with group=story")],
                )
        grouped, next_story = await stories.page(field_office=office, limit=paging.limit, cursor=paging.cursor)
        return StoryPage(stories=grouped, next_cursor=next_story)
    page, listed = await alerts.page(
        field_office=office,
        status=status,
        release_status=release_status,
        limit=paging.limit,
        after=position_of(paging.cursor),
    )
    return AlertPage(alerts=page, next_cursor=cursor_after(listed))


@router.get(
    "/{alert_id}",
    response_model=Alert,
    summary="Read one alert",
    responses=problem_responses(401, 403, 404),
)
async def get_alert(
    alert_id: AlertId,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    alerts: Annotated[AlertStore, Depends(get_alerts)],
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
        "with `Idempotent-Replayed: true`; confirming a rejected possible match, one releasewatch closed unreviewed "
        "(the facility corrected the person booked to someone else, the detainer was lifted), or an alert that is "
        "not a possible match, answers 409. The office page confirms with its sign-in cookie and "
        "`X-Requested-With: releasewatch`."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def confirm_alert(
    alert_id: AlertId,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE, browser=True)],
    alerts: Annotated[AlertStore, Depends(get_alerts)],
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
        "possible match, one releasewatch closed unreviewed, or an alert that is not a possible match, answers "
        "409. The office page rejects with its sign-in cookie and `X-Requested-With: releasewatch`."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def reject_alert(
    alert_id: AlertId,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE, browser=True)],
    alerts: Annotated[AlertStore, Depends(get_alerts)],
    reviews: Annotated[AlertReviews, Depends(get_alert_reviews)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Alert:
    return await _review(alert_id, ReviewDecision.REJECTED, response, principal, alerts, reviews, audit)


async def _review(
    alert_id: str,
    decision: ReviewDecision,
    response: Response,
    principal: Principal,
    alerts: AlertStore,
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
    except AlertLifecycleConflictError as conflict:  # closed by releasewatch unreviewed
        ALERT_REVIEWS.labels(decision=decision.value, outcome="conflict").inc()
        raise Problem(
            "alert-lifecycle-conflict", f"{conflict}.", extra={"alert": conflict.current.model_dump(mode="json")}
        ) from None
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


@router.post(
    "/{alert_id}/ack",
    response_model=Alert,
    summary="Acknowledge an alert",
    description=(
        "Someone at the field office has seen the alert: it becomes `acknowledged`, with who and when, and the "
        "step joins its `timeline`. Acknowledging again answers the alert as it is with "
        "`Idempotent-Replayed: true`; acknowledging a resolved alert answers 409. The office page acknowledges "
        "with its sign-in cookie and `X-Requested-With: releasewatch` instead of the header."
    ),
    responses=problem_responses(401, 403, 404, 409),
)
async def acknowledge_alert(
    alert_id: AlertId,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE, browser=True)],
    alerts: Annotated[AlertStore, Depends(get_alerts)],
    lifecycle: Annotated[AlertLifecycle, Depends(get_alert_lifecycle)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Alert:
    await _visible_alert(alerts, alert_id, principal)
    try:
        alert, changed = await lifecycle.acknowledge(alert_id, by=principal.name)
    except AlertNotFoundError:
        raise _not_found(alert_id) from None
    except AlertLifecycleConflictError as conflict:
        raise _lifecycle_conflict("acknowledged", conflict) from None
    return await _stepped(alert, "acknowledged", changed, response, principal, audit)


@router.post(
    "/{alert_id}/resolve",
    response_model=Alert,
    summary="Resolve an alert",
    description=(
        "The case is closed with an `outcome` (`custody_assumed`, `released`, `detainer_lifted`, "
        "`not_the_person`) and an optional `note`: the alert becomes `resolved`, with who and when, and the step "
        "joins its `timeline`. An open alert may be resolved directly. Resolving again with the same outcome "
        "answers the alert as it is with `Idempotent-Replayed: true`; with another outcome, 409 (as for an alert "
        "releasewatch closed because its release time stopped standing: `release_superseded`). The office page "
        "resolves with its sign-in cookie and `X-Requested-With: releasewatch`."
    ),
    openapi_extra=request_body_schema("ResolveAlert", ["application/json"]),
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422),
)
async def resolve_alert(
    alert_id: AlertId,
    request: Request,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE, browser=True)],
    alerts: Annotated[AlertStore, Depends(get_alerts)],
    lifecycle: Annotated[AlertLifecycle, Depends(get_alert_lifecycle)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Alert:
    body = await read_body(request, limit=_MAX_RESOLVE_BYTES)
    resolution = validate_json_body(_resolve_adapter, body)
    await _visible_alert(alerts, alert_id, principal)
    try:
        alert, changed = await lifecycle.resolve(
            alert_id, AlertOutcome(resolution.outcome.value), resolution.note, by=principal.name
        )
    except AlertNotFoundError:
        raise _not_found(alert_id) from None
    except AlertLifecycleConflictError as conflict:
        raise _lifecycle_conflict("resolved", conflict) from None
    return await _stepped(alert, "resolved", changed, response, principal, audit)


def _lifecycle_conflict(step: str, conflict: AlertLifecycleConflictError) -> Problem:
    ALERT_LIFECYCLE.labels(step=step, outcome="conflict").inc()
    errors = [] if conflict.pointer is None else [FieldError(conflict.pointer, str(conflict))]
    return Problem(
        "alert-lifecycle-conflict",
        f"{conflict}.",
        errors=errors,
        extra={"alert": conflict.current.model_dump(mode="json")},
    )


async def _stepped(
    alert: Alert, step: str, changed: bool, response: Response, principal: Principal, audit: AuditTrail
) -> Alert:
    ALERT_LIFECYCLE.labels(step=step, outcome="applied" if changed else "replayed").inc()
    if changed:
        await audit.record(actor=principal.name, action=f"alert.{step}", target=alert.alert_id)
    else:
        response.headers[REPLAYED_HEADER] = "true"
    log.info(
        f"alert {step}" if changed else f"alert {step} replayed",
        extra={"alert_id": alert.alert_id, "status": alert.status.value},
    )
    return alert
