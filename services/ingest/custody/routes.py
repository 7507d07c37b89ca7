"""`POST /v1/custody-events`, `POST /v1/custody-events:batch` and `POST /v1/facilities/{ori}/roster`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter

from contracts import CustodyEvent, RedisNames, Roster, RosterSubmitted, custody_event_adapter
from contracts.fields import Ori
from contracts.policies import JurisdictionPolicy, Withholding
from ingest.auth import Principal, Role, require_role
from ingest.body import read_batch, read_body, validate_json_body
from ingest.custody.feed_quality import IntakeTally
from ingest.dependencies import get_policy_intake, get_publisher, get_settings, redis_of
from ingest.intake import FieldWarning, read_person_record, warnings_of
from ingest.metrics import EVENTS_RECEIVED
from ingest.openapi import problem_responses, request_body_schema
from ingest.policies.intake import PolicyIntake, Taken, WithheldAnswer
from ingest.problems import FieldError, Problem, json_pointer
from ingest.settings import IngestSettings
from runtime.clock import utc_now
from store.custody_stream import BacklogFullError, CustodyEventPublisher, PublishOutcome, PublishStatus
from store.feed_days import FeedDays

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["custody events"])

REPLAYED_HEADER = "Idempotent-Replayed"


class EventAccepted(BaseModel):
    """The answer to an accepted event; a retry of the same event gets the same answer."""

    event_id: str
    status: Literal["accepted"] = "accepted"
    stream_id: str
    accepted_at: str
    warnings: list[FieldWarning] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Optional fields dropped because they could not be read (none: absent).",
    )


class EventWithheld(WithheldAnswer):
    """The answer to an event the facility's sharing policy withheld: nothing of it was published; ``withheld``
    names the rule and says why. A retry of the same event gets the same answer."""

    warnings: list[FieldWarning] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Optional fields dropped because they could not be read (none: absent).",
    )


class BatchItemResult(BaseModel):
    index: int
    event_id: str | None = None
    status: Literal["accepted", "duplicate", "withheld", "conflict", "invalid", "forbidden"]
    stream_id: str | None = None
    withheld: Withholding | None = Field(
        default=None, description="For a withheld event: the sharing policy's rule that withheld it, and why."
    )
    errors: list[dict[str, str]] | None = None
    warnings: list[FieldWarning] | None = None


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    withheld: int = Field(description="Events the facilities' sharing policies withheld (published: none of them).")
    rejected: int
    results: list[BatchItemResult]


def _tally(request: Request, principal: Principal, settings: IngestSettings) -> tuple[IntakeTally, FeedDays]:
    """What this request adds to its facilities' refused and late events, and where it is counted."""
    days = FeedDays(redis_of(request), RedisNames(settings.key_prefix))
    late_after = timedelta(hours=settings.late_event_hours)
    return IntakeTally(principal, now=utc_now(), late_after=late_after), days


def _accepted_body(outcome: PublishOutcome, warnings: list[FieldError]) -> EventAccepted:
    return EventAccepted(
        event_id=outcome.event_id,
        stream_id=outcome.stream_id,
        accepted_at=outcome.accepted_at,
        warnings=warnings_of(warnings),
    )


def _conflict(event_id: str, *, pointer: str = "#/event_id") -> Problem:
    return Problem(
        "event-id-conflict",
        f"event_id {event_id!r} was already accepted for this facility with a different body.",
        errors=[FieldError(pointer, "already used for a different event")],
    )


@router.post(
    "/custody-events",
    status_code=202,
    response_model=EventAccepted | EventWithheld,
    summary="Submit one custody event",
    description=(
        "Answers 202 once the event is in the custody stream. Sending the same event again (same `event_id`, "
        "same body) answers the original result with `Idempotent-Replayed: true` and publishes nothing; "
        "a different body under a used `event_id` answers 409. An event the facility's sharing policy does "
        "not allow is answered 202 with `status: withheld` and `withheld` (the rule and why), and never "
        "published; fields of the person the policy does not share are removed before publishing."
    ),
    openapi_extra=request_body_schema("CustodyEvent", ["application/json"]),
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def submit_custody_event(
    request: Request,
    response: Response,
    principal: Annotated[Principal, require_role(Role.SOURCE)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    publisher: Annotated[CustodyEventPublisher, Depends(get_publisher)],
    policy_intake: Annotated[PolicyIntake, Depends(get_policy_intake)],
) -> EventAccepted | EventWithheld:
    body = await read_body(request, limit=settings.max_event_bytes)
    tally, days = _tally(request, principal, settings)
    try:
        reading = read_person_record(custody_event_adapter, body, tagged_union=True)
        settings.time_window.refuse_implausible(reading.value, now=utc_now())
    except Problem:
        EVENTS_RECEIVED.labels(type="unknown", outcome="invalid").inc()
        tally.refused(body)
        await tally.keep(days)
        raise
    event = reading.value
    if not principal.may_submit_for(event.facility_ori):
        EVENTS_RECEIVED.labels(type=event.type, outcome="forbidden").inc()
        raise Problem(
            "forbidden",
            "This API key may not submit events for that facility.",
            errors=[FieldError("#/facility_ori", "is not a facility this key submits for")],
        )
    policy = policy_intake.policy_for(event)
    if policy is not None:
        try:
            taken = await policy_intake.take(policy, event)
        except BacklogFullError as full:
            EVENTS_RECEIVED.labels(type=event.type, outcome="backlog_full").inc()
            raise _behind(full, settings) from None
        if taken.outcome is not None and taken.outcome.status is PublishStatus.ACCEPTED:
            tally.accepted(event)
            await tally.keep(days)
        return _answer_taken(event, taken, response, reading.warnings())
    try:
        (outcome,) = await publisher.publish([event])
    except BacklogFullError as full:
        EVENTS_RECEIVED.labels(type=event.type, outcome="backlog_full").inc()
        raise _behind(full, settings) from None
    EVENTS_RECEIVED.labels(type=event.type, outcome=outcome.status.value).inc()
    if outcome.status is PublishStatus.CONFLICT:
        log.info("event refused: event_id reused", extra={"event_id": event.event_id})
        raise _conflict(event.event_id)
    if outcome.status is PublishStatus.DUPLICATE:
        response.headers[REPLAYED_HEADER] = "true"
    else:
        tally.accepted(event)
        await tally.keep(days)
    log.info(
        "event %s",
        outcome.status.value,
        extra={"event_id": event.event_id, "event_type": event.type, "stream_id": outcome.stream_id},
    )
    return _accepted_body(outcome, reading.warnings())


def _answer_taken(
    event: CustodyEvent, taken: Taken, response: Response, warnings: list[FieldError]
) -> EventAccepted | EventWithheld:
    """The answer to an event taken under a sharing policy."""
    EVENTS_RECEIVED.labels(type=event.type, outcome=taken.status).inc()
    if taken.conflict:
        log.info("event refused: event_id reused", extra={"event_id": event.event_id})
        raise _conflict(event.event_id)
    if taken.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    if taken.answer is not None:
        return EventWithheld(**dict(taken.answer), warnings=warnings_of(warnings))
    assert taken.outcome is not None
    log.info(
        "event %s",
        taken.outcome.status.value,
        extra={"event_id": event.event_id, "event_type": event.type, "stream_id": taken.outcome.stream_id},
    )
    return _accepted_body(taken.outcome, warnings)


def _behind(full: BacklogFullError, settings: IngestSettings) -> Problem:
    """503: the notifiers are too far behind (checked after validation, so a bad body still hears why)."""
    accepted = f" {full.published} of the batch's events were accepted before it filled." if full.published else ""
    return Problem(
        "backlog-full",
        f"{full.waiting} events are waiting to be processed (limit {full.limit}).{accepted}",
        headers={"Retry-After": str(settings.retry_after_seconds)},
    )


@router.post(
    "/custody-events:batch",
    status_code=202,
    response_model=BatchResult,
    summary="Submit up to 10,000 custody events",
    description=(
        "The body is a JSON array of events, or NDJSON (`application/x-ndjson`, one event per line). "
        "Valid events are accepted and invalid ones reported by index (for NDJSON, the 0-based line number), "
        "with pointers into the item. An event the facility's sharing policy does not allow is `withheld` "
        "(with the rule and why) and never published. Answers 202 when at least one event was accepted, "
        "replayed or withheld, 422 problem+json (listing every item's errors) when none was."
    ),
    openapi_extra=request_body_schema("CustodyEvent", ["application/json", "application/x-ndjson"], array=True),
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def submit_custody_event_batch(
    request: Request,
    principal: Annotated[Principal, require_role(Role.SOURCE)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    publisher: Annotated[CustodyEventPublisher, Depends(get_publisher)],
    policy_intake: Annotated[PolicyIntake, Depends(get_policy_intake)],
) -> JSONResponse:
    items = await read_batch(
        request,
        limit_bytes=settings.max_batch_bytes,
        limit_items=settings.max_batch_events,
        limit_item_bytes=settings.max_event_bytes,
        what="events",
    )

    now, window = utc_now(), settings.time_window
    tally, days = _tally(request, principal, settings)
    results: dict[int, BatchItemResult] = {}
    valid: list[tuple[int, CustodyEvent]] = []
    policed: list[tuple[int, CustodyEvent, JurisdictionPolicy]] = []  # under a sharing policy: decided per booking
    warnings: dict[int, list[FieldError]] = {}
    for item in items:
        try:
            if item.refusal is not None:
                raise item.refusal
            reading = read_person_record(
                custody_event_adapter,
                item.raw,
                tagged_union=True,
                what=f"Item {item.index}",
                prefix=(item.index,),
                document=item.document,
            )
            window.refuse_implausible(reading.value, now=now, prefix=(item.index,))
        except Problem as refused:
            errors = refused.errors or (FieldError(json_pointer([item.index]), refused.detail),)
            results[item.index] = BatchItemResult(
                index=item.index, status="invalid", errors=[e.as_json() for e in errors]
            )
            EVENTS_RECEIVED.labels(type="unknown", outcome="invalid").inc()
            tally.refused(item.raw)
            continue
        event = reading.value
        warnings[item.index] = reading.warnings(prefix=(item.index,))
        if not principal.may_submit_for(event.facility_ori):
            refusal = FieldError(json_pointer([item.index, "facility_ori"]), "is not a facility this key submits for")
            results[item.index] = BatchItemResult(
                index=item.index, event_id=event.event_id, status="forbidden", errors=[refusal.as_json()]
            )
            EVENTS_RECEIVED.labels(type=event.type, outcome="forbidden").inc()
            continue
        policy = policy_intake.policy_for(event)
        if policy is not None:
            policed.append((item.index, event, policy))
        else:
            valid.append((item.index, event))

    try:
        outcomes = await publisher.publish([event for _, event in valid], bulk=True)
    except BacklogFullError as full:
        for _, unpublished in valid[full.published :]:
            EVENTS_RECEIVED.labels(type=unpublished.type, outcome="backlog_full").inc()
        await tally.keep(days)
        raise _behind(full, settings) from None
    await _take_policed(policy_intake, policed, results, warnings, settings, tally=tally, published=len(valid))
    for (index, event), outcome in zip(valid, outcomes, strict=True):
        EVENTS_RECEIVED.labels(type=event.type, outcome=outcome.status.value).inc()
        if outcome.status is PublishStatus.ACCEPTED:
            tally.accepted(event)
        conflict_errors = (
            [FieldError(json_pointer([index, "event_id"]), "already used for a different event").as_json()]
            if outcome.status is PublishStatus.CONFLICT
            else None
        )
        results[index] = BatchItemResult(
            index=index,
            event_id=event.event_id,
            status=outcome.status.value,
            stream_id=None if conflict_errors else outcome.stream_id,
            errors=conflict_errors,
            warnings=None if conflict_errors else warnings_of(warnings[index]),
        )

    await tally.keep(days)
    ordered = [results[item.index] for item in items]
    accepted = sum(1 for r in ordered if r.status == "accepted")
    duplicates = sum(1 for r in ordered if r.status == "duplicate")
    withheld = sum(1 for r in ordered if r.status == "withheld")
    rejected = len(ordered) - accepted - duplicates - withheld
    log.info(
        "batch received",
        extra={
            "events": len(ordered),
            "accepted": accepted,
            "duplicates": duplicates,
            "withheld": withheld,
            "rejected": rejected,
        },
    )
    if accepted + duplicates + withheld == 0:
        statuses = {r.status for r in ordered}
        slug = {"conflict": "event-id-conflict", "forbidden": "forbidden"}.get(next(iter(statuses)), "validation-error")
        raise Problem(
            slug if len(statuses) == 1 else "validation-error",
            f"None of the {len(ordered)} events was accepted.",
            errors=[FieldError(e["pointer"], e["detail"]) for r in ordered for e in (r.errors or [])],
            extra={"results": [r.model_dump(exclude_none=True) for r in ordered]},
        )
    result = BatchResult(
        accepted=accepted, duplicates=duplicates, withheld=withheld, rejected=rejected, results=ordered
    )
    return JSONResponse(result.model_dump(mode="json", exclude_none=True), status_code=202)


async def _take_policed(
    policy_intake: PolicyIntake,
    policed: list[tuple[int, CustodyEvent, JurisdictionPolicy]],
    results: dict[int, BatchItemResult],
    warnings: dict[int, list[FieldError]],
    settings: IngestSettings,
    *,
    tally: IntakeTally,
    published: int,
) -> None:
    """The batch's events of facilities a sharing policy covers, each published or withheld (those of one
    booking in turn, the bookings side by side)."""
    outcomes = await policy_intake.take_many([(policy, event) for _, event, policy in policed], bulk=True)
    stopped = next((outcome for outcome in outcomes if isinstance(outcome, BacklogFullError)), None)
    if stopped is not None:
        done = sum(1 for outcome in outcomes if isinstance(outcome, Taken))
        for (_, sent, _), outcome in zip(policed, outcomes, strict=True):
            status = outcome.status if isinstance(outcome, Taken) else "backlog_full"
            EVENTS_RECEIVED.labels(type=sent.type, outcome=status).inc()
        raise _behind(BacklogFullError(stopped.waiting, stopped.limit, published + done), settings) from None
    for (index, event, _), taken in zip(policed, outcomes, strict=True):
        assert isinstance(taken, Taken)
        EVENTS_RECEIVED.labels(type=event.type, outcome=taken.status).inc()
        item_warnings = warnings_of(warnings[index])
        if taken.conflict:
            conflict = FieldError(json_pointer([index, "event_id"]), "already used for a different event")
            results[index] = BatchItemResult(
                index=index, event_id=event.event_id, status="conflict", errors=[conflict.as_json()]
            )
        elif taken.answer is not None:
            results[index] = BatchItemResult(
                index=index,
                event_id=event.event_id,
                status="withheld",
                withheld=taken.answer.withheld,
                warnings=item_warnings,
            )
        else:
            assert taken.outcome is not None
            if taken.outcome.status is PublishStatus.ACCEPTED:
                tally.accepted(event)
            results[index] = BatchItemResult(
                index=index,
                event_id=event.event_id,
                status=taken.outcome.status.value,
                stream_id=taken.outcome.stream_id,
                warnings=item_warnings,
            )


class RosterAccepted(BaseModel):
    """The answer to an accepted roster; a retry of the same roster gets the same answer."""

    roster_id: str
    facility_ori: str
    status: Literal["accepted"] = "accepted"
    listed: int
    stream_id: str
    accepted_at: str


_roster_adapter: TypeAdapter[Roster] = TypeAdapter(Roster)


@router.post(
    "/facilities/{ori}/roster",
    status_code=202,
    response_model=RosterAccepted,
    summary="Submit a facility's full roster",
    description=(
        "The booking numbers of everyone in custody at the facility at `as_of` (1 to 50,000). A booking we "
        "believe is in custody there, booked before `as_of` and missing from the roster, is released with "
        "`release_reason: inferred_from_roster`, raising the alerts a reported release would, once; booking "
        "numbers we do not know are reported to operators (`GET /v1/ops/rosters/{ori}`). Answers 202 once the "
        "roster is in the custody stream. The same roster again (same `roster_id`, same body) answers the "
        "original result with `Idempotent-Replayed: true` and publishes nothing; a different body under a used "
        "`roster_id` answers 409."
    ),
    openapi_extra=request_body_schema("Roster", ["application/json"]),
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def submit_roster(
    ori: Annotated[Ori, Path(description="The facility's ORI.")],
    request: Request,
    response: Response,
    principal: Annotated[Principal, require_role(Role.SOURCE)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    publisher: Annotated[CustodyEventPublisher, Depends(get_publisher)],
    policy_intake: Annotated[PolicyIntake, Depends(get_policy_intake)],
) -> RosterAccepted:
    if not principal.may_submit_for(ori):
        EVENTS_RECEIVED.labels(type="roster", outcome="forbidden").inc()
        raise Problem(
            "forbidden",
            "This API key may not submit rosters for that facility.",
            errors=[FieldError("#/path/ori", "is not a facility this key submits for")],
        )
    body = await read_body(request, limit=settings.max_roster_bytes)
    try:
        roster = validate_json_body(_roster_adapter, body)
        settings.time_window.refuse_implausible(roster, now=utc_now())
    except Problem:
        EVENTS_RECEIVED.labels(type="roster", outcome="invalid").inc()
        raise
    submitted = await policy_intake.with_policy(RosterSubmitted(facility_ori=ori, **dict(roster)))
    try:
        outcome = await publisher.publish_roster(submitted)
    except BacklogFullError as full:
        EVENTS_RECEIVED.labels(type="roster", outcome="backlog_full").inc()
        raise _behind(full, settings) from None
    EVENTS_RECEIVED.labels(type="roster", outcome=outcome.status.value).inc()
    if outcome.status is PublishStatus.CONFLICT:
        log.info("roster refused: roster_id reused", extra={"roster_id": roster.roster_id})
        raise Problem(
            "roster-id-conflict",
            f"roster_id {roster.roster_id!r} was already accepted for {ori} with a different body.",
            errors=[FieldError("#/roster_id", "already used for a different roster")],
        )
    if outcome.status is PublishStatus.DUPLICATE:
        response.headers[REPLAYED_HEADER] = "true"
    log.info(
        "roster %s",
        outcome.status.value,
        extra={"roster_id": roster.roster_id, "facility_ori": ori, "stream_id": outcome.stream_id},
    )
    return RosterAccepted(
        roster_id=roster.roster_id,
        facility_ori=ori,
        listed=len(set(roster.booking_numbers)),
        stream_id=outcome.stream_id,
        accepted_at=outcome.accepted_at,
    )
