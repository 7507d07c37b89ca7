"""Notifier: instructions an event on the custody path, counted by callgrind, beside the bare loop's.

A rate moves with the machine and whatever else it runs; a count of instructions does not (valgrind's
callgrind counts the same for the same work, the other core loaded or not). This runs the processing
benchmark's loop (``bench.notifier_process``: custody batches of 500, 10,000 active detainers, one person in
100 a subject) and the bare XREADGROUP + json + XACK loop over the same kind of stream, each in a Python
process of its own under ``valgrind --tool=callgrind``, twice: once processing one round of events and once
three, after the same setup (imports, detainers lodged and loaded, every round's stream filled). The
difference of the two counts is two rounds of the loop alone, the setup cancelled out. The hash seed is fixed,
so a tree counts the same from run to run. Redis runs outside valgrind: these are the client's instructions.

    python -m bench.instructions [--events 5000]      (make bench-instructions)

Under callgrind Python runs about fifty times slower: the four processes, two at a time, take minutes. Results:
bench/results/instructions.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "instructions.json"
EVENTS = 5_000  # a round: ten batches of 500
SHORT, LONG = 1, 3  # rounds processed in the two runs of each loop
HASH_SEED = "0"
SIDES = ("ours", "bare")

_TOTAL = re.compile(rb"^(?:summary|totals):\s*(\d+)", re.MULTILINE)


def count_instructions(argv: list[str], *, env: dict[str, str] | None = None) -> int:
    """The instructions ``argv`` executes, counted by callgrind (its children, such as a redis-server it starts,
    run outside valgrind and are not counted)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="rw-callgrind-") as directory:
        out = Path(directory) / "callgrind.out"
        completed = subprocess.run(
            [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", "--trace-children=no", *argv],
            env=env,
            capture_output=True,
            check=False,
        )
        if completed.returncode != 0:
            tail = completed.stderr.decode(errors="replace")[-2_000:]
            raise RuntimeError(f"{' '.join(argv)} failed under callgrind (exit {completed.returncode}):\n{tail}")
        found = _TOTAL.search(out.read_bytes())
        if found is None:
            raise RuntimeError(f"callgrind wrote no total to {out.name}")
        return int(found.group(1))


def _child_argv(side: str, rounds: int, events: int) -> list[str]:
    module = [sys.executable, "-m", "bench.instructions"]
    return [*module, "--child", side, "--rounds", str(rounds), "--events", str(events)]


def child_env() -> dict[str, str]:
    """The environment a counted process runs in: this checkout's code importable, the hash seed fixed (string
    hashes move dictionaries' probes, and with them the count)."""
    root = Path(__file__).resolve().parents[1]
    path = os.pathsep.join([str(root), str(root / "services"), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONHASHSEED": HASH_SEED, "PYTHONPATH": path.rstrip(os.pathsep)}


def measure(events: int = EVENTS) -> dict[str, Any]:
    """Each side's instructions an event: its long run's count less its short run's, over the events between."""
    runs = [(side, rounds) for side in SIDES for rounds in (SHORT, LONG)]
    env = child_env()
    with ThreadPoolExecutor(max_workers=max(1, min(len(runs), os.cpu_count() or 1))) as pool:
        counts = dict(
            zip(runs, pool.map(lambda run: count_instructions(_child_argv(*run, events), env=env), runs), strict=True)
        )
    per_event = {side: (counts[side, LONG] - counts[side, SHORT]) / ((LONG - SHORT) * events) for side in SIDES}
    return {
        "events_a_round": events,
        "rounds": [SHORT, LONG],
        "instructions": {f"{side} {rounds} rounds": count for (side, rounds), count in counts.items()},
        "instructions_an_event": per_event,
        "bare_against_ours": per_event["bare"] / per_event["ours"],
    }


async def _child(side: str, rounds: int, events: int) -> None:
    """The loop measured: every round's stream filled (``LONG`` of them, whatever ``rounds``, so both runs set up
    alike), then ``rounds`` of them read through ``side``."""
    from bench import notifier_process
    from bench.harness import throwaway_redis
    from contracts import NOTIFIER_GROUP, RedisNames
    from runtime import heap
    from runtime.redis import connect_redis

    logging.disable(logging.WARNING)
    with throwaway_redis() as (url, _):
        names = RedisNames()
        client = connect_redis(url)
        await client.flushdb()
        processor = None
        if side == "ours":
            from notifier.bootstrap import NotifierOptions, build_parts

            await notifier_process.lodge_detainers(client, names)
            parts = build_parts(client, names, NotifierOptions(booking_retention_seconds=3600))
            await parts.detainers.load()
            processor = parts.processors.custody
        streams = []
        for number in range(LONG):
            stream = f"{names.custody_events}:r{number}"
            first_person = notifier_process.PEOPLE_PER_ROUND * number
            await notifier_process.fill_stream(client, stream, f"r{number}", first_person=first_person, count=events)
            await client.xgroup_create(stream, NOTIFIER_GROUP, id="0")
            streams.append(stream)
        heap.settle()
        done = 0
        for stream in streams[:rounds]:
            done += await notifier_process.drain(client, stream, processor)
        await client.aclose()
    if done != rounds * events:
        raise SystemExit(f"read {done} entries, expected {rounds * events}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=EVENTS, help="events a round")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"where the figures go (default {RESULTS})")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=SHORT, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        asyncio.run(_child(options.child, options.rounds, options.events))
        return
    print(f"Counting instructions under callgrind: {len(SIDES) * 2} processes, minutes each ...", flush=True)
    results = measure(options.events)
    per_event = results["instructions_an_event"]
    print(f"custody batches of 500, 10,000 detainers: {per_event['ours']:,.0f} instructions an event")
    print(f"bare XREADGROUP + json + XACK:           {per_event['bare']:,.0f} instructions an event")
    print(f"bare loop's instructions against ours:    {results['bare_against_ours']:.3f}x")
    options.results.parent.mkdir(parents=True, exist_ok=True)
    options.results.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Results: {options.results}")


if __name__ == "__main__":
    main()
