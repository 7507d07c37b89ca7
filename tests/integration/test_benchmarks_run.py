"""`make bench` keeps working: every benchmark runs end to end at a tiny size.

Nothing here looks at timings; it only checks that each benchmark still
runs against the current code and reports a comparison.
"""

from __future__ import annotations

import pytest
from bench import ingest_publish, notifier_process


async def test_every_benchmark_runs_and_reports_a_ratio(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for module, sizes in (
        (ingest_publish, {"BATCH_EVENTS": 60, "SINGLE_EVENTS": 10, "API_EVENTS": 30, "CHUNK": 25}),
        (notifier_process, {"EVENTS": 60, "DETAINERS": 5, "BATCH": 25}),
    ):
        for name, value in sizes.items():
            monkeypatch.setattr(module, name, value)

    comparisons = await ingest_publish.run(redis_url) + await notifier_process.run(redis_url)

    assert len(comparisons) == 4
    assert all(comparison.ours > 0 and comparison.baseline > 0 for comparison in comparisons)
