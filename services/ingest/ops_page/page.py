"""The operators' page as HTML: queues, dead letters, feeds and rosters, and the frame the rate charts draw in.

Pure: functions of what the store reports. Every value that comes from data is escaped here, and only here;
the page's script fetches the panel rendered by these same functions (``render_panel``) to stay live, and
draws the rate charts from the counters the panel carries as data attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from contracts import NOTIFIER_GROUP, RosterReport
from contracts.feeds import FeedHealth, FeedStatus
from ingest.browser_session import html_head
from runtime.clock import epoch_ms
from store.dead_letters import DeadLetterView
from store.queues import QueueReport, StreamView

__all__ = ["OpsView", "render_ops_page", "render_ops_sign_in", "render_panel"]


_STREAM_LABELS = {
    "custody_events": "custody events",
    "detainer_changes": "detainer changes",
    "alerts_raised": "alerts",
    "alert_reviews": "reviews",
    "dead_letters": "dead letters",
}
_PENDING_TOO_LONG = 60.0  # seconds: an entry delivered and not acknowledged for this long is worth a look
_LAG_HIGH = 1000  # entries not yet delivered: the consumers are falling behind


@dataclass(frozen=True, slots=True)
class OpsView:
    """Everything the panel shows, read at ``now``."""

    queues: QueueReport
    dead_letters: Sequence[DeadLetterView]
    feeds: Sequence[FeedHealth]
    rosters: Sequence[RosterReport]
    now: datetime


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def _since(moment: datetime, now: datetime) -> str:
    return _age(max(0.0, (now - moment).total_seconds())) + " ago"


def _stream(report: QueueReport, role: str) -> StreamView | None:
    return next((stream for stream in report.streams if stream.role == role), None)


def _counter(value: int | None) -> str:
    return "" if value is None else str(value)


def _rate_attributes(report: QueueReport, now: datetime) -> str:
    """What the charts are drawn from: custody entries appended and read by the notifiers, alerts appended."""
    custody = _stream(report, "custody_events")
    alerts = _stream(report, "alerts_raised")
    notifier = next((g for g in custody.groups if g.name == NOTIFIER_GROUP), None) if custody else None
    return (
        f' data-at="{epoch_ms(now)}"'
        f' data-custody-added="{_counter(custody.entries_added if custody else None)}"'
        f' data-custody-read="{_counter(notifier.entries_read if notifier else None)}"'
        f' data-alerts-added="{_counter(alerts.entries_added if alerts else None)}"'
    )


def _queues(report: QueueReport) -> str:
    rows: list[str] = []
    for stream in report.streams:
        label = escape(_STREAM_LABELS.get(stream.role, stream.role))
        if not stream.groups:
            rows.append(
                f'<tr data-stream="{escape(stream.role)}"><td>{label}</td><td class="n">{stream.length}</td>'
                '<td>-</td><td class="n">-</td><td class="n">-</td><td>-</td><td>-</td></tr>'
            )
        for group in stream.groups:
            late = (group.oldest_pending_age_seconds or 0) >= _PENDING_TOO_LONG
            behind = group.lag >= _LAG_HIGH
            consumers = ", ".join(
                f"{escape(c.name)} ({c.pending} pending, idle {_age(c.idle_seconds)})" for c in group.consumers
            )
            lag = f"{group.lag}" + (" (counted)" if group.lag_counted else "")
            warn = ' class="warn"' if late or behind else ""
            rows.append(
                f'<tr data-stream="{escape(stream.role)}" data-group="{escape(group.name)}"{warn}>'
                f'<td>{label}</td><td class="n">{stream.length}</td><td>{escape(group.name)}</td>'
                f'<td class="n lag">{lag}</td><td class="n pending">{group.pending}</td>'
                f'<td class="oldest">{_age(group.oldest_pending_age_seconds)}</td><td>{consumers or "-"}</td></tr>'
            )
    return (
        '<section id="queues"><h2>Streams and consumer groups</h2>'
        "<table><thead><tr><th>stream</th><th>length</th><th>group</th><th>lag</th><th>pending</th>"
        "<th>oldest pending</th><th>consumers</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _dead_letters(views: Sequence[DeadLetterView], open_count: int, now: datetime) -> str:
    if not views:
        return '<section id="dead-letters"><h2>Dead letters</h2><p class="quiet">None waiting.</p></section>'
    rows: list[str] = []
    for view in views:
        letter = view.dead_letter
        entry_id = escape(view.id)
        fields = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in letter.fields.items())
        rows.append(
            f'<li class="dead-letter" data-id="{entry_id}">'
            f'<div class="what"><span class="id">{entry_id}</span> from <b>{escape(letter.stream)}</b> '
            f"({escape(letter.group)}), {_attempts(letter.attempts)}, {_since(letter.dead_lettered_at, now)}: "
            f'<span class="reason">{escape(letter.reason)}</span></div>'
            f"<details><summary>Show the message</summary><dl>{fields}</dl></details>"
            f'<div class="actions"><button type="button" data-action="replay" data-id="{entry_id}">Replay</button> '
            f'<input type="text" class="reason-input" aria-label="Why discard {entry_id}" maxlength="1000" '
            'placeholder="why it will not be processed"> '
            f'<button type="button" data-action="discard" data-id="{entry_id}">Discard</button></div></li>'
        )
    shown = f'<p class="quiet">The newest {len(views)} of {open_count}.</p>' if len(views) < open_count else ""
    return (
        f'<section id="dead-letters"><h2>Dead letters <span class="count">{open_count} open</span></h2>'
        f'<ul class="dead-letters">{"".join(rows)}</ul>{shown}</section>'
    )


def _hold(feed: FeedHealth, now: datetime) -> str:
    hold = feed.hold
    if hold is None:
        return "-"
    ori = escape(feed.facility_ori)
    if hold.decision is not None:
        return (
            f"held {_since(hold.since, now)}: {escape(hold.decision.action)}, decided by "
            f"{escape(hold.decision.by)}, carried out at the next check"
        )
    return (
        f'<div class="hold" data-ori="{ori}">{feed.held_alerts} alerts held {_since(hold.since, now)}: '
        f"{escape(hold.reason)}<br>"
        f'<input type="text" class="note-input" aria-label="What you found out about {ori}" maxlength="1000" '
        'placeholder="what you found out"> '
        f'<button type="button" data-action="deliver" data-ori="{ori}">Deliver</button> '
        f'<button type="button" data-action="discard-hold" data-ori="{ori}">Discard as a data error</button></div>'
    )


def _feeds(feeds: Sequence[FeedHealth], now: datetime) -> str:
    if not feeds:
        return '<section id="feeds"><h2>Feeds</h2><p class="quiet">No feed was judged yet.</p></section>'
    counts = {status: sum(1 for feed in feeds if feed.status is status) for status in FeedStatus}
    summary = ", ".join(f"{counts[status]} {status.value}" for status in FeedStatus if counts[status])
    rows = "".join(
        f'<tr class="status-{feed.status.value}" data-ori="{escape(feed.facility_ori)}">'
        f'<td>{escape(feed.facility_ori)}</td><td class="status">{escape(feed.status.value)}</td>'
        f"<td>{escape(feed.reason)}</td><td>{_since(feed.last_sent_at, now)}</td>"
        f'<td class="n">{feed.entries_last_24h}</td><td>{_hold(feed, now)}</td></tr>'
        for feed in feeds
    )
    return (
        f'<section id="feeds"><h2>Feeds <span class="count">{escape(summary)}</span></h2>'
        "<table><thead><tr><th>facility</th><th>status</th><th>why</th><th>last sent</th><th>last 24 h</th>"
        f"<th>hold</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _rosters(reports: Sequence[RosterReport], now: datetime) -> str:
    if not reports:
        return '<section id="rosters"><h2>Latest rosters</h2><p class="quiet">No roster processed yet.</p></section>'
    rows = "".join(
        f'<tr data-ori="{escape(report.facility_ori)}"><td>{escape(report.facility_ori)}</td>'
        f"<td>{escape(report.roster_id)}</td><td>{_since(report.as_of, now)}</td>"
        f'<td class="n">{report.listed}</td><td class="n released">{report.released}</td>'
        f'<td class="n">{report.unknown}</td><td class="n">{report.listed_after_leaving}</td></tr>'
        for report in reports
    )
    return (
        '<section id="rosters"><h2>Latest rosters</h2>'
        "<table><thead><tr><th>facility</th><th>roster</th><th>as of</th><th>listed</th>"
        "<th>released (inferred)</th><th>unknown</th><th>listed after leaving</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def render_panel(view: OpsView) -> str:
    """The live part of the page: what the script fetches again every few seconds."""
    return (
        f'<div id="panel"{_rate_attributes(view.queues, view.now)}>'
        + _queues(view.queues)
        + _dead_letters(view.dead_letters, view.queues.dead_letters_open, view.now)
        + _feeds(view.feeds, view.now)
        + _rosters(view.rosters, view.now)
        + "</div>"
    )


def _chart(chart_id: str, title: str, series: Sequence[tuple[str, str]]) -> str:
    legend = "".join(f'<span class="key {css}">{escape(name)}</span>' for name, css in series)
    return (
        f'<figure class="chart"><figcaption>{escape(title)} {legend}</figcaption>'
        f'<svg id="{chart_id}" viewBox="0 0 300 80" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(title)} per minute"></svg>'
        f'<p class="latest" id="{chart_id}-latest">measuring…</p></figure>'
    )


def render_ops_page(view: OpsView, *, every_seconds: float, signed_in_by_cookie: bool) -> str:
    sign_out = (
        '<form method="post" action="/ops/sign-out"><button type="submit">Sign out</button></form>'
        if signed_in_by_cookie
        else ""
    )
    return (
        html_head("releasewatch · operations", stylesheet="/ops/assets/ops.css")
        + "<body>\n<header><h1>releasewatch operations</h1>"
        + '<nav><a href="/metrics">metrics</a> <a href="/docs">API</a> <a href="/asyncapi">streams (AsyncAPI)</a></nav>'
        + f'<p id="live" class="feed-status">every {every_seconds:g} s</p>{sign_out}</header>\n'
        + f'<main id="ops" data-every-ms="{int(every_seconds * 1000)}">'
        + '<p id="page-error" class="page-error" role="alert"></p>'
        + '<section id="rates"><h2>Per minute, since this page opened</h2><div class="charts">'
        + _chart("chart-custody", "custody events", [("accepted", "accepted"), ("processed", "processed")])
        + _chart("chart-alerts", "alerts raised", [("raised", "raised")])
        + "</div></section>\n"
        + render_panel(view)
        + '</main>\n<script src="/ops/assets/ops.js"></script>\n</body>\n</html>\n'
    )


def render_ops_sign_in(*, message: str | None = None) -> str:
    """The sign-in form: an operator's API key, kept in a cookie scripts cannot read."""
    notice = f'<p class="page-error" role="alert">{escape(message)}</p>' if message else ""
    return (
        html_head("releasewatch · operations · sign in", stylesheet="/ops/assets/ops.css")
        + f'<body>\n<main class="sign-in">\n<h1>releasewatch operations</h1>\n{notice}'
        + '<form method="post" action="/ops/sign-in">'
        + '<label for="api_key">An operator\'s API key</label> '
        + '<input id="api_key" name="api_key" type="password" autocomplete="current-password" required> '
        + '<button type="submit">Sign in</button></form>\n'
        + "<p>The key is kept in a cookie for this browser session only, unreadable by scripts.</p>\n"
        + "</main>\n</body>\n</html>\n"
    )
