"""The latency of the end-to-end run against the load offered, drawn as an SVG beside the results."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: draw to a file

import matplotlib.pyplot as plt

from bench.end_to_end import Results

__all__ = ["LATENCY_PLOT", "plot_latency"]

LATENCY_PLOT = Path(__file__).parent / "results" / "latency.svg"


def plot_latency(results: Results, target: Path = LATENCY_PLOT) -> Path:
    """p50 and p99 from POST to the alert on the live feed, and the bare XREAD's, per offered load."""
    runs = sorted(results.latency, key=lambda run: run.offered_per_second)
    loads = [run.offered_per_second for run in runs]
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot(loads, [run.p99_ms for run in runs], "o-", color="#b00020", label="POST -> live-feed alert, p99")
    axes.plot(loads, [run.p50_ms for run in runs], "o-", color="#1f4e79", label="POST -> live-feed alert, p50")
    axes.plot(loads, [run.baseline_p99_ms for run in runs], "s--", color="#999999", label="POST -> bare XREAD, p99")
    axes.plot(loads, [run.baseline_p50_ms for run in runs], "s:", color="#999999", label="POST -> bare XREAD, p50")
    axes.set_xscale("log")
    axes.set_xticks(loads, [f"{load:,}" for load in loads])
    axes.set_xlabel("events offered per second (open loop)")
    axes.set_ylabel("milliseconds")
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title("Latency against offered load")
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})  # no timestamp: the file changes only with data
    plt.close(figure)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(buffer.getvalue())
    return target
