"""`make bench-match`: fit on one half, report on the other, beside Splink; then speed and memory at scale.

Writes ``bench/results/match.md`` and ``bench/results/match.json``. Steps:

1. fit the weights and thresholds on the fit half (``bench/match/fit.py``,
   writing the shipped ``weights.json``), unless ``--no-fit``;
2. on the report half of each data set, with and without identifiers: our
   decisions (exactly as the notifier makes them) and Splink's;
3. decision time and memory with 10,000 / 100,000 / 1,000,000 active detainers
   on a throwaway Redis (``--no-speed`` skips it; ``--scales`` changes it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import time
from pathlib import Path
from typing import Any

from bench.harness import throwaway_redis
from bench.match import fit as fitting
from bench.match import speed
from bench.match.evaluate import PREVALENCE, evaluate
from bench.match.febrl import febrl_dataset
from bench.match.generator import synthetic_dataset
from bench.match.report import render
from bench.match.rows import Dataset
from bench.match.splink_reference import splink_reference
from notifier.matching import MatchModel, fitted_model

RESULTS = Path(__file__).resolve().parents[1] / "results"


def _variants() -> list[tuple[str, Dataset, bool]]:
    """(label, report-half variant, refused): each data set with and without identifiers. FEBRL as
    shipped holds records the API refuses (no given name, surname or valid date of birth): its
    precision and recall are reported, but what is found and sent to review is judged on FEBRL as the
    service would see it, the records the API accepts (``refused`` marks the other)."""
    febrl, synthetic = febrl_dataset(), synthetic_dataset()
    accepted = f"{febrl.name}, records the API accepts"
    febrl_half, synthetic_half = febrl.half(1), synthetic.half(1)
    labelled = [
        (febrl.name, febrl_half, True),
        (accepted, febrl_half.accepted_by_api(), False),
        (synthetic.name, synthetic_half, False),
    ]
    return [
        (label, variant, refused) for label, half, refused in labelled for variant in (half, half.without_identifiers())
    ]


def accuracy(model: MatchModel) -> list[dict[str, Any]]:
    rows = []
    for label, variant, refused in _variants():
        started = time.perf_counter()
        ours = evaluate(variant, model=model)
        ours_seconds = time.perf_counter() - started
        started = time.perf_counter()
        reference = splink_reference(variant)
        rows.append(
            {
                "data": label,
                "identifiers": variant.has_identifiers,
                "refused_records": refused,
                "ours": ours.summary(),
                "splink": reference.summary(),
                "seconds": {"ours": round(ours_seconds, 1), "splink": round(time.perf_counter() - started, 1)},
            }
        )
        print(
            f"  {variant.name}: precision at the field's mix {ours.auto_precision_at_mix:.5f}, "
            f"auto recall {ours.auto_recall:.4f} (ceiling {ours.hard_rule_ceiling:.4f}), found {ours.found_recall:.4f}",
            flush=True,
        )
    return rows


def conflicts(model: MatchModel) -> list[dict[str, Any]]:
    """The subjects' own bookings, each with another A-number (or FBI number) than its detainer's."""
    half = synthetic_dataset().half(1)
    rows = []
    for field_name in ("a_number", "fbi_number"):
        variant = half.with_conflicting_numbers(field_name)
        ours = evaluate(variant, model=model)
        rows.append({"data": variant.name, "field": field_name, "ours": ours.summary()})
        print(f"  {variant.name}: {ours.auto_true + ours.auto_false} automatic, found {ours.found_recall:.4f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-fit", action="store_true", help="report with the shipped weights as they are")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--scales", default=",".join(str(scale) for scale in speed.SCALES))
    arguments = parser.parse_args()
    logging.disable(logging.WARNING)
    started = time.perf_counter()
    if not arguments.no_fit:
        print("fitting on the fit half ...", flush=True)
        fitting.write(fitting.fit(fitting.fit_halves()))
        fitted_model.cache_clear()
    model = fitted_model()
    print(f"thresholds: {dict(model.thresholds)}; reporting on the other half ...", flush=True)
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count()},
        "prevalence": PREVALENCE,
        "thresholds": dict(model.thresholds),
        "accuracy": accuracy(model),
        "conflicts": conflicts(model),
    }
    if not arguments.no_speed:
        scales = tuple(int(scale) for scale in arguments.scales.split(","))
        print(f"speed and memory at {scales} active detainers ...", flush=True)
        with throwaway_redis() as (url, _):
            results["speed"] = asyncio.run(speed.run(url, scales))
    results["seconds"] = round(time.perf_counter() - started)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "match.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    markdown = render(results)
    (RESULTS / "match.md").write_text(markdown, encoding="utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
