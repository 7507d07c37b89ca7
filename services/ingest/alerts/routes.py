"""`/v1/alerts`: what field offices read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from contracts import Alert, AlertStatus
from contracts.fields import FieldOffice
from ingest.alerts.repository import AlertReader
from ingest.auth import Principal, Role, office_to_list, require_role
from ingest.dependencies import get_alerts
from ingest.listing import Paging
from ingest.openapi import problem_responses
from ingest.problems import Problem

__all__ = ["router"]

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


class AlertPage(BaseModel):
    alerts: list[Alert]
    next_cursor: str | None


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
    alert_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    alerts: Annotated[AlertReader, Depends(get_alerts)],
) -> Alert:
    alert = await alerts.get(alert_id)
    scope = principal.office_scope()
    if alert is None or (scope is not None and alert.field_office != scope):  # another office's: as if absent
        raise Problem("not-found", f"No alert {alert_id!r}.")
    return alert
