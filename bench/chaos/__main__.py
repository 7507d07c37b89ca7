"""`make chaos` (`python -m bench.chaos [scenario ...]`): break things mid-feed, count what users see.

Runs every scenario (or those named) at full scale, each on its own Redis and
processes in a temporary directory, prints one row per scenario and exits 1
if any failed. A failed scenario's directory (process logs, Redis files) is
kept and its path printed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.chaos.feed import FULL, SMALL
from bench.chaos.scenarios import SCENARIOS, ScenarioReport, run_scenario

COLUMNS = (
    "scenario",
    "events sent",
    "accepted (202)",
    "expected alerts",
    "seen alerts",
    "duplicates",
    "lost",
    "unexpected",
    "dead letters",
    "lost events",
    "seconds",
    "result",
)


def table(reports: list[ScenarioReport], *, title: str) -> Table:
    grid = Table(title=title)
    for column in COLUMNS:
        text = column in {"scenario", "result"}
        grid.add_column(column, justify="left" if text else "right", no_wrap=text)
    for r in reports:
        grid.add_row(
            r.scenario,
            f"{r.events_sent:,}",
            f"{r.accepted:,}",
            f"{r.expected_alerts:,}",
            f"{r.seen_alerts:,}",
            str(r.duplicates),
            str(r.lost),
            str(r.unexpected),
            f"{r.dead_letters} of {r.expected_dead_letters}",
            str(r.lost_events),
            f"{r.seconds:.1f}",
            "[green]PASS[/green]" if r.passed else "[bold red]FAIL[/bold red]",
        )
    return grid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", choices=[[], *SCENARIOS], metavar="scenario", help=", ".join(SCENARIOS))
    parser.add_argument("--small", action="store_true", help="the test suite's scale (about 600 events)")
    parser.add_argument("--keep", action="store_true", help="keep every scenario's directory, passed or not")
    args = parser.parse_args(argv)
    names = args.scenarios or list(SCENARIOS)
    scale = SMALL if args.small else FULL

    console = Console(width=160)
    started = time.monotonic()
    reports: list[ScenarioReport] = []
    root = Path(tempfile.mkdtemp(prefix="rw-chaos-"))
    for name in names:
        console.print(f"[bold]{name}[/bold] ...")
        report = run_scenario(name, root, scale)
        reports.append(report)
        for key, value in report.facts.items():
            console.print(f"  {key}: {value}")
        for problem in report.problems:
            console.print(f"  [red]problem:[/red] {problem}")
        for sample in report.samples:
            console.print(f"  [yellow]{sample}[/yellow]")
        if not report.passed and report.workdir is not None:
            console.print(f"  logs and Redis files kept in {report.workdir}")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    console.print(table(reports, title=f"releasewatch fault tests ({when}, {time.monotonic() - started:.0f} s)"))
    failed = [r for r in reports if not r.passed]
    if not failed and not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
