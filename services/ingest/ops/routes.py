"""`/v1/ops`: what operators watch and do. Operators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field, TypeAdapter

from contracts import RedisNames, RosterReport
from contracts.feeds import DecidedHold, FeedHealth, FeedStatus, HoldDecision
from contracts.fields import Ori, Rfc3339Datetime
from ingest.auth import Principal, require_role
from ingest.body import read_body, validate_json_body
from ingest.dependencies import get_audit, get_detainers, get_policies, get_redis, get_settings
from ingest.openapi import DiscardDeadLetter, problem_responses, request_body_schema
from ingest.ops.audit_export import AuditFormat, export_lines, format_asked, media_type_of
from ingest.ops.replay_terms import lodged_detainer_ref, replay_refused_by_lift, replay_refused_by_policy
from ingest.problems import FieldError, Problem
from ingest.settings import IngestSettings
from ingest.stream_ids import StreamId
from policies.enforcement import PolicyEnforcement
from runtime import RedisClient
from runtime.clock import utc_now
from store.audit import AuditEntry, AuditFilter, AuditTrail
from store.dead_letters import (
    DeadLetterAlreadyHandledError,
    DeadLetterNotFoundError,
    DeadLetterOperations,
    DeadLetterView,
    DispositionState,
)
from store.detainers import DetainerStore
from store.feeds import FeedReader, HoldNotDecidableError
from store.queues import QueueReport, describe_queues
from store.roster_reports import RosterReports

__all__ = ["router"]

router = APIRouter(prefix="/v1/ops", tags=["operations"])


async def _roster_reports(request: Request) -> RosterReports:
    reports: RosterReports = request.app.state.roster_reports
    return reports


async def _dead_letters(request: Request) -> DeadLetterOperations:
    operations: DeadLetterOperations = request.app.state.dead_letters
    return operations


# The operators' page sends replays, discards and hold decisions with its sign-in cookie.
Operator = Annotated[Principal, require_role(browser=True)]


class DeadLetterPage(BaseModel):
    dead_letters: list[DeadLetterView]
    next_before: str | None = Field(description="Pass as `before` for the next (older) page.")


_discard_adapter: TypeAdapter[DiscardDeadLetter] = TypeAdapter(DiscardDeadLetter)


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next_before: str | None


def _not_found(entry_id: str) -> Problem:
    return Problem("not-found", f"No dead letter {entry_id!r}.")


def _already(error: DeadLetterAlreadyHandledError) -> Problem:
    disposition = error.disposition
    return Problem(
        "dead-letter-handled",
        f"This dead letter was already {disposition.state.value} by {disposition.by} at {disposition.at.isoformat()}.",
        extra={"disposition": disposition.model_dump(mode="json", exclude_none=True)},
    )


@router.get("/queues", response_model=QueueReport, summary="Streams, lag, pending, consumers, dead letters")
async def queues(
    _: Operator,
    redis: Annotated[RedisClient, Depends(get_redis)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
) -> QueueReport:
    return await describe_queues(redis, RedisNames(settings.key_prefix))


@router.get("/dead-letters", response_model=DeadLetterPage, summary="Dead letters, newest first")
async def list_dead_letters(
    _: Operator,
    operations: Annotated[DeadLetterOperations, Depends(_dead_letters)],
    open_only: Annotated[bool, Query(alias="open", description="Only those nobody replayed or discarded.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[StreamId | None, Query(description="`next_before` of the last page: older entries.")] = None,
) -> DeadLetterPage:
    page = await operations.newest(limit=limit, before=before, open_only=open_only)
    return DeadLetterPage(dead_letters=page, next_before=page[-1].id if len(page) == limit else None)


@router.get(
    "/dead-letters/{entry_id}",
    response_model=DeadLetterView,
    summary="One dead letter: the message, where from, why, and what was done",
    responses=problem_responses(404),
)
async def get_dead_letter(
    _: Operator,
    entry_id: Annotated[StreamId, Path(description="The dead letter's id in its stream.")],
    operations: Annotated[DeadLetterOperations, Depends(_dead_letters)],
) -> DeadLetterView:
    try:
        return await operations.get(entry_id)
    except DeadLetterNotFoundError:
        raise _not_found(entry_id) from None


@router.post(
    "/dead-letters/{entry_id}/replay",
    response_model=DeadLetterView,
    summary="Put the message back on its stream, once",
    description="`force=true` finishes a replay that was claimed but interrupted before the message was re-added.",
    responses=problem_responses(404, 409, 422),
)
async def replay_dead_letter(
    operator: Operator,
    entry_id: Annotated[StreamId, Path(description="The dead letter's id in its stream.")],
    operations: Annotated[DeadLetterOperations, Depends(_dead_letters)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
    policies: Annotated[PolicyEnforcement, Depends(get_policies)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    force: bool = False,
) -> DeadLetterView:
    try:
        letter = await operations.get(entry_id)
    except DeadLetterNotFoundError:
        raise _not_found(entry_id) from None
    custody = RedisNames(settings.key_prefix).custody_events
    refused = replay_refused_by_policy(letter.dead_letter, custody_stream=custody, policy_for=policies.policy_for)
    unhandled = letter.disposition is None or letter.disposition.state is DispositionState.REPLAYING
    if refused is not None and unhandled:  # (one replayed or discarded already is answered as such)
        raise Problem("dead-letter-policy-changed", refused)
    lodged = lodged_detainer_ref(letter.dead_letter, detainer_changes=RedisNames(settings.key_prefix).detainer_changes)
    if lodged is not None and unhandled:
        superseded = replay_refused_by_lift(lodged, (await detainers.records([lodged])).get(lodged))
        if superseded is not None:
            raise Problem("dead-letter-superseded", superseded)
    try:
        view = await operations.replay(entry_id, actor=operator.name, force=force)
    except DeadLetterNotFoundError:
        raise _not_found(entry_id) from None
    except DeadLetterAlreadyHandledError as error:
        raise _already(error) from None
    except ValueError as error:
        raise Problem("validation-error", str(error), errors=[FieldError("#", "not replayable")]) from None
    replayed_as = view.disposition.replayed_as if view.disposition else ""
    await audit.record(actor=operator.name, action="dead_letter.replayed", target=entry_id, detail=f"as {replayed_as}")
    return view


@router.post(
    "/dead-letters/{entry_id}/discard",
    response_model=DeadLetterView,
    summary="Record that the message will not be processed, and why",
    openapi_extra=request_body_schema("DiscardDeadLetter", ["application/json"]),
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def discard_dead_letter(
    operator: Operator,
    entry_id: Annotated[StreamId, Path(description="The dead letter's id in its stream.")],
    request: Request,
    operations: Annotated[DeadLetterOperations, Depends(_dead_letters)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
) -> DeadLetterView:
    discard = validate_json_body(_discard_adapter, await read_body(request, limit=settings.max_detainer_bytes))
    try:
        view = await operations.discard(entry_id, actor=operator.name, reason=discard.reason)
    except DeadLetterNotFoundError:
        raise _not_found(entry_id) from None
    except DeadLetterAlreadyHandledError as error:
        raise _already(error) from None
    await audit.record(actor=operator.name, action="dead_letter.discarded", target=entry_id, detail=discard.reason)
    return view


@router.get(
    "/rosters/{ori}",
    response_model=RosterReport,
    summary="What the facility's latest roster showed: releases inferred, booking numbers unknown",
    description=(
        "The report of the roster with the latest `as_of` the notifiers processed for the facility: how many "
        "bookings it listed, which bookings in custody by our state it omitted (released with "
        "`inferred_from_roster`), which listed booking numbers we hold no booking for, and which we believe "
        "left already. Each list holds the first 1,000, sorted; the counts are complete. 404 before any roster."
    ),
    responses=problem_responses(404),
)
async def roster_report(
    _: Operator,
    ori: Annotated[Ori, Path(description="The facility's ORI.")],
    roster_reports: Annotated[RosterReports, Depends(_roster_reports)],
) -> RosterReport:
    report = await roster_reports.latest(ori)
    if report is None:
        raise Problem("not-found", f"No roster of {ori} was processed yet.")
    return report


_EXPORTS = {
    "application/x-ndjson": {"schema": {"type": "string", "description": "One AuditEntry as JSON per line."}},
    "text/csv": {"schema": {"type": "string", "description": "A header line, then one entry per line."}},
}


@router.get(
    "/audit",
    response_model=AuditPage,
    summary="The audit trail: filtered, as JSON pages (newest first) or exported as NDJSON or CSV (oldest first)",
    description=(
        "Filter by `actor`, `action` (one action such as `dead_letter.replayed`, or its family: `dead_letter`), "
        "`target` (the id acted on) and a time range (`since` inclusive, `until` exclusive, RFC 3339 with an "
        "offset). JSON answers a page at a time, newest first (`limit`, then `before`=`next_before`). "
        "`format=ndjson` or `format=csv` (or `Accept: application/x-ndjson` / `text/csv`) streams every entry "
        "the filter admits, oldest first; `limit` and `before` do not apply. A CSV cell a spreadsheet would read "
        "as a formula starts with `'`."
    ),
    responses={200: {"content": _EXPORTS}, **problem_responses(422)},
)
async def audit_trail(
    _: Operator,
    request: Request,
    audit: Annotated[AuditTrail, Depends(get_audit)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[StreamId | None, Query(description="`next_before` of the last page: older entries.")] = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=200, description="Who acted (a key's name).")] = None,
    action: Annotated[
        str | None, Query(min_length=1, max_length=100, description="An action, or a family of actions.")
    ] = None,
    target: Annotated[str | None, Query(min_length=1, max_length=300, description="The id acted on.")] = None,
    since: Annotated[Rfc3339Datetime | None, Query(description="From this time on (inclusive).")] = None,
    until: Annotated[Rfc3339Datetime | None, Query(description="Before this time (exclusive).")] = None,
    export_format: Annotated[
        AuditFormat | None, Query(alias="format", description="`json` (pages), `ndjson` or `csv`.")
    ] = None,
) -> Response | AuditPage:
    if since is not None and until is not None and until <= since:
        raise Problem(
            "validation-error",
            "`until` must be later than `since`.",
            errors=[FieldError("#/query/until", "must be later than since")],
        )
    wanted = AuditFilter(actor=actor, action=action, target=target, since=since, until=until)
    export = format_asked(export_format, request.headers.get("accept"))
    if export is AuditFormat.JSON:
        entries, next_before = await audit.newest(limit=limit, before=before, wanted=wanted)
        return AuditPage(entries=entries, next_before=next_before)
    extension = "csv" if export is AuditFormat.CSV else "ndjson"
    return StreamingResponse(
        export_lines(audit, wanted, export),
        media_type=media_type_of(export),
        headers={"Content-Disposition": f'attachment; filename="releasewatch-audit.{extension}"'},
    )


_HELD_IDS_SHOWN = 1000
_decision_adapter: TypeAdapter[HoldDecision] = TypeAdapter(HoldDecision)


async def _feeds(request: Request) -> FeedReader:
    reader: FeedReader = request.app.state.feeds
    return reader


class FeedPage(BaseModel):
    feeds: list[FeedHealth]


class FeedView(FeedHealth):
    held_alert_ids: list[str] = Field(
        default_factory=list,
        description=f"The held alerts, oldest first (the first {_HELD_IDS_SHOWN:,}); read each at /v1/alerts/{{id}}.",
    )


@router.get(
    "/feeds",
    response_model=FeedPage,
    summary="Every facility's feed: when it last sent, its usual rate, alarms and holds",
    description=(
        "Each facility that ever sent an event or roster, as the notifier last judged it (every "
        "`RW_FEED_CHECK_SECONDS`): `surge` (far more releases than usual: its alerts are held until an operator "
        "decides), `silent` (nothing for longer than its usual rate allows), `new` (too little history for a "
        "usual rate) or `ok`. Alarms first."
    ),
)
async def list_feeds(
    _: Operator,
    feeds: Annotated[FeedReader, Depends(_feeds)],
    status: Annotated[FeedStatus | None, Query()] = None,
) -> FeedPage:
    return FeedPage(feeds=await feeds.all(status=status))


@router.get(
    "/feeds/{ori}",
    response_model=FeedView,
    summary="One facility's feed, with the alerts it holds",
    responses=problem_responses(404),
)
async def get_feed(
    _: Operator,
    ori: Annotated[Ori, Path(description="The facility's ORI.")],
    feeds: Annotated[FeedReader, Depends(_feeds)],
) -> FeedView:
    health = await feeds.get(ori)
    if health is None:
        raise Problem("not-found", f"No feed of {ori} was judged yet.")
    held = await feeds.held_alert_ids(ori, limit=_HELD_IDS_SHOWN)
    return FeedView(**health.model_dump(), held_alert_ids=held)


@router.post(
    "/feeds/{ori}/hold",
    response_model=FeedView,
    summary="Decide on a facility's held alerts: deliver them, or discard them as a data error",
    description=(
        "While a facility's alerts are held (a surge of releases), its alerts are raised and kept but reach no "
        "office. `deliver`: the releases are real; the held alerts go out, late, in the order raised, with "
        "their reminders. `discard`: a data error; they are kept for the record and never sent (those held when "
        "the decision is taken: an alert held after it is held anew, for a decision of its own). The notifier "
        "carries the decision out at its next check, and the hold ends. One decision per hold (409 after)."
    ),
    openapi_extra=request_body_schema("HoldDecision", ["application/json"]),
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def decide_hold(
    operator: Operator,
    ori: Annotated[Ori, Path(description="The facility's ORI.")],
    request: Request,
    feeds: Annotated[FeedReader, Depends(_feeds)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
) -> FeedView:
    decision = validate_json_body(_decision_adapter, await read_body(request, limit=settings.max_detainer_bytes))
    decided = DecidedHold(**decision.model_dump(), by=operator.name, at=utc_now())
    try:
        await feeds.decide_hold(ori, decided)
    except HoldNotDecidableError as error:
        if error.hold is None:
            raise Problem("no-hold", f"The alerts of {ori} are not held.") from None
        raise Problem(
            "no-hold",
            f"The hold on {ori} was decided already ({error.hold.decision.action if error.hold.decision else ''}).",
            extra={"hold": error.hold.model_dump(mode="json", exclude_none=True)},
        ) from None
    await audit.record(actor=operator.name, action=f"feed_hold.{decision.action}", target=ori, detail=decision.note)
    return await get_feed(operator, ori, feeds)
