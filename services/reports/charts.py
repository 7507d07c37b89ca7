"""The report's two charts, drawn by matplotlib to SVG text that the page inlines (nothing is fetched).

Drawn on a ``Figure`` of its own, never through pyplot's global state, so two
reports rendered at once (two requests) cannot draw on each other. Text stays
text in the SVG (selectable, crisp in print), and the output is the same for the
same report (no date, fixed ids).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reports.model import OutcomeReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["facility_bars_svg", "lead_time_svg"]

# Okabe-Ito: told apart by readers with any common colour-vision deficiency, and in greyscale print by order.
ENOUGH_NOTICE = "#009E73"
SHORT_NOTICE = "#56B4E9"
NO_NOTICE_POLICY = "#CC79A7"
NO_NOTICE_SILENT = "#E69F00"
NO_NOTICE_ROSTER = "#F0E442"
NO_NOTICE_UNREPORTED = "#D55E00"
TEXT = "#222222"

_RC: dict[str, Any] = {
    "svg.fonttype": "none",  # text as text
    "svg.hashsalt": "releasewatch-outcome-report",  # stable element ids
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.edgecolor": TEXT,
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(draw: Callable[[Figure], None]) -> str:
    from matplotlib import rc_context  # imported when a page is drawn: the services start without it
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with rc_context(_RC):  # type: ignore[arg-type]  # matplotlib types the keys as a Literal of every setting
        figure = Figure(figsize=(7.5, 2.8), layout="constrained")
        FigureCanvasSVG(figure)
        draw(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: without the XML declaration and doctype


def lead_time_svg(report: OutcomeReport) -> str:
    """Releases by hours of notice, after a bar of the releases with none."""

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        labels = ["no notice", *(bin_.label for bin_ in report.lead_times)]
        counts = [report.total.releases_without_notice, *(bin_.releases for bin_ in report.lead_times)]
        colours = [NO_NOTICE_UNREPORTED] + [
            ENOUGH_NOTICE if bin_.from_hours >= 48 else SHORT_NOTICE for bin_ in report.lead_times
        ]
        bars = axes.bar(labels, counts, color=colours)
        axes.bar_label(bars, padding=2)
        axes.set_ylabel("releases")
        axes.set_xlabel("hours of notice before the release")
        axes.set_title("Notice before release", loc="left", fontweight="bold")
        axes.margins(y=0.15)

    return _svg(draw)


def facility_bars_svg(report: OutcomeReport) -> str:
    """Per facility (by ORI): its releases, by notice and, without notice, by why."""

    def draw(figure: Figure) -> None:
        rows = [row for row in report.facilities if row.releases] or []
        figure.set_size_inches(7.5, max(1.6, 0.38 * len(rows) + 1.1))
        axes = figure.add_subplot()
        oris = [row.facility_ori for row in rows][::-1]
        ordered = rows[::-1]
        parts = (
            ("notice 48 h or more", ENOUGH_NOTICE, [r.notice_at_least_48h for r in ordered]),
            ("notice under 48 h", SHORT_NOTICE, [r.releases_with_notice - r.notice_at_least_48h for r in ordered]),
            (
                "no notice: withheld by policy",
                NO_NOTICE_POLICY,
                [sum(r.why_no_notice.withheld_by_policy.values()) for r in ordered],
            ),
            ("no notice: feed silent", NO_NOTICE_SILENT, [r.why_no_notice.feed_silent for r in ordered]),
            ("no notice: roster inferred", NO_NOTICE_ROSTER, [r.why_no_notice.roster_inferred for r in ordered]),
            (
                "no notice: no schedule reported",
                NO_NOTICE_UNREPORTED,
                [r.why_no_notice.no_schedule_reported for r in ordered],
            ),
        )
        left = [0] * len(ordered)
        for label, colour, values in parts:
            axes.barh(oris, values, left=left, color=colour, label=label, edgecolor="white", linewidth=0.5)
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_xlabel("releases")
        axes.set_title("Releases per facility (ORI)", loc="left", fontweight="bold")
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        if not rows:
            axes.text(0.5, 0.5, "no releases in the period", ha="center", va="center", transform=axes.transAxes)
            axes.set_yticks([])

    return _svg(draw)
