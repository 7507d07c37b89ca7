"""What the pages people open in a browser share: the headers every page is served with, the sign-in that keeps
the API key in a cookie scripts cannot read, and the refusal of a sign-in another site posted.

A browser cannot send the API key as a header on a page it navigates to, so a page signs in with a form that sets
the ``rw_api_key`` cookie (see ``ingest.auth``); the office pages and the operators' page sign in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from urllib.parse import parse_qs

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ingest.auth import KEY_COOKIE
from ingest.body import read_body
from ingest.problems import Problem

__all__ = [
    "PAGE_HEADERS",
    "asset",
    "html_head",
    "page",
    "posted_from_another_site",
    "posted_key",
    "signed_in_redirect",
    "signed_out_redirect",
]

# Scripts and styles from this origin only (no inline script: injected markup cannot run), requests to
# this origin only, never framed.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # names of people: not kept by the browser or a proxy
}

_MAX_SIGN_IN_BYTES = 4 * 1024
_SAME_SITE_FETCHES = frozenset({"same-origin", "none"})  # `none`: typed or bookmarked by the person


_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
"""


def html_head(title: str, *, stylesheet: str) -> str:
    """The start of a page, to its ``<body>``: ``title`` escaped by the caller, the page's own stylesheet."""
    return _HEAD.format(title=title, stylesheet=stylesheet)


def asset(package: str, name: str, media_types: Mapping[str, str]) -> Response:
    """One of a page's static files (``assets/`` in ``package``), by name; 404 for any other name."""
    media_type = media_types.get(name)
    if media_type is None:
        raise Problem("not-found", "Nothing exists at this path.")
    content = (files(package) / "assets" / name).read_text()
    return Response(content, media_type=media_type, headers={"X-Content-Type-Options": "nosniff"})


def page(html: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def posted_from_another_site(request: Request) -> bool:
    """Whether a browser says this form post came from a page of another origin. Login CSRF: another
    site's page could sign this browser in with the other site's key, and the person would then act in
    someone else's name. Browsers send `Sec-Fetch-Site`, which says so whatever host name a proxy shows
    this service; an older browser only `Origin`, compared with this service's own; a client that sends
    neither is not a browser a page can drive."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in _SAME_SITE_FETCHES
    origin = request.headers.get("origin")
    return origin is not None and origin != str(request.base_url).rstrip("/")


async def posted_key(request: Request) -> str:
    """The API key a sign-in form posted (empty when none)."""
    body = await read_body(request, limit=_MAX_SIGN_IN_BYTES, accept=frozenset({"application/x-www-form-urlencoded"}))
    return (parse_qs(body.decode()).get("api_key") or [""])[0].strip()


def signed_in_redirect(request: Request, to: str, key: str) -> Response:
    """Back to the page ``to``, signed in with ``key`` for this browser session."""
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        KEY_COOKIE,
        key,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )  # no max_age: it ends with the browser session
    return response


def signed_out_redirect(to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    response.delete_cookie(KEY_COOKIE, path="/", httponly=True, samesite="strict")
    return response
