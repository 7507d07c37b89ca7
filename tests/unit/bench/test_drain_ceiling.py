"""The drain read beside what its processes' CPU allows: the figures a reader of `make bench` judges it by."""

from __future__ import annotations

import pytest
from bench.end_to_end import Results, busiest_bound, cpu_ceiling


def test_the_ceiling_is_the_cores_over_every_process_cpu_an_event() -> None:
    # 0.230 ms of CPU an event in all: two cores busy allow about 8,700 events a second.
    cpu = {"ingest": 0.030, "notifier": 0.137, "redis": 0.063}

    assert cpu_ceiling(cpu, cores=2) == pytest.approx(2000 / 0.230)
    assert cpu_ceiling(cpu, cores=1) == pytest.approx(1000 / 0.230)
    assert cpu_ceiling({}, cores=2) == 0.0  # nothing counted: no ceiling to read a share of
    assert cpu_ceiling({"notifier": 0.0}, cores=2) == 0.0


def test_the_busiest_process_bounds_the_drain_on_the_one_core_it_can_use() -> None:
    name, bound = busiest_bound({"ingest": 0.030, "notifier": 0.137, "redis": 0.063})

    assert name == "notifier"
    assert bound == pytest.approx(1000 / 0.137)  # about 7,300 events a second
    assert busiest_bound({}) == ("", 0.0)


def test_the_printed_drain_says_its_share_of_the_ceiling(capsys: pytest.CaptureFixture[str]) -> None:
    cpu = {"ingest": 0.030, "notifier": 0.137, "redis": 0.063}
    results = Results(
        drained_per_second=6_047,
        drain_cpu_ms_per_event=cpu,
        cores=2,
        drain_cpu_ceiling_per_second=cpu_ceiling(cpu, 2),
        drain_of_cpu_ceiling=6_047 / cpu_ceiling(cpu, 2),
    )

    results.print()

    printed = " ".join(capsys.readouterr().out.split())
    assert "at most 8,696 events/s with 2 cores busy, drained at 0.70x of it" in printed
    assert "(notifier alone on one core: at most 7,299/s)" in printed
