"""`/v1/detainers`: lodge, read, list and lift."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, TypeAdapter

from contracts import Detainer, DetainerStatus, LiftDetainer, LodgeDetainer
from contracts.fields import DetainerId, FieldOffice
from ingest.auth import Principal, Role, forbid_other_office, office_to_list, require_role
from ingest.body import read_body, validate_json_body
from ingest.dependencies import get_audit, get_detainers, get_settings
from ingest.detainers.repository import DetainerConflictError, DetainerNotFoundError, DetainerRepository
from ingest.listing import Paging
from ingest.metrics import DETAINER_CHANGES
from ingest.openapi import problem_responses, request_body_schema
from ingest.ops.audit import AuditTrail
from ingest.problems import FieldError, Problem
from ingest.settings import IngestSettings

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/detainers", tags=["detainers"])

REPLAYED_HEADER = "Idempotent-Replayed"

_lodge_adapter: TypeAdapter[LodgeDetainer] = TypeAdapter(LodgeDetainer)
_lift_adapter: TypeAdapter[LiftDetainer] = TypeAdapter(LiftDetainer)


class DetainerPage(BaseModel):
    detainers: list[Detainer]
    next_cursor: str | None


def _not_found(detainer_id: str) -> Problem:
    return Problem("not-found", f"No detainer {detainer_id!r}.")


@router.post(
    "",
    status_code=201,
    response_model=Detainer,
    summary="Lodge a detainer",
    description=(
        "Lodges the detainer and, if its subject is in custody now, raises an `in_custody` alert "
        "(and `release_scheduled` when a release time is known). Lodging the same detainer again answers "
        "the record as it is with `Idempotent-Replayed: true`; a different body under a used `detainer_id` "
        "answers 409."
    ),
    openapi_extra=request_body_schema("LodgeDetainer", ["application/json"]),
    responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def lodge_detainer(
    request: Request,
    response: Response,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    detainers: Annotated[DetainerRepository, Depends(get_detainers)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Detainer:
    body = await read_body(request, limit=settings.max_detainer_bytes)
    lodge = validate_json_body(_lodge_adapter, body)
    forbid_other_office(principal, lodge.field_office, pointer="#/field_office")
    try:
        detainer, created = await detainers.lodge(lodge)
    except DetainerConflictError as conflict:
        DETAINER_CHANGES.labels(change="lodged", outcome="conflict").inc()
        raise Problem(
            "detainer-conflict",
            str(conflict),
            errors=[FieldError("#/detainer_id", "already lodged with a different body")],
        ) from None
    DETAINER_CHANGES.labels(change="lodged", outcome="applied" if created else "replayed").inc()
    if created:
        await audit.record(actor=principal.name, action="detainer.lodged", target=detainer.detainer_id)
    else:
        response.headers[REPLAYED_HEADER] = "true"
    response.headers["Location"] = f"/v1/detainers/{detainer.detainer_id}"
    log.info("detainer lodged" if created else "detainer lodge replayed", extra={"detainer_id": detainer.detainer_id})
    return detainer


@router.get(
    "",
    response_model=DetainerPage,
    summary="List detainers, newest first",
    responses=problem_responses(401, 403, 422),
)
async def list_detainers(
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    paging: Annotated[Paging, Depends()],
    detainers: Annotated[DetainerRepository, Depends(get_detainers)],
    status: Annotated[DetainerStatus | None, Query()] = None,
    field_office: Annotated[FieldOffice | None, Query(description="Field office keys see their own only.")] = None,
) -> DetainerPage:
    office = office_to_list(principal, field_office)
    page, next_cursor = await detainers.list(
        field_office=office, status=status, limit=paging.limit, cursor=paging.cursor
    )
    return DetainerPage(detainers=page, next_cursor=next_cursor)


@router.get(
    "/{detainer_id}",
    response_model=Detainer,
    summary="Read one detainer",
    responses=problem_responses(401, 403, 404),
)
async def get_detainer(
    detainer_id: Annotated[DetainerId, Path()],
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    detainers: Annotated[DetainerRepository, Depends(get_detainers)],
) -> Detainer:
    return await _visible_detainer(detainers, detainer_id, principal)


async def _visible_detainer(detainers: DetainerRepository, detainer_id: str, principal: Principal) -> Detainer:
    """The detainer, if this caller may see it; another office's answers 404, as if it did not exist."""
    detainer = await detainers.get(detainer_id)
    scope = principal.office_scope()
    if detainer is None or (scope is not None and detainer.field_office != scope):
        raise _not_found(detainer_id)
    return detainer


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
    detainers: Annotated[DetainerRepository, Depends(get_detainers)],
    audit: Annotated[AuditTrail, Depends(get_audit)],
) -> Detainer:
    body = await read_body(request, limit=settings.max_detainer_bytes)
    lift = validate_json_body(_lift_adapter, body)
    await _visible_detainer(detainers, detainer_id, principal)
    try:
        detainer, lifted = await detainers.lift(detainer_id, lift)
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
        await audit.record(actor=principal.name, action="detainer.lifted", target=detainer_id, detail=lift.reason.value)
    else:
        response.headers[REPLAYED_HEADER] = "true"
    log.info("detainer lifted" if lifted else "detainer lift replayed", extra={"detainer_id": detainer_id})
    return detainer
