"""`/offices/{office}`: the web page a field office's duty officers keep open, with its sign-in.

Outside `/v1` and the OpenAPI document: HTML for people, not part of the JSON API. The page lists the
office's stories (one row per person, with what matters now and each story's alerts), counts down to each
standing release, follows the live feed (`GET /v1/alerts/live`), swapping in a story's row
(``/offices/{office}/stories/{story_id}``) when something happens to it, and acknowledges, resolves,
confirms and rejects through the alert endpoints. A browser cannot send
the API key as a header on a page it navigates to, so the page signs in with a form that sets the
``rw_api_key`` cookie (see ``ingest.auth``).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from contracts import AlertKind, Person
from contracts.fields import FieldOffice
from ingest.auth import KEY_COOKIE, ApiKeys, Principal, Role, authenticated_in_browser, forbid_other_office
from ingest.browser_session import (
    asset,
    page,
    posted_from_another_site,
    posted_key,
    signed_in_redirect,
    signed_out_redirect,
)
from ingest.dependencies import get_detainers
from ingest.live.feed import AlertFeed
from ingest.live.routes import get_alert_feed
from ingest.offices.page import PageFilters, render_office_page, render_sign_in, render_story
from ingest.problems import Problem
from ingest.stories.repository import StoryReader
from ingest.stories.routes import get_stories
from ingest.stories.story import Story
from store.detainers import DetainerStore

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/offices", include_in_schema=False)

_PAGE_STORIES = 500  # people with the latest activity: far more than one office acts on at once
_ASSETS = {"office.js": "text/javascript; charset=utf-8", "office.css": "text/css; charset=utf-8"}

OfficeCode = Annotated[FieldOffice, Path(pattern=r"^[A-Z]{3}$", description="A field office, e.g. LOS.")]


def _may_see(principal: Principal, office: str) -> None:
    if principal.role not in (Role.FIELD_OFFICE, Role.OPERATOR):
        raise Problem("forbidden", f"The {principal.role.value} role may not do this.")
    forbid_other_office(principal, office, pointer="#/path/office")


@router.get("/assets/{name}")
async def office_asset(name: str) -> Response:
    return asset(__package__, name, _ASSETS)


async def _signed_in(request: Request, office: str) -> Principal | HTMLResponse:
    """Who opens the page; the sign-in form when nobody signed in."""
    try:
        principal = await authenticated_in_browser(request)
    except Problem as problem:
        if problem.type.slug != "unauthenticated":
            raise
        return page(render_sign_in(office), status_code=401)
    _may_see(principal, office)
    return principal


async def _subjects(detainers: DetainerStore, stories: list[Story]) -> dict[str, Person]:
    """The detainers' subjects as lodged, for the stories with a possible match to show side by side."""
    wanted = {
        (story.field_office, story.detainer_id)
        for story in stories
        if any(alert.kind is AlertKind.POSSIBLE_MATCH for alert in story.alerts)
    }
    subjects: dict[str, Person] = {}
    for field_office, detainer_id in sorted(wanted):
        stored = await detainers.find(field_office, detainer_id)  # the story's own office's detainer
        if stored is not None:
            subjects[detainer_id] = stored.detainer.person
    return subjects


@router.get("/{office}", response_class=HTMLResponse)
async def officepage(
    office: OfficeCode,
    request: Request,
    stories: Annotated[StoryReader, Depends(get_stories)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
    feed: Annotated[AlertFeed, Depends(get_alert_feed)],
    open_only: Annotated[bool, Query(alias="open")] = False,
    releases_soon: Annotated[bool, Query(alias="soon")] = False,
    possible_matches: Annotated[bool, Query(alias="review")] = False,
) -> HTMLResponse:
    principal = await _signed_in(request, office)
    if isinstance(principal, HTMLResponse):
        return principal
    # The feed's position first: an alert raised while the stories are read comes on the feed (the page
    # refreshes its story), instead of falling between the two.
    since = await feed.tail_id()
    listed, _ = await stories.page(field_office=office, limit=_PAGE_STORIES, cursor=None)
    signed_in_by_cookie = "authorization" not in request.headers and KEY_COOKIE in request.cookies
    log.info("office page served", extra={"field_office": office, "stories": len(listed)})
    return page(
        render_office_page(
            office,
            listed,
            subjects=await _subjects(detainers, listed),
            since=since,
            signed_in_by_cookie=signed_in_by_cookie,
            now=stories.now(),
            filters=PageFilters(open_only, releases_soon, possible_matches),
        )
    )


@router.get("/{office}/stories/{story_id}", response_class=HTMLResponse)
async def office_story(
    office: OfficeCode,
    story_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    request: Request,
    stories: Annotated[StoryReader, Depends(get_stories)],
    detainers: Annotated[DetainerStore, Depends(get_detainers)],
) -> HTMLResponse:
    """One person's row, as the page renders it: what the page's script swaps in when the story changes."""
    principal = await _signed_in(request, office)
    if isinstance(principal, HTMLResponse):
        return principal
    story = await stories.get(story_id)
    if story is None or story.field_office != office:
        raise Problem("not-found", f"No story {story_id!r}.")
    subjects = await _subjects(detainers, [story])
    html = render_story(story, subject=subjects.get(story.detainer_id), now=stories.now(), filters=PageFilters())
    return page(html)


@router.post("/{office}/sign-in", response_class=HTMLResponse)
async def sign_in(office: OfficeCode, request: Request) -> Response:
    if posted_from_another_site(request):
        log.warning("office page sign-in refused: posted from another site", extra={"field_office": office})
        message = "Sign in from this page: a sign-in sent by another site is refused."
        return page(render_sign_in(office, message=message), status_code=403)
    key = await posted_key(request)
    keys: ApiKeys = request.app.state.api_keys
    if keys.required:
        principal = keys.principal_for(key) if key else None
        if principal is None:
            return page(render_sign_in(office, message="This API key is not known."), status_code=401)
        try:
            _may_see(principal, office)
        except Problem as refused:
            return page(render_sign_in(office, message=refused.detail), status_code=403)
    response = signed_in_redirect(request, f"/offices/{office}", key)
    log.info("office page signed in", extra={"field_office": office})
    return response


@router.post("/{office}/sign-out")
async def sign_out(office: OfficeCode) -> Response:
    return signed_out_redirect(f"/offices/{office}")
