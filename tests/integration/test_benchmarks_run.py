"""`make bench` keeps working: every benchmark runs end to end at a tiny size.

Nothing here looks at timings; it only checks that each benchmark still
runs against the current code and reports a comparison.
"""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from bench import (
    end_to_end,
    faststream_naive,
    harness,
    ingest_publish,
    instructions,
    memory,
    notifier_process,
    profile_ingest,
    profile_notifier,
    state_formats,
)
from bench.plot import plot_latency

from tests.support.collector import collect_quietly


@pytest.fixture(autouse=True)
def collector_as_it_was() -> Iterator[None]:
    """The notifier's benchmarks settle the heap as the notifier does (a full collection first): what earlier
    tests left for the collector is collected before, what the benchmarks leave after; the rest of the suite
    collects as before."""
    thresholds = gc.get_threshold()
    collect_quietly()
    yield
    collect_quietly()
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_every_benchmark_runs_and_reports_a_ratio(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for module, sizes in (
        (ingest_publish, {"BATCH_EVENTS": 60, "SINGLE_EVENTS": 10, "API_EVENTS": 30, "CHUNK": 25, "POLICY_EVENTS": 30}),
        (notifier_process, {"EVENTS": 60, "DETAINERS": 5, "BATCH": 25}),
    ):
        for name, value in sizes.items():
            monkeypatch.setattr(module, name, value)

    comparisons = await ingest_publish.run(redis_url) + await notifier_process.run(redis_url)

    assert len(comparisons) == 5
    assert all(comparison.ours > 0 and comparison.baseline > 0 for comparison in comparisons)
    # Every run's rate is kept, the best is the headline figure, and the table's JSON carries them all.
    processing = comparisons[-1]
    assert len(processing.ours_runs) == len(processing.baseline_runs) == notifier_process.REPEAT
    assert processing.ours == max(processing.ours_runs)
    saved = json.loads(harness.save(comparisons, tmp_path / "benchmarks.json").read_text())
    assert [row["name"] for row in saved] == [comparison.name for comparison in comparisons]
    assert saved[-1]["ours_runs"] == list(processing.ours_runs)
    assert saved[-1]["median_ratio"] == processing.median_ratio


async def test_a_comparison_runs_ours_and_the_baseline_in_turn_and_keeps_the_medians() -> None:
    order: list[str] = []

    def side(name: str, units: int) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Awaitable[int]]]:
        async def run(prepared: int) -> int:
            order.append(name)
            return prepared

        async def prepare() -> int:
            return units

        return run, prepare

    comparison = await harness.compare("x", "events", side("ours", 10), "bare", side("bare", 100), repeat=3)

    assert order == ["ours", "bare"] * 3
    assert len(comparison.ours_runs) == len(comparison.baseline_runs) == 3
    assert comparison.median_ratio == sorted(comparison.ours_runs)[1] / sorted(comparison.baseline_runs)[1]
    assert harness.Comparison("y", "events", 2.0, "b", 4.0).median_ratio is None  # one run (end to end): none


async def test_the_naive_faststream_subscriber_takes_every_event(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faststream_naive, "EVENTS", 50)

    runs = await faststream_naive.naive_subscriber_runs(redis_url, repeat=2)

    assert len(runs) == 2
    assert min(runs) > 0


async def test_the_end_to_end_benchmark_runs_the_real_processes_and_counts_every_alert(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sizes = {
        "DETAINERS": 20,
        "LODGE_BATCH": 8,
        "SINGLE_LODGES": 5,
        "BOOKINGS": 60,
        "BATCH": 25,
        "LOADS": (20,),
        "LOAD_SECONDS": 1.0,
        "ROSTER_BOOKINGS": 40,
        "ROSTER_LEFT_OUT": 10,
        "ROSTER_SUBJECTS": 5,
        "RESULTS": tmp_path / "end_to_end.json",
        "DRAIN_TIMEOUT": 60.0,  # a stuck drain says where it stood (and the services' logs) before the test's timeout
    }
    for name, value in sizes.items():
        monkeypatch.setattr(end_to_end, name, value)

    results = await end_to_end.run()

    assert results.drained_per_second > 0
    assert results.detainers_batch_lodged_per_second > 0
    # Applied is timed from the same first POST, until the notifier has taken every lodge: never sooner.
    assert 0 < results.detainers_applied_per_second <= results.detainers_batch_lodged_per_second
    assert set(results.applying_cpu_ms_per_detainer) >= {"ingest", "notifier"}
    assert results.detainers_applied_among_bookings_per_second > 0  # (once the drain's bookings are held)
    assert results.detainers_lodged_per_second > 0
    assert results.bare_loop_per_second > 0
    assert set(results.drain_cpu_ms_per_event) >= {"ingest", "notifier"}  # each process's CPU an event drained
    assert results.drain_cpu_ms_per_event["notifier"] > 0  # (counted in clock ticks: the others may show none)
    # In custody, and every fifth subject scheduled and released: each recorded, announced or not (a schedule
    # released in the same notifier batch no longer stands when it arrives: recorded closed, never announced).
    assert results.drain_alerts_raised == 20 + 4 + 4
    # The drain again with a second notifier: new bookings of the same people, each alert recorded once.
    assert results.drained_by_two_per_second > 0
    assert results.drain_by_two_alerts_raised == 20 + 4 + 4
    assert set(results.drain_by_two_cpu_ms_per_event) >= {"ingest", "notifier", "notifier 2"}
    assert results.bare_loop_after_two_per_second > 0
    # Each drain beside what its processes' CPU allows on this run's cores (the figure its target is read from).
    cpu = results.drain_cpu_ms_per_event
    assert results.cores == end_to_end.usable_cores() >= 1
    assert results.drain_cpu_ceiling_per_second == pytest.approx(results.cores * 1000 / sum(cpu.values()))
    assert results.drain_of_cpu_ceiling == pytest.approx(
        results.drained_per_second / results.drain_cpu_ceiling_per_second
    )
    assert results.drain_by_two_of_cpu_ceiling == pytest.approx(
        results.drained_by_two_per_second / results.drain_by_two_cpu_ceiling_per_second
    )
    (latency,) = results.latency
    assert latency.alerts_seen == latency.sent // end_to_end.SUBJECT_EVERY
    assert (results.roster_released_alerts, results.roster_duplicate_alerts) == (5, 0)
    written = json.loads((tmp_path / "end_to_end.json").read_text())
    assert written["roster_released_alerts"] == 5
    assert written["drain_of_cpu_ceiling"] == results.drain_of_cpu_ceiling > 0
    svg = plot_latency(results, tmp_path / "latency.svg").read_text()
    assert svg.startswith("<?xml")
    assert "Latency against offered load" in svg


async def test_the_notifier_profile_runs_and_accounts_for_the_batches(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in {"EVENTS": 60, "DETAINERS": 5, "BATCH": 25}.items():
        monkeypatch.setattr(notifier_process, name, value)
    monkeypatch.setattr(profile_notifier, "RESULTS", tmp_path / "profile.json")
    monkeypatch.setattr(profile_notifier, "TREE", tmp_path / "profile.txt")

    result = await profile_notifier.profile(redis_url)

    assert (result["events"], result["batches"]) == (60, 3)
    assert result["round_trips_per_batch"] > 0
    assert result["redis_commands"]["evalsha"]["calls"] > 0
    assert json.loads((tmp_path / "profile.json").read_text())["events"] == 60
    assert "CustodyEventProcessor.process" in (tmp_path / "profile.txt").read_text()


async def test_the_memory_benchmark_counts_every_key_the_bookings_and_detainers_keep(redis_url: str) -> None:
    report = await memory.run(redis_url, events=70, detainers=20)

    assert (report.bookings, report.detainers) == (50, 20)  # 70 events: 50 bookings, 10 schedules, 10 releases
    assert report.families["booking state (and review decisions)"][1] == 50  # one key per booking
    assert report.families["detainer records"][1] == 20
    assert "other" not in report.families  # every key the service wrote belongs to a named family
    assert report.per_booking > 0
    assert report.per_detainer > 0


def test_the_state_formats_benchmark_reads_every_state_back_in_each_format() -> None:
    measured = state_formats.measure_formats(state_formats.states(70))

    by_name = {name: mean for name, mean, _, _, _ in measured}
    assert by_name["zstd of it against the words (marker 2, stored)"] * 3 < by_name["JSON (the former format)"]


async def test_the_ingest_profile_runs_and_accounts_for_each_request(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in {"SINGLE_EVENTS": 20, "LODGE_BATCH": 30, "LODGE_BATCHES": 1}.items():
        monkeypatch.setattr(profile_ingest, name, value)
    monkeypatch.setattr(profile_ingest, "RESULTS", tmp_path / "ingest_profile.json")
    monkeypatch.setattr(profile_ingest, "TREES", tmp_path)

    result = await profile_ingest.profile(redis_url, process=False)

    single, batch = result["single_event"], result["detainer_batch"]
    assert single["requests"] == 20
    assert single["round_trips_per_unit"] == {"EVALSHA": 1.0}  # one script call answers an event
    assert batch["detainers"] == 30
    assert batch["detainers_per_second"] > 0
    assert json.loads((tmp_path / "ingest_profile.json").read_text())["single_event"]["requests"] == 20
    assert "submit_custody_event" in (tmp_path / "ingest_profile_single_event.txt").read_text()


def test_the_instruction_count_runs_each_loop_short_and_long_and_takes_the_difference_an_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The very processes the count runs under callgrind, run natively at a tiny size (a loop that reads fewer
    # entries than its rounds hold exits non-zero); each counted as its setup plus a fixed cost an event.
    ran: list[tuple[str, int]] = []

    def natively(argv: list[str], *, env: dict[str, str] | None = None) -> int:
        completed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert completed.returncode == 0, completed.stderr[-2_000:]
        side, rounds = argv[argv.index("--child") + 1], int(argv[argv.index("--rounds") + 1])
        ran.append((side, rounds))
        return 7_000_000 + rounds * 40 * (900 if side == "ours" else 30)

    monkeypatch.setattr(instructions, "count_instructions", natively)

    results = instructions.measure(events=40)

    assert sorted(ran) == [("bare", 1), ("bare", 3), ("ours", 1), ("ours", 3)]
    assert results["instructions_an_event"] == {"ours": 900, "bare": 30}
    assert results["bare_against_ours"] == pytest.approx(30 / 900)


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed (Debian: valgrind)")
def test_callgrind_counts_what_a_loop_adds_and_the_difference_of_two_runs_cancels_the_rest() -> None:
    def count(iterations: int) -> int:
        # Python without site packages (the start-up that the difference cancels, kept short), its hash seed fixed.
        program = (
            "def loop(iterations):\n    total = 0\n    for number in range(iterations):\n"
            f"        total += number * 3 % 7\n    return total\nloop({iterations})\n"
        )
        argv = [sys.executable, "-I", "-S", "-c", program]
        return instructions.count_instructions(argv, env=instructions.child_env())

    # As the benchmark counts: past a first stretch that warms the interpreter (its first iterations cost more).
    warm, once, twice = count(20_000), count(40_000), count(60_000)

    loop = once - warm
    assert loop > 20_000 * 10  # a Python loop's iteration is tens of instructions or more
    assert abs((twice - once) - loop) < loop * 0.02  # the next 20,000 add what the 20,000 before did
