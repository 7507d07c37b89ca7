"""The outcome report as one HTML page: the totals, two charts (inline SVG), a table per facility (by ORI), and
how the figures are counted. Self-contained (no script, no font, nothing fetched) and laid out for print."""

from __future__ import annotations

from html import escape

from contracts import LiftReason
from reports.charts import facility_bars_svg, lead_time_svg
from reports.model import OutcomeReport, Outcomes

__all__ = ["report_html"]

_STYLE = """
:root { color: #222; font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
body { margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #bbb; padding-bottom: .15rem; }
.scope { color: #555; margin: 0 0 1rem; }
.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr)); gap: .5rem; margin: 0; }
.totals div { border: 1px solid #ccc; border-radius: 4px; padding: .4rem .6rem; }
.totals dt { font-size: .8rem; color: #555; }
.totals dd { margin: 0; font-size: 1.3rem; font-weight: 600; }
.charts { display: grid; grid-template-columns: 1fr; gap: .8rem; }
figure { margin: 0; }
figure svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: .2rem .45rem; text-align: right; }
th:first-child, td:first-child { text-align: left; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
thead th { border-bottom: 2px solid #888; vertical-align: bottom; font-size: .85rem; }
tr.total td { border-top: 2px solid #888; font-weight: 600; }
.empty { color: #777; font-style: italic; }
.how li { margin: .2rem 0; }
@page { size: letter landscape; margin: 12mm; }
@media print {
  :root { font-size: 9pt; }
  body { margin: 0; max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, .totals div, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  section { break-inside: auto; }
  .charts { grid-template-columns: 1fr 1fr; }
}
"""


def _number(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def _cells(values: list[str]) -> str:
    return "".join(f"<td>{escape(value)}</td>" for value in values)


def _table(head: list[str], rows: list[tuple[str, list[str]]], total: list[str]) -> str:
    if not rows:
        return '<p class="empty">Nothing in the period.</p>'
    header = "".join(f'<th scope="col">{escape(name)}</th>' for name in head)
    body = "".join(f"<tr><td>{escape(ori)}</td>{_cells(values)}</tr>" for ori, values in rows)
    return (
        f"<table><thead><tr>{header}</tr></thead><tbody>{body}"
        f'<tr class="total"><td>total</td>{_cells(total)}</tr></tbody></table>'
    )


def _releases(o: Outcomes) -> list[str]:
    return [
        _number(o.detainers_matched),
        _number(o.bookings_matched),
        _number(o.releases),
        _number(o.releases_with_notice),
        _number(o.notice_at_least_48h),
        _number(o.notice_lead_hours_median),
        _number(o.releases_without_notice),
        _number(o.transferred),
        _number(o.custody_assumed),
        _number(o.possible_matches_confirmed),
        _number(o.possible_matches_rejected),
    ]


def _no_notice(o: Outcomes, rules: list[str]) -> list[str]:
    return [
        *(_number(o.why_no_notice.withheld_by_policy.get(rule, 0)) for rule in rules),
        _number(o.why_no_notice.feed_silent),
        _number(o.why_no_notice.roster_inferred),
        _number(o.why_no_notice.no_schedule_reported),
    ]


def _lifts(o: Outcomes) -> list[str]:
    return [_number(o.detainers_lifted.get(reason.value, 0)) for reason in LiftReason]


def _feed(o: Outcomes, rules: list[str]) -> list[str]:
    return [
        _number(o.feed.events_rejected),
        _number(o.feed.events_accepted_late),
        _number(o.feed.roster_discrepancies),
        _number(o.feed.hours_silent),
        _number(o.feed.surges_held),
        *(_number(o.events_withheld_by_policy.get(rule, 0)) for rule in rules),
    ]


def _scope_words(report: OutcomeReport) -> str:
    scope = report.scope
    parts = [f"{scope.period_from.isoformat()} to {scope.period_to.isoformat()} (both days included)"]
    parts.append("states: " + (", ".join(scope.states) if scope.states else "all"))
    parts.append("facilities: " + (", ".join(scope.facility_oris) if scope.facility_oris else "all"))
    parts.append("field office: " + (scope.field_office or "all"))
    parts.append(f"generated {report.generated_at.isoformat(timespec='minutes')}")
    return " · ".join(parts)


_HOW = """
<ul class="how">
<li>Facilities are named by ORI only: two counties may share a name, never an ORI.</li>
<li>A release counts with notice when its release schedule was known at the facility before the person left; the
lead time runs from then to the release.</li>
<li>A transfer is never a decline: a matched booking transferred out (or released with the reason
<em>transfer</em>) counts as transferred where it left, and what follows counts where the person went.</li>
<li>A detainer lifted, or whose subject was taken into custody, counts where its subject was last known then
(followed through transfers); one never matched counts where it was lodged, else in the total only.</li>
<li>Each release without notice has one reason, the first that applies: the schedule was withheld by a sharing
policy (by rule), the feed was silent when the person left, no release was reported (inferred from a roster),
no schedule was reported.</li>
<li>Alerts of a surge an operator discarded as a data error, and matches found not to be the person, count
nowhere. Each detainer, booking and release counts once in the total, though it may appear in two facilities'
rows (a transfer).</li>
<li>A record counts in the period when the day it happened, at the facility's own clock, falls within it.</li>
</ul>
"""


def report_html(report: OutcomeReport) -> str:
    """The page, every value escaped."""
    total = report.total
    facilities = list(report.facilities)
    policy_rules = sorted({r for o in (*facilities, total) for r in o.why_no_notice.withheld_by_policy})
    withheld_rules = sorted({r for o in (*facilities, total) for r in o.events_withheld_by_policy})
    totals = [
        ("detainers matched", _number(total.detainers_matched)),
        ("bookings matched", _number(total.bookings_matched)),
        ("releases", _number(total.releases)),
        ("with notice", _number(total.releases_with_notice)),
        ("notice 48 h or more", _number(total.notice_at_least_48h)),
        ("median notice (h)", _number(total.notice_lead_hours_median)),
        ("without notice", _number(total.releases_without_notice)),
        ("transferred", _number(total.transferred)),
        ("custody assumed", _number(total.custody_assumed)),
    ]
    release_head = [
        "facility (ORI)",
        "detainers matched",
        "bookings matched",
        "releases",
        "with notice",
        "notice ≥ 48 h",
        "median notice (h)",
        "without notice",
        "transferred",
        "custody assumed",
        "possible matches confirmed",
        "rejected",
    ]
    no_notice_head = [
        "facility (ORI)",
        *(f"withheld by policy: {rule}" for rule in policy_rules),
        "feed silent",
        "roster inferred",
        "no schedule reported",
    ]
    lift_head = ["facility (ORI)", *(reason.value.replace("_", " ") for reason in LiftReason)]
    feed_head = [
        "facility (ORI)",
        "events rejected",
        "accepted late",
        "roster discrepancies",
        "hours silent",
        "surges held",
        *(f"withheld: {rule}" for rule in withheld_rules),
    ]
    unattributed = ""
    if report.unattributed_detainers_lifted:
        listed = ", ".join(
            f"{escape(reason)} {count:,}" for reason, count in report.unattributed_detainers_lifted.items()
        )
        unattributed = f"<p>Lifted, never matched and lodged with no facility (in no row): {listed}.</p>"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>releasewatch outcome report {escape(report.scope.period_from.isoformat())} to \
{escape(report.scope.period_to.isoformat())}</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>Outcome report</h1>
<p class="scope">{escape(_scope_words(report))}</p>
</header>
<dl class="totals">{"".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in totals)}</dl>
<section class="charts">
<figure aria-label="Releases by hours of notice">{lead_time_svg(report)}</figure>
<figure aria-label="Releases per facility by notice">{facility_bars_svg(report)}</figure>
</section>
<section>
<h2>Detainers, releases and notice, per facility</h2>
{_table(release_head, [(o.facility_ori, _releases(o)) for o in facilities], _releases(total))}
</section>
<section>
<h2>Why a release had no notice</h2>
{
        _table(
            no_notice_head,
            [(o.facility_ori, _no_notice(o, policy_rules)) for o in facilities if o.releases_without_notice],
            _no_notice(total, policy_rules),
        )
    }
</section>
<section>
<h2>Detainers lifted, by reason, where the person was</h2>
{_table(lift_head, [(o.facility_ori, _lifts(o)) for o in facilities if o.detainers_lifted], _lifts(total))}
{unattributed}
</section>
<section>
<h2>Data quality per feed</h2>
{_table(feed_head, [(o.facility_ori, _feed(o, withheld_rules)) for o in facilities], _feed(total, withheld_rules))}
</section>
<section>
<h2>How the figures are counted</h2>
{_HOW}
</section>
</body>
</html>
"""
