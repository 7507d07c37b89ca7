"""`/v1/detainers`: lodge, read, list and lift."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter

from contracts import Detainer, DetainerStatus, LiftDetainer, LodgeDetainer
from contracts.fields import DetainerId, FieldOffice
from ingest.auth import Principal, Role, forbid_other_office, office_to_list, require_role
from ingest.body import read_body, validate_json_body
from ingest.dependencies import get_audit, get_detainers, get_settings
from ingest.detainers.repository import DetainerConflictError, DetainerNotFoundError, DetainerRepository
from ingest.intake import FieldWarning, read_person_record, warnings_of
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
        "`detainer_id` answers 409. Ids are the office's own: another office's detainer of the same id is "
        "another detainer."
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
) -> LodgedDetainer:
    body = await read_body(request, limit=settings.max_detainer_bytes)
    reading = read_person_record(_lodge_adapter, body)
    lodge = reading.value
    settings.time_window.refuse_implausible(lodge, now=datetime.now(UTC))
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
    detainers: Annotated[DetainerRepository, Depends(get_detainers)],
    field_office: OfficeOfTheDetainer = None,
) -> Detainer:
    office = await _office_of(detainers, detainer_id, principal, field_office)
    stored = await detainers.find(office, detainer_id)
    if stored is None:
        raise _not_found(detainer_id)
    return stored.detainer


async def _office_of(
    detainers: DetainerRepository, detainer_id: str, principal: Principal, field_office: str | None
) -> str:
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
    detainers: Annotated[DetainerRepository, Depends(get_detainers)],
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
