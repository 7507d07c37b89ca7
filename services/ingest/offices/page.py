"""The office page as HTML: a field office's unresolved alerts, each release counted down.

Pure: functions of the alerts and a few values. Everything that comes from data (names above all) is
escaped here; the page's script builds the rows it adds from the live feed with ``textContent``, and
the page's Content-Security-Policy runs no inline script at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from contracts import Alert, AlertKind, AlertStatus, Person

__all__ = ["KIND_LABELS", "person_name", "render_office_page", "render_sign_in"]

KIND_LABELS = {
    AlertKind.IN_CUSTODY: "in custody",
    AlertKind.RELEASE_SCHEDULED: "release scheduled",
    AlertKind.RELEASED: "released",
    AlertKind.TRANSFERRED: "transferred",
    AlertKind.POSSIBLE_MATCH: "possible match",
}

_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="stylesheet" href="/offices/assets/office.css">
</head>
"""


def person_name(person: Person | None) -> str:
    """``LAST, FIRST MIDDLE``, as the page shows it (the script composes it the same way)."""
    if person is None:
        return "(no name)"
    given = " ".join(part for part in (person.first_name, person.middle_name) if part)
    return ", ".join(part for part in (person.last_name, given) if part)


def _moment(at: datetime | None) -> str:
    return "" if at is None else at.isoformat()


def _release_cell(alert: Alert) -> str:
    if alert.kind is AlertKind.RELEASED:
        when = f' <time datetime="{escape(_moment(alert.released_at))}">{escape(_moment(alert.released_at))}</time>'
        return f'<span class="state released">released{when if alert.released_at else ""}</span>'
    if alert.scheduled_release_at is not None and alert.kind is AlertKind.RELEASE_SCHEDULED:
        at = escape(_moment(alert.scheduled_release_at))
        return f'<time class="countdown" datetime="{at}" data-release-at="{at}">release {at}</time>'
    return '<span class="state">no release time known</span>'


def _status_cell(alert: Alert) -> str:
    status = escape(alert.status.value)
    if alert.status is AlertStatus.OPEN and alert.kind is not AlertKind.POSSIBLE_MATCH:
        button = f'<button type="button" class="ack" data-alert-id="{escape(alert.alert_id)}">Acknowledge</button>'
        return f'<span class="status">{status}</span> {button}'
    if alert.status is AlertStatus.ACKNOWLEDGED and alert.acknowledged_by:
        return f'<span class="status">{status}</span> <span class="by">by {escape(alert.acknowledged_by)}</span>'
    return f'<span class="status">{status}</span>'


def _row(alert: Alert) -> str:
    cells = (
        ("release", _release_cell(alert)),
        ("name", escape(person_name(alert.person))),
        ("kind", escape(KIND_LABELS[alert.kind])),
        ("facility", escape(alert.facility_ori)),
        ("booking", escape(alert.booking_number)),
        ("detainer", escape(alert.detainer_id)),
        ("raised", f'<time datetime="{escape(_moment(alert.raised_at))}">{escape(_moment(alert.raised_at))}</time>'),
        ("state", _status_cell(alert)),
    )
    tds = "".join(f'<td class="{name}">{content}</td>' for name, content in cells)
    alert_id = escape(alert.alert_id)
    classes = f"alert kind-{escape(alert.kind.value)} status-{escape(alert.status.value)}"
    return f'<tr id="alert-{alert_id}" class="{classes}" data-alert-id="{alert_id}">{tds}</tr>\n'


def render_office_page(office: str, alerts: Sequence[Alert], *, since: str, signed_in_by_cookie: bool) -> str:
    """The page: ``alerts`` (unresolved, newest first) and, for the script, the office and the alert
    stream id the list was read after (the live feed starts there, so nothing raised between is lost)."""
    office_text = escape(office)
    sign_out = (
        f'<form method="post" action="/offices/{office_text}/sign-out"><button type="submit">Sign out</button></form>'
        if signed_in_by_cookie
        else ""
    )
    rows = "".join(_row(alert) for alert in alerts)
    empty = "" if alerts else ' class="empty"'
    return (
        _HEAD.format(title=f"releasewatch · {office_text} alerts")
        + f'<body data-office="{office_text}" data-since="{escape(since)}">\n'
        + f"<header><h1>Field office {office_text}: alerts to act on</h1>"
        + '<p id="feed-status" class="feed-status" role="status">connecting to the live feed…</p>'
        + f"{sign_out}</header>\n<main>\n"
        + f'<table id="alerts-table"{empty}>\n<thead><tr><th>release</th><th>person</th><th>alert</th>'
        + "<th>facility</th><th>booking</th><th>detainer</th><th>raised</th><th>status</th></tr></thead>\n"
        + f'<tbody id="alerts">\n{rows}</tbody>\n</table>\n'
        + '<p id="no-alerts" class="no-alerts">No open or acknowledged alerts.</p>\n'
        + '<p id="page-error" class="page-error" role="alert"></p>\n'
        + "</main>\n"
        + '<script src="/offices/assets/office.js"></script>\n'
        + "</body>\n</html>\n"
    )


def render_sign_in(office: str, *, message: str | None = None) -> str:
    """The sign-in form: the office's API key, kept in a cookie scripts cannot read."""
    office_text = escape(office)
    notice = f'<p class="page-error" role="alert">{escape(message)}</p>' if message else ""
    return (
        _HEAD.format(title=f"releasewatch · sign in · {office_text}")
        + f'<body>\n<main class="sign-in">\n<h1>Field office {office_text}</h1>\n{notice}'
        + f'<form method="post" action="/offices/{office_text}/sign-in">'
        + '<label for="api_key">API key of the office (or an operator)</label> '
        + '<input id="api_key" name="api_key" type="password" autocomplete="current-password" required> '
        + '<button type="submit">Sign in</button></form>\n'
        + "<p>The key is kept in a cookie for this browser session only, unreadable by scripts.</p>\n"
        + "</main>\n</body>\n</html>\n"
    )
