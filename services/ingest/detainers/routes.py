"""`/v1/detainers`: lodge (one, or up to 10,000 in a batch), read, list and lift."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter
from pydantic_core import to_json

from contracts import Detainer, DetainerStatus, LiftDetainer, LodgeDetainer
from contracts.fields import DetainerId, FieldOffice
from ingest.auth import Principal, Role, forbid_other_office, office_to_list, require_role
from ingest.body import read_batch, read_body, validate_json_body
from ingest.dependencies import get_audit, get_detainers, get_settings
from ingest.intake import FieldWarning, read_person_record, warnings_of
from ingest.listing import Paging, cursor_after, paging, position_of
from ingest.metrics import DETAINER_CHANGES
from ingest.openapi import problem_responses, request_body_schema
from ingest.problems import FieldError, Problem, json_pointer
from ingest.settings import IngestSettings
from runtime.clock import utc_now
from store.audit import AuditTrail
from store.detainers import DetainerConflictError, DetainerNotFoundError, DetainerStore, LodgeStatus

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/detainers", tags=["detainers"])

REPLAYED_HEADER = "Idempotent-Replayed"

_lodge_adapter: TypeAdapter[LodgeDetainer] = TypeAdapter(LodgeDetainer)
_lift_adapter: TypeAdapter[LiftDetainer] = TypeAdapter(LiftDetainer)


class LodgedDetainer(Detainer):
    """The detainer as lodged, with the optional fields dropped because they could not be read."""

    warnings: list[FieldWarning] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Optional fields dropped because they could not be read (none: absent).",
    )


class DetainerPage(BaseModel):
    detainers: list[Detainer]
    next_cursor: str | None


def _not_found(detainer_id: str) -> Problem:
    return Problem("not-found", f"No detainer {detainer_id!r}.")


@router.post(
    "",
    status_code=201,
    response_model=LodgedDetainer,
    summary="Lodge a detainer",
    description=(
        "Lodges the detainer and, if its subject is in custody now, raises an `in_custody` alert "
        "(and `release_scheduled` when a release time is known). Lodging the same detainer again answers "
        "the record as it is with `Idempotent-Replayed: true`; a different body under the office's used "
        "`detainer_id`, or any body under the id of a detainer it lifted, answers 409. Ids are the office's "
        "own: another office's detainer of the same id is another detainer."
    ),
    openapi_extra=request_body_schema("LodgeDetainer", ["application/json"]),
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def lodge_detainer(
    request: Request,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> LodgedDetainer:
    body = await read_body(request, limit=settings.max_detainer_bytes)
    reading = read_person_record(_lodge_adapter, body)
    lodge = reading.value
    settings.time_window.refuse_implausible(lodge, now=utc_now())
    forbid_other_office(principal, lodge.field_office, pointer="#/field_office")
    try:
        detainer, created = await detainers.lodge(lodge)
    except DetainerConflictError as conflict:
        DETAINER_CHANGES.labels(change="lodged", outcome="conflict").inc()
        raise Problem(
            "detainer-conflict",
            str(conflict),
            errors=[FieldError("#/detainer_id", _conflict_detail(conflict.current))],
        ) from None
    DETAINER_CHANGES.labels(change="lodged", outcome="applied" if created else "replayed").inc()
    if created:
        await audit.record(
            actor=principal.name, action="detainer.lodged", target=f"{detainer.field_office}/{detainer.detainer_id}"
        )
    else:
        response.headers[REPLAYED_HEADER] = "true"
    response.headers["Location"] = f"/v1/detainers/{detainer.detainer_id}?field_office={detainer.field_office}"
    log.info(
        "detainer lodged" if created else "detainer lodge replayed",
        extra={"detainer_id": detainer.detainer_id, "field_office": detainer.field_office},
    )
    return LodgedDetainer(**dict(detainer), warnings=warnings_of(reading.warnings()))


class ItemError(BaseModel):
    """Why a batch item was refused: a JSON pointer into the batch, and the reason."""

    pointer: str = Field(examples=["#/3/person/date_of_birth"])
    detail: str


class DetainerBatchItem(BaseModel):
    """What became of one item of a batch: its detainer lodged now (``created``), lodged before with this
    very body (``unchanged``), refused because the office lodged another body under its id (``conflict``),
    unreadable (``invalid``) or another office's (``forbidden``); ``errors`` point into the batch."""

    index: int = Field(description="The item's place in the array (for NDJSON, its 0-based line number).")
    detainer_id: str | None = None
    status: Literal["created", "unchanged", "conflict", "invalid", "forbidden"]
    errors: list[ItemError] | None = Field(default=None, description="Why it was refused.")
    warnings: list[FieldWarning] | None = Field(
        default=None, description="Optional fields dropped because they could not be read."
    )


class DetainerBatchResult(BaseModel):
    created: int
    unchanged: int
    rejected: int
    results: list[DetainerBatchItem]


_CONFLICT_DETAIL = "already lodged with a different body"
_LIFTED_DETAIL = "lifted: a detainer lodged anew needs a new detainer_id"


def _conflict_detail(current: Detainer) -> str:
    """Why a lodge under a used detainer_id is refused: the office lodged another body under it, or lifted it."""
    return _LIFTED_DETAIL if current.status is DetainerStatus.LIFTED else _CONFLICT_DETAIL


@router.post(
    ":batch",
    response_model=DetainerBatchResult,
    response_model_exclude_none=True,
    summary="Lodge up to 10,000 detainers",
    description=(
        "The body is a JSON array of detainers, or NDJSON (`application/x-ndjson`, one per line). Each item is "
        "lodged as `POST /v1/detainers` would lodge it, and answered by index (for NDJSON, the 0-based line "
        "number): `created`, `unchanged` (the office lodged this very detainer before; nothing is written "
        "again), `conflict` (another body under the office's used `detainer_id`, or a detainer it lifted), "
        "`invalid` or `forbidden` "
        "(another office's, for a field office key), with pointers into the batch. Sending the batch again is "
        "safe. Answers 200 when at least one item was created or unchanged, problem+json listing every item's "
        "errors when none was."
    ),
    openapi_extra=request_body_schema("LodgeDetainer", ["application/json", "application/x-ndjson"], array=True),
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def lodge_detainer_batch(
    request: Request,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Response:
    items = await read_batch(
        request,
        limit_bytes=settings.max_batch_bytes,
        limit_items=settings.max_batch_events,
        limit_item_bytes=settings.max_detainer_bytes,
        what="detainers",
    )

    now, window, scope = utc_now(), settings.time_window, principal.office_scope()
    results: dict[int, _Item] = {}
    valid: list[tuple[int, LodgeDetainer, list[FieldError]]] = []
    counted: Counter[str] = Counter()  # lodges by outcome, added to the metric once per outcome
    for item in items:
        try:
            if item.refusal is not None:
                raise item.refusal
            reading = read_person_record(
                _lodge_adapter, item.raw, what=f"Item {item.index}", prefix=(item.index,), document=item.document
            )
            window.refuse_implausible(reading.value, now=now, prefix=(item.index,))
        except Problem as refused:
            errors = refused.errors or (FieldError(json_pointer([item.index]), refused.detail),)
            results[item.index] = _item(item.index, None, "invalid", errors=errors)
            counted["invalid"] += 1
            continue
        lodge = reading.value
        if scope is not None and lodge.field_office != scope:
            refusal = FieldError(json_pointer([item.index, "field_office"]), f"must be {scope} for this key")
            results[item.index] = _item(item.index, lodge.detainer_id, "forbidden", errors=[refusal])
            counted["forbidden"] += 1
            continue
        valid.append((item.index, lodge, reading.warnings(prefix=(item.index,))))

    _count_lodges(counted)
    outcomes = await detainers.lodge_many([lodge for _, lodge, _ in valid])
    for (index, lodge, warnings), outcome in zip(valid, outcomes, strict=True):
        counted[_OUTCOME_LABELS[outcome.status]] += 1
        if outcome.status is LodgeStatus.CONFLICT:
            conflict = FieldError(json_pointer([index, "detainer_id"]), _conflict_detail(outcome.detainer))
            results[index] = _item(index, lodge.detainer_id, "conflict", errors=[conflict])
        else:
            results[index] = _item(index, lodge.detainer_id, outcome.status.value, warnings=warnings)

    _count_lodges(counted)
    ordered = [results[item.index] for item in items]
    created = sum(1 for r in ordered if r["status"] == "created")
    unchanged = sum(1 for r in ordered if r["status"] == "unchanged")
    rejected = len(ordered) - created - unchanged
    if created:
        offices = sorted(
            {
                lodge.field_office
                for (_, lodge, _), o in zip(valid, outcomes, strict=True)
                if o.status is LodgeStatus.CREATED
            }
        )
        await audit.record(
            actor=principal.name,
            action="detainers.lodged",
            target=",".join(offices),
            detail=f"batch of {len(ordered)}: {created} created, {unchanged} unchanged, {rejected} rejected",
        )
    log.info(
        "detainer batch lodged",
        extra={"detainers": len(ordered), "lodged": created, "unchanged": unchanged, "rejected": rejected},
    )
    if created + unchanged == 0:
        statuses = {r["status"] for r in ordered}
        slug = {"conflict": "detainer-conflict", "forbidden": "forbidden"}.get(next(iter(statuses)), "validation-error")
        raise Problem(
            slug if len(statuses) == 1 else "validation-error",
            f"None of the {len(ordered)} detainers was lodged.",
            errors=[FieldError(e["pointer"], e["detail"]) for r in ordered for e in r.get("errors", ())],
            extra={"results": ordered},
        )
    answer = {"created": created, "unchanged": unchanged, "rejected": rejected, "results": ordered}
    # pydantic's encoder writes what JSONResponse's json.dumps would (compact, UTF-8, nothing but numbers, strings
    # and null in it), byte for byte, a few times faster for the answer's thousands of items.
    return Response(to_json(answer), media_type=JSONResponse.media_type)


_Item = dict[str, Any]  # a DetainerBatchItem as the answer writes it (its fields in order, none that is None)


def _item(
    index: int,
    detainer_id: str | None,
    status: str,
    *,
    errors: Sequence[FieldError] = (),
    warnings: Sequence[FieldError] = (),
) -> _Item:
    """One item of the answer, as ``DetainerBatchItem(...).model_dump(mode="json", exclude_none=True)`` writes it
    (without a model a detainer: a batch of 10,000 made and dumped that many)."""
    item: _Item = {"index": index}
    if detainer_id is not None:
        item["detainer_id"] = detainer_id
    item["status"] = status
    if errors:
        item["errors"] = [error.as_json() for error in errors]
    if warnings:
        item["warnings"] = [warning.as_json() for warning in warnings]
    return item


def _count_lodges(counted: Counter[str]) -> None:
    for outcome, lodges in counted.items():
        DETAINER_CHANGES.labels(change="lodged", outcome=outcome).inc(lodges)
    counted.clear()


_OUTCOME_LABELS = {LodgeStatus.CREATED: "applied", LodgeStatus.UNCHANGED: "replayed", LodgeStatus.CONFLICT: "conflict"}


@router.get(
    "",
    response_model=DetainerPage,
    summary="List detainers, newest first",
    responses=problem_responses(401, 403, 422),
)
async def list_detainers(
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    paging: Annotated[Paging, Depends(paging)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
    status: Annotated[DetainerStatus | None, Query()] = None,
    field_office: Annotated[FieldOffice | None, Query(description="Field office keys see their own only.")] = None,
) -> DetainerPage:
    office = office_to_list(principal, field_office)
    page, listed = await detainers.page(
        field_office=office, status=status, limit=paging.limit, after=position_of(paging.cursor)
    )
    return DetainerPage(detainers=page, next_cursor=cursor_after(listed))


OfficeOfTheDetainer = Annotated[
    FieldOffice | None,
    Query(
        description="The office that lodged it (ids are unique within an office only). A field office key: its "
        "own, whether named or not. An operator: needed where offices share the id (409 names them)."
    ),
]


@router.get(
    "/{detainer_id}",
    response_model=Detainer,
    summary="Read one detainer",
    responses=problem_responses(401, 403, 404, 409),
)
async def get_detainer(
    detainer_id: Annotated[DetainerId, Path()],
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
    field_office: OfficeOfTheDetainer = None,
) -> Detainer:
    office = await _office_of(detainers, detainer_id, principal, field_office)
    stored = await detainers.find(office, detainer_id)
    if stored is None:
        raise _not_found(detainer_id)
    return stored.detainer


async def _office_of(detainers: DetainerStore, detainer_id: str, principal: Principal, field_office: str | None) -> str:
    """The office whose detainer the caller names: a field office's own (naming another is 403); for an
    operator the one named, else the only office that lodged the id (none: 404; several: 409, naming them)."""
    forbid_other_office(principal, field_office, pointer="#/query/field_office")
    office = principal.office_scope() or field_office
    if office is not None:
        return office
    offices = await detainers.offices_of(detainer_id)
    if not offices:
        raise _not_found(detainer_id)
    if len(offices) > 1:
        listed = ", ".join(sorted(offices))
        raise Problem(
            "detainer-id-shared",
            f"Offices {listed} each lodged a detainer {detainer_id!r}: name one with field_office.",
            errors=[FieldError("#/query/field_office", f"is required: one of {listed}")],
            extra={"field_offices": sorted(offices)},
        )
    (only,) = offices
    return only


@router.post(
    "/{detainer_id}/lift",
    response_model=Detainer,
    summary="Lift a detainer",
    description=(
        "Lifts the detainer: no new alert is raised for it. Lifting again for the same reason answers the "
        "record with `Idempotent-Replayed: true`; for another reason, 409."
    ),
    openapi_extra=request_body_schema("LiftDetainer", ["application/json"]),
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
)
async def lift_detainer(
    detainer_id: Annotated[DetainerId, Path()],
    request: Request,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
    field_office: OfficeOfTheDetainer = None,
) -> Detainer:
    body = await read_body(request, limit=settings.max_detainer_bytes)
    lift = validate_json_body(_lift_adapter, body)
    office = await _office_of(detainers, detainer_id, principal, field_office)
    try:
        detainer, lifted = await detainers.lift(office, detainer_id, lift)
    except DetainerNotFoundError:
        raise _not_found(detainer_id) from None
    except DetainerConflictError as conflict:
        DETAINER_CHANGES.labels(change="lifted", outcome="conflict").inc()
        raise Problem(
            "detainer-conflict",
            str(conflict),
            errors=[FieldError("#/reason", "the detainer was already lifted for another reason")],
        ) from None
    DETAINER_CHANGES.labels(change="lifted", outcome="applied" if lifted else "replayed").inc()
    if lifted:
        await audit.record(
            actor=principal.name, action="detainer.lifted", target=f"{office}/{detainer_id}", detail=lift.reason.value
        )
    else:
        response.headers[REPLAYED_HEADER] = "true"
    log.info(
        "detainer lifted" if lifted else "detainer lift replayed",
        extra={"detainer_id": detainer_id, "field_office": office},
    )
    return detainer
