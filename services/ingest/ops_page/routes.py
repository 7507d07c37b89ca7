"""`/ops`: the operators' page, with its sign-in.

Outside `/v1` and the OpenAPI document: HTML for people. The page shows each stream and consumer group (lag,
pending, oldest pending age, consumers), the dead letters nobody handled (show, replay, discard), the feeds by
status with the holds waiting for a decision, and the latest rosters' reports; every few seconds its script
fetches the panel again (``/ops/panel``) and draws throughput and alerts raised per minute from the stream
counters the panel carries. Replays, discards and hold decisions go through the `/v1/ops` endpoints, on the
strength of the sign-in cookie (see ``ingest.browser_session``). Operators' keys only.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from contracts import RedisNames, RosterReport
from ingest.auth import KEY_COOKIE, ApiKeys, Principal, Role, authenticated_in_browser
from ingest.browser_session import (
    asset,
    page,
    posted_from_another_site,
    posted_key,
    signed_in_redirect,
    signed_out_redirect,
)
from ingest.dependencies import get_redis, get_settings
from ingest.ops_page.page import OpsView, render_ops_page, render_ops_sign_in, render_panel
from ingest.problems import Problem
from ingest.settings import IngestSettings
from runtime import RedisClient
from runtime.clock import utc_now
from store.dead_letters import DeadLetterOperations
from store.feeds import FeedReader
from store.queues import describe_queues
from store.roster_reports import RosterReports

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

_ASSETS = {"ops.js": "text/javascript; charset=utf-8", "ops.css": "text/css; charset=utf-8"}
_DEAD_LETTERS_SHOWN = 50
_ROSTERS_SHOWN = 50
_ROSTER_FACILITIES_READ = 2000  # read in one pipeline: the page stays quick however many jails send
_NOT_AN_OPERATOR = "This page is for operators: sign in with an operator's API key."

Every = Annotated[float, Query(ge=0.5, le=300, description="Seconds between refreshes of the page.")]


@router.get("/ops/assets/{name}")
async def ops_asset(name: str) -> Response:
    return asset(__package__, name, _ASSETS)


@router.get("/dashboard")
async def dashboard() -> Response:
    return RedirectResponse("/ops", status_code=307)


async def _operator(request: Request) -> Principal | HTMLResponse:
    """The operator who opens the page; the sign-in form when nobody (or no operator) signed in."""
    try:
        principal = await authenticated_in_browser(request)
    except Problem as problem:
        if problem.type.slug != "unauthenticated":
            raise
        return page(render_ops_sign_in(), status_code=401)
    if principal.role is not Role.OPERATOR:
        return page(render_ops_sign_in(message=_NOT_AN_OPERATOR), status_code=403)
    return principal


async def _latest_rosters(reports: RosterReports, facilities: list[str]) -> list[RosterReport]:
    """The latest roster of each facility, the most recent first (a bounded number of facilities read)."""
    found = await reports.latest_of(facilities[:_ROSTER_FACILITIES_READ])
    latest = sorted(found, key=lambda report: report.as_of, reverse=True)
    return latest[:_ROSTERS_SHOWN]


async def _view(request: Request, redis: RedisClient, settings: IngestSettings) -> OpsView:
    state = request.app.state
    dead_letters: DeadLetterOperations = state.dead_letters
    feeds: FeedReader = state.feeds
    rosters: RosterReports = state.roster_reports
    queues = await describe_queues(redis, RedisNames(settings.key_prefix))
    judged = await feeds.all()
    return OpsView(
        queues=queues,
        dead_letters=await dead_letters.newest(limit=_DEAD_LETTERS_SHOWN, before=None, open_only=True),
        feeds=judged,
        rosters=await _latest_rosters(rosters, sorted(await feeds.facilities())),
        now=utc_now(),
    )


@router.get("/ops", response_class=HTMLResponse)
async def ops_page(
    request: Request,
    redis: Annotated[RedisClient, Depends(get_redis)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    every: Every = 5.0,
) -> HTMLResponse:
    operator = await _operator(request)
    if isinstance(operator, HTMLResponse):
        return operator
    view = await _view(request, redis, settings)
    signed_in_by_cookie = "authorization" not in request.headers and KEY_COOKIE in request.cookies
    log.info("ops page served", extra={"streams": len(view.queues.streams), "feeds": len(view.feeds)})
    return page(render_ops_page(view, every_seconds=every, signed_in_by_cookie=signed_in_by_cookie))


@router.get("/ops/panel", response_class=HTMLResponse)
async def ops_panel(
    request: Request,
    redis: Annotated[RedisClient, Depends(get_redis)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
) -> HTMLResponse:
    """The page's live part, as the page renders it: what its script swaps in every few seconds."""
    operator = await _operator(request)
    if isinstance(operator, HTMLResponse):
        return operator
    return page(render_panel(await _view(request, redis, settings)))


@router.post("/ops/sign-in", response_class=HTMLResponse)
async def ops_sign_in(request: Request) -> Response:
    if posted_from_another_site(request):
        log.warning("ops page sign-in refused: posted from another site")
        message = "Sign in from this page: a sign-in sent by another site is refused."
        return page(render_ops_sign_in(message=message), status_code=403)
    key = await posted_key(request)
    keys: ApiKeys = request.app.state.api_keys
    if keys.required:
        principal = keys.principal_for(key) if key else None
        if principal is None:
            return page(render_ops_sign_in(message="This API key is not known."), status_code=401)
        if principal.role is not Role.OPERATOR:
            return page(render_ops_sign_in(message=_NOT_AN_OPERATOR), status_code=403)
    log.info("ops page signed in")
    return signed_in_redirect(request, "/ops", key)


@router.post("/ops/sign-out")
async def ops_sign_out() -> Response:
    return signed_out_redirect("/ops")
