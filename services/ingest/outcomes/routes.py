"""`GET /v1/reports/outcomes`: the outcome report of a period, as JSON, CSV or a printable HTML page.

Operators read every office's; a field-office key reads its own office's detainers only (the report is
narrowed to its office whatever it asks; naming another office is refused). The records come from storage
(``reports.stored``); what sharing policies withheld is read when ``app.state.policy_withheld_days`` holds a
reader of those counts (``reports.stored.WithheldDays``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from contracts import RedisNames
from contracts.fields import FieldOffice, Ori, StateCode
from ingest.auth import Principal, Role, office_to_list, require_role
from ingest.dependencies import redis_of, settings_of
from ingest.openapi import problem_responses
from ingest.problems import FieldError, Problem
from reports import OutcomeReport, Scope, outcome_report, report_csv, report_html
from reports.stored import StoredReportRecords, WithheldDays
from runtime.clock import utc_now
from store.alerts import AlertStore
from store.detainers import DetainerStore
from store.feed_days import FeedDays
from store.feeds import FeedReader
from store.roster_reports import RosterReports

__all__ = ["MAX_PERIOD_DAYS", "router"]

router = APIRouter(prefix="/v1/reports", tags=["reports"])

MAX_PERIOD_DAYS = 400

Format = Literal["json", "csv", "html"]


def stored_records(request: Request) -> StoredReportRecords:
    """The reader of stored records, built once per app (on ``app.state``)."""
    state = request.app.state
    reader: StoredReportRecords | None = getattr(state, "report_records", None)
    if reader is None:
        redis, names = redis_of(request), RedisNames(settings_of(request).key_prefix)
        withheld: WithheldDays | None = getattr(state, "policy_withheld_days", None)
        reader = StoredReportRecords(
            alerts=AlertStore(redis, names),
            detainers=DetainerStore(redis, names),
            feeds=FeedReader(redis, names),
            feed_days=FeedDays(redis, names),
            rosters=RosterReports(redis, names),
            withheld_days=withheld,
        )
        state.report_records = reader
    return reader


def _format_of(request: Request, asked: Format | None) -> Format:
    if asked is not None:
        return asked
    accept = request.headers.get("accept", "")
    for media in (part.split(";")[0].strip().lower() for part in accept.split(",")):
        if media in ("application/json", "*/*"):
            return "json"
        if media == "text/csv":
            return "csv"
        if media == "text/html":
            return "html"
    return "json"


def _check_period(first: date, last: date) -> None:
    if last < first:
        raise Problem(
            "validation-error",
            "The period ends before it starts.",
            errors=[FieldError("#/query/to", f"must not be before from ({first.isoformat()})")],
        )
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise Problem(
            "validation-error",
            f"A report covers at most {MAX_PERIOD_DAYS} days.",
            errors=[
                FieldError(
                    "#/query/to",
                    f"must be at most {MAX_PERIOD_DAYS - 1} days after from "
                    f"({(first + timedelta(days=MAX_PERIOD_DAYS - 1)).isoformat()})",
                )
            ],
        )


@router.get(
    "/outcomes",
    response_model=OutcomeReport,
    summary="The outcome report of a period: per facility (by ORI) and a total",
    description=(
        "What happened to detainers at each facility from `from` to `to` (both days included, on each "
        "facility's own clock): matches, releases with and without notice (and why none), transfers, custody "
        "assumed, lifts, reviews, and each feed's data quality. JSON by default; CSV with `format=csv` or "
        "`Accept: text/csv`; a printable HTML page with charts with `format=html` or `Accept: text/html`. "
        f"A period covers at most {MAX_PERIOD_DAYS} days. Operators read every office's report; a field "
        "office's key reads its own office's detainers only. The figures are defined in docs/outcome-report.md."
    ),
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **problem_responses(403, 422),
    },
)
async def outcomes(
    request: Request,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    period_from: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD).")],
    period_to: Annotated[date, Query(alias="to", description="Last day, included (YYYY-MM-DD).")],
    state: Annotated[list[StateCode] | None, Query(description="Only facilities of these states.")] = None,
    facility_ori: Annotated[list[Ori] | None, Query(description="Only these facilities.")] = None,
    field_office: Annotated[
        FieldOffice | None, Query(description="Only this office's detainers (a field office: its own).")
    ] = None,
    report_format: Annotated[
        Format | None, Query(alias="format", description="Instead of the `Accept` header: json, csv or html.")
    ] = None,
) -> Response:
    _check_period(period_from, period_to)
    office = office_to_list(principal, field_office)
    scope = Scope(
        period_from=period_from,
        period_to=period_to,
        states=tuple(sorted(set(state or ()))),
        facility_oris=tuple(sorted(set(facility_ori or ()))),
        field_office=office,
    )
    records = await stored_records(request).gather(scope)
    report = outcome_report(records, scope, generated_at=utc_now())
    chosen = _format_of(request, report_format)
    if chosen == "csv":
        name = f"outcomes-{period_from.isoformat()}-{period_to.isoformat()}.csv"
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if chosen == "html":
        return HTMLResponse(report_html(report))
    return JSONResponse(report.model_dump(mode="json"))
