"""The office page as HTML: one row per person (story), what matters now, and each story's alerts.

Pure: functions of the stories and a few values. Everything that comes from data (names above all) is
escaped here, and only here: the page's script counts down and filters, and for a live update fetches the
story's row rendered by these same functions (``render_story``), so the page has one renderer and one place
that escapes. The page's Content-Security-Policy runs no inline script at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from contracts import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    MatchEvidence,
    OfficerOutcome,
    Person,
    ReleaseReason,
    ReleaseStatus,
)
from ingest.browser_session import html_head
from ingest.stories.story import Story, StoryState, about_someone_else, left_on_a_transfer
from runtime.clock import epoch_ms

__all__ = [
    "KIND_LABELS",
    "PageFilters",
    "person_name",
    "render_office_page",
    "render_sign_in",
    "render_story",
    "urgency",
]

KIND_LABELS = {
    AlertKind.IN_CUSTODY: "in custody",
    AlertKind.RELEASE_SCHEDULED: "release scheduled",
    AlertKind.RELEASED: "released",
    AlertKind.TRANSFERRED: "transferred",
    AlertKind.POSSIBLE_MATCH: "possible match",
}
_RELEASE_LABELS = {
    ReleaseStatus.SCHEDULED: "scheduled",
    ReleaseStatus.RESCHEDULED: "rescheduled",
    ReleaseStatus.CANCELLED: "cancelled",
    ReleaseStatus.RELEASED: "released",
    ReleaseStatus.PASSED: "passed, no release reported",
}
_SOON = timedelta(hours=24)  # "releases in the next 24 h"


@dataclass(frozen=True, slots=True)
class PageFilters:
    """Which stories the page shows (each also a checkbox the script applies live)."""

    open_only: bool = False  # stories with an alert not resolved
    releases_soon: bool = False  # a release time standing within the next 24 h (or passed, none reported yet)
    possible_matches: bool = False  # a possible match waiting for review

    def admit(self, story: Story, now: datetime) -> bool:
        if self.open_only and not _unresolved(story):
            return False
        if self.releases_soon and not _release_soon(story, now):
            return False
        return not (self.possible_matches and not story.now.needs_review)


def _unresolved(story: Story) -> int:
    return sum(1 for alert in story.alerts if alert.status is not AlertStatus.RESOLVED)


def _standing_release(story: Story) -> datetime | None:
    if story.now.state in (StoryState.RELEASE_SCHEDULED, StoryState.RELEASE_TIME_PASSED):
        return story.now.at
    return None


def _release_soon(story: Story, now: datetime) -> bool:
    release_at = _standing_release(story)
    return release_at is not None and release_at - now <= _SOON


_LATEST = 10**14  # ms: ordering "latest first" as text is ordering (_LATEST - ms) "smallest first"


def urgency(story: Story, now: datetime) -> str:
    """Where the person's row goes, as a key that sorts as text (the script places live rows by it too):
    a release standing within 24 h, overdue ones first, soonest first; then people with an alert nobody has
    acknowledged yet (a possible match to review included), latest first; then releases further ahead,
    soonest first; then everyone else, latest first."""
    release_at = _standing_release(story)
    if release_at is not None and release_at - now <= _SOON:
        return f"0:{epoch_ms(release_at):014d}"
    latest = _LATEST - epoch_ms(story.updated_at)
    if story.open_alerts:
        return f"1:{latest:014d}"
    if release_at is not None:
        return f"2:{epoch_ms(release_at):014d}"
    return f"3:{latest:014d}"


def person_name(person: Person | None) -> str:
    """``LAST, FIRST MIDDLE``, as the page shows it."""
    if person is None:
        return "(no name)"
    given = " ".join(part for part in (person.first_name, person.middle_name) if part)
    return ", ".join(part for part in (person.last_name, given) if part)


def _moment(at: datetime | None) -> str:
    return "" if at is None else at.isoformat()


def _time(at: datetime | None) -> str:
    if at is None:
        return ""
    shown = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f'<time datetime="{escape(_moment(at))}">{escape(shown)}</time>'


def _subject(story: Story) -> Person | None:
    """The person as booked: the latest alert about them (a suggestion's only if there is nothing else; one found
    to be about someone else only if every alert was)."""
    named = [alert for alert in story.alerts if alert.person is not None]
    named = [alert for alert in named if not about_someone_else(alert)] or named
    facts = [alert for alert in named if alert.kind is not AlertKind.POSSIBLE_MATCH]
    latest = (facts or named)[:1]
    return latest[0].person if latest else None


def _now_cell(story: Story, now: datetime) -> str:
    """What matters now: a countdown to the standing release, or the story's state in words."""
    state, at = story.now.state, story.now.at
    if state in (StoryState.RELEASE_SCHEDULED, StoryState.RELEASE_TIME_PASSED) and at is not None:
        iso = escape(_moment(at))
        urgent = " soon" if timedelta(0) < at - now < timedelta(hours=4) else ""
        overdue = " overdue" if at <= now else ""
        return (
            f'<time class="countdown{urgent}{overdue}" datetime="{iso}" data-release-at="{iso}">'
            f"{escape(story.now.summary)}</time>"
        )
    css = f"state {escape(state.value)}" + (" without-notice" if story.now.notice_given is False else "")
    if state in (StoryState.RELEASED, StoryState.TRANSFERRED) and at is not None:
        # The script keeps the "N h ago" in it current.
        return f'<span class="{css}" data-happened-at="{escape(_moment(at))}">{escape(story.now.summary)}</span>'
    return f'<span class="{css}">{escape(story.now.summary)}</span>'


def _badges(story: Story) -> str:
    badges = []
    open_count = sum(1 for alert in story.alerts if alert.status is AlertStatus.OPEN)
    if open_count:
        badges.append(f'<span class="badge open">{open_count} open</span>')
    if story.now.needs_review:
        badges.append('<span class="badge review">possible match to review</span>')
    if any(alert.escalation_level for alert in story.alerts if alert.status is AlertStatus.OPEN):
        badges.append('<span class="badge escalated">escalated</span>')
    count = len(story.alerts)
    badges.append(f'<span class="badge count">{count} alert{"s" if count != 1 else ""}</span>')
    return " ".join(badges)


def _compare(subject: Person | None, booked: Person | None) -> str:
    """Both records side by side: the detainer's subject as the office lodged it, the person as booked."""

    def value(person: Person | None, field: str) -> str:
        if person is None:
            return ""
        found: Any = getattr(person, field, None)
        if found is None:
            return ""
        if field == "state_id":
            return f"{found.state} {found.number}"
        if field == "aliases":
            return "; ".join(f"{alias.last_name}, {alias.first_name or ''}".rstrip(", ") for alias in found)
        if isinstance(found, date):
            return found.isoformat()
        return str(getattr(found, "value", found))

    fields = (
        ("last name", "last_name"),
        ("first name", "first_name"),
        ("middle name", "middle_name"),
        ("date of birth", "date_of_birth"),
        ("sex", "sex"),
        ("place of birth", "place_of_birth"),
        ("aliases", "aliases"),
        ("A-number", "a_number"),
        ("FBI number", "fbi_number"),
        ("state id", "state_id"),
    )
    rows = []
    for label, field in fields:
        lodged, seen = value(subject, field), value(booked, field)
        if not lodged and not seen:
            continue
        differs = ' class="differs"' if lodged and seen and lodged != seen else ""
        rows.append(f"<tr{differs}><th>{label}</th><td>{escape(lodged)}</td><td>{escape(seen)}</td></tr>")
    return (
        '<table class="compare"><thead><tr><th></th><th>detainer subject (as lodged)</th>'
        f"<th>booked as</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _evidence(match: MatchEvidence) -> str:
    """The match evidence: the decision and rule, the score, each field and how it agreed, and whatever else the
    evidence carries (reasons in words, named conflicts), shown as it comes."""
    summary = f"{match.decision.value.replace('_', ' ')} by rule {match.rule}"
    if match.score is not None:
        summary += f", score {match.score:.1f}"
    if match.margin is not None:
        summary += f" (margin {match.margin:.1f})"
    known = {"decision", "rule", "score", "margin", "fields"}
    extras = []
    for name, value in match.model_dump(mode="json").items():
        if name in known or value in (None, [], (), ""):
            continue
        shown = "; ".join(str(item) for item in value) if isinstance(value, list) else str(value)
        extras.append(f'<li><span class="label">{escape(name.replace("_", " "))}:</span> {escape(shown)}</li>')
    rows = []
    for agreement in match.fields:
        dumped = agreement.model_dump(mode="json")
        weight = dumped.pop("weight", None)
        field, level = dumped.pop("field"), dumped.pop("level")
        more = "; ".join(f"{key.replace('_', ' ')}: {item}" for key, item in dumped.items() if item not in (None, ""))
        rows.append(
            f"<tr><td>{escape(str(field))}</td><td>{escape(str(level))}</td>"
            f"<td>{'' if weight is None else f'{weight:+.1f}'}</td><td>{escape(more)}</td></tr>"
        )
    table = (
        '<table class="fields"><thead><tr><th>field</th><th>agreed</th><th>weight</th><th></th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else ""
    )
    extra = f'<ul class="reasons">{"".join(extras)}</ul>' if extras else ""
    return f'<div class="evidence"><p>Match: {escape(summary)}</p>{extra}{table}</div>'


def _what(alert: Alert) -> str:
    """The alert's own line: when, and where its release time stands."""
    if alert.kind is AlertKind.RELEASE_SCHEDULED:
        status = alert.release_status or ReleaseStatus.SCHEDULED
        when = _time(alert.scheduled_release_at)
        return f'release {when} <span class="release-status rs-{escape(status.value)}">{_RELEASE_LABELS[status]}</span>'
    if alert.kind is AlertKind.RELEASED and alert.outcome is AlertOutcome.RELEASE_SUPERSEDED:
        # Withdrawn by releasewatch (the person transferred before it, or still held): what the facts say instead.
        why = alert.timeline[-1].detail if alert.timeline else None
        return f"not released{': ' + escape(why) if why else ''}"
    if left_on_a_transfer(alert):
        return f"transferred out {_time(alert.released_at)}, destination not reported"
    if alert.kind is AlertKind.RELEASED:
        notice = "with notice" if alert.notice_given else "without notice"
        if alert.notice_given and alert.notice_lead_hours is not None:
            notice += f" ({alert.notice_lead_hours:g} h ahead)"
        if alert.released_early_hours is not None:
            notice += f", {alert.released_early_hours:g} h before the announced time"
        if alert.release_reason is ReleaseReason.INFERRED_FROM_ROSTER:  # when they left is not known
            return f"missing from the roster of {_time(alert.released_at)}: left by then, {notice}"
        return f"released {_time(alert.released_at)}, {notice}"
    if alert.kind is AlertKind.TRANSFERRED:
        return f"transferred to {escape(alert.to_facility_ori or '')} {_time(alert.occurred_at)}"
    if alert.kind is AlertKind.IN_CUSTODY:
        left = f", left custody {_time(alert.left_custody_at)}" if alert.left_custody_at is not None else ""
        return f"booked {_time(alert.occurred_at)}{left}"
    return f"booked {_time(alert.occurred_at)}, to review"


def _actions(alert: Alert) -> str:
    alert_id = escape(alert.alert_id)
    if alert.kind is AlertKind.POSSIBLE_MATCH and alert.review is None and alert.status is not AlertStatus.RESOLVED:
        return (
            f'<button type="button" class="confirm" data-alert-id="{alert_id}">Confirm</button> '
            f'<button type="button" class="reject" data-alert-id="{alert_id}">Reject</button>'
        )
    if alert.status is AlertStatus.RESOLVED:
        return ""
    ack = (
        f'<button type="button" class="ack" data-alert-id="{alert_id}">Acknowledge</button> '
        if alert.status is AlertStatus.OPEN
        else ""
    )
    options = "".join(
        f'<option value="{outcome.value}">{outcome.value.replace("_", " ")}</option>' for outcome in OfficerOutcome
    )
    return (
        f'{ack}<form class="resolve" data-alert-id="{alert_id}">'
        f'<select name="outcome" aria-label="outcome">{options}</select> '
        '<input name="note" maxlength="1000" placeholder="note (optional)" aria-label="note"> '
        '<button type="submit">Resolve</button></form>'
    )


def _state_of(alert: Alert) -> str:
    status = escape(alert.status.value)
    if alert.status is AlertStatus.RESOLVED:
        by = escape(alert.resolved_by or "releasewatch")
        outcome = escape((alert.outcome.value if alert.outcome else "").replace("_", " "))
        return f'<span class="status">resolved</span> <span class="by">({outcome}, by {by})</span>'
    if alert.status is AlertStatus.ACKNOWLEDGED and alert.acknowledged_by:
        return f'<span class="status">{status}</span> <span class="by">by {escape(alert.acknowledged_by)}</span>'
    return f'<span class="status">{status}</span>'


def _timeline(alert: Alert) -> str:
    steps = []
    for step in alert.timeline:
        by = f" by {escape(step.by)}" if step.by else ""
        detail = f": {escape(step.detail)}" if step.detail else ""
        event = f" (event {escape(step.event_id)})" if step.event_id else ""
        steps.append(f"<li>{_time(step.at)} {escape(step.what.value.replace('_', ' '))}{by}{detail}{event}</li>")
    return f'<ol class="timeline">{"".join(steps)}</ol>'


def _alert_item(alert: Alert, subject: Person | None) -> str:
    alert_id = escape(alert.alert_id)
    classes = f"alert kind-{escape(alert.kind.value)} status-{escape(alert.status.value)}"
    if alert.escalation_level and alert.status is AlertStatus.OPEN:
        classes += " escalated"
    compare = _compare(subject, alert.person) if alert.kind is AlertKind.POSSIBLE_MATCH else ""
    review = ""
    if alert.review is not None:
        review = (
            f' <span class="review">{escape(alert.review.decision.value)} by {escape(alert.review.reviewed_by)}</span>'
        )
    return (
        f'<li id="alert-{alert_id}" class="{classes}" data-alert-id="{alert_id}">'
        f'<div class="alert-head"><span class="kind">{escape(KIND_LABELS[alert.kind])}</span> '
        f'<span class="what">{_what(alert)}</span> <span class="state">{_state_of(alert)}{review}</span>'
        f'<span class="actions">{_actions(alert)}</span></div>'
        f'<div class="alert-body">{compare}{_evidence(alert.match)}'
        f'<p class="where">booked as {escape(person_name(alert.person))} at {escape(alert.facility_ori)}, booking '
        f"{escape(alert.booking_number)} · raised {_time(alert.raised_at)} · {alert_id}</p>"
        f"{_timeline(alert)}</div></li>"
    )


def render_story(
    story: Story, *, subject: Person | None, now: datetime, filters: PageFilters, opened: bool = False
) -> str:
    """One person's row (``subject``: the detainer's subject as lodged, for possible matches side by side)."""
    story_id = escape(story.story_id)
    release_at = _standing_release(story)
    attributes = [
        f'id="story-{story_id}"',
        f'class="story state-{escape(story.now.state.value)}"',
        f'data-story-id="{story_id}"',
        f'data-unresolved="{_unresolved(story)}"',
        f'data-review="{"1" if story.now.needs_review else "0"}"',
        f'data-urgency="{escape(urgency(story, now))}"',
    ]
    if release_at is not None:
        attributes.append(f'data-release-at="{escape(_moment(release_at))}"')
    if opened:
        attributes.append("open")
    if not filters.admit(story, now):
        attributes.append("hidden")
    where = escape(story.now.facility_ori) + (f" · {escape(story.booking_number)}" if story.booking_number else "")
    alerts = "".join(_alert_item(alert, subject) for alert in story.alerts)
    return (
        f"<details {' '.join(attributes)}>\n"
        f'<summary><span class="now">{_now_cell(story, now)}</span>'
        f'<span class="name">{escape(person_name(_subject(story)))}</span>'
        f'<span class="where">{where}</span>'
        f'<span class="detainer">{escape(story.detainer_id)}</span>'
        f'<span class="badges">{_badges(story)}</span></summary>\n'
        f'<ol class="alerts">{alerts}</ol>\n</details>\n'
    )


def _checkbox(name: str, label: str, checked: bool) -> str:
    return f'<label><input type="checkbox" name="{name}" value="1"{" checked" if checked else ""}> {label}</label>'


def render_office_page(
    office: str,
    stories: Sequence[Story],
    *,
    subjects: Mapping[str, Person],
    since: str,
    signed_in_by_cookie: bool,
    now: datetime,
    filters: PageFilters = PageFilters(),
) -> str:
    """The page: ``stories``, each person's row and its alerts, most urgent first (``urgency``), and, for the
    script, the office and the alert stream id the stories were read after (the live feed starts there, so
    nothing raised between is lost). ``subjects``: detainers' subjects as lodged, by detainer id, for possible
    matches."""
    office_text = escape(office)
    sign_out = (
        f'<form method="post" action="/offices/{office_text}/sign-out"><button type="submit">Sign out</button></form>'
        if signed_in_by_cookie
        else ""
    )
    rows = "".join(
        render_story(story, subject=subjects.get(story.detainer_id), now=now, filters=filters)
        for story in sorted(stories, key=lambda story: urgency(story, now))
    )
    open_alerts = sum(story.open_alerts for story in stories)
    soon = sum(1 for story in stories if _release_soon(story, now))
    review = sum(1 for story in stories if story.now.needs_review)
    counts = (
        f'<p class="counts" id="counts"><span>{len(stories)} people</span> · <span>{open_alerts} open alerts</span> · '
        f"<span>{soon} releases within 24 h</span> · <span>{review} possible matches to review</span></p>"
    )
    controls = (
        f'<form class="filters" id="filters" method="get" action="/offices/{office_text}">'
        + _checkbox("open", "open only", filters.open_only)
        + _checkbox("soon", "releases in the next 24 h", filters.releases_soon)
        + _checkbox("review", "possible matches", filters.possible_matches)
        + '<noscript><button type="submit">Filter</button></noscript></form>'
    )
    return (
        html_head(f"releasewatch · {office_text}", stylesheet="/offices/assets/office.css")
        + f'<body data-office="{office_text}" data-since="{escape(since)}">\n'
        + f"<header><h1>Field office {office_text}: people and their alerts</h1>"
        + '<p id="feed-status" class="feed-status" role="status">connecting to the live feed…</p>'
        + f"{sign_out}</header>\n<main>\n{counts}{controls}\n"
        + '<p id="page-error" class="page-error" role="alert"></p>\n'
        + f'<section id="stories" aria-label="people">\n{rows}</section>\n'
        + f'<p id="no-stories" class="no-stories"{"" if not stories else " hidden"}>No one to show.</p>\n'
        + "</main>\n"
        + '<script src="/offices/assets/office.js"></script>\n'
        + "</body>\n</html>\n"
    )


def render_sign_in(office: str, *, message: str | None = None) -> str:
    """The sign-in form: the office's API key, kept in a cookie scripts cannot read."""
    office_text = escape(office)
    notice = f'<p class="page-error" role="alert">{escape(message)}</p>' if message else ""
    return (
        html_head(f"releasewatch · sign in · {office_text}", stylesheet="/offices/assets/office.css")
        + f'<body>\n<main class="sign-in">\n<h1>Field office {office_text}</h1>\n{notice}'
        + f'<form method="post" action="/offices/{office_text}/sign-in">'
        + '<label for="api_key">API key of the office (or an operator)</label> '
        + '<input id="api_key" name="api_key" type="password" autocomplete="current-password" required> '
        + '<button type="submit">Sign in</button></form>\n'
        + "<p>The key is kept in a cookie for this browser session only, unreadable by scripts.</p>\n"
        + "</main>\n</body>\n</html>\n"
    )
