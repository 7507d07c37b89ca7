"""`make bench`: every benchmark, each next to its same-run baseline."""

from __future__ import annotations

import asyncio
import logging

from bench import end_to_end, faststream_naive, ingest_publish, memory, notifier_process
from bench.harness import Comparison, report, save, throwaway_redis
from bench.plot import plot_latency


async def main() -> None:
    logging.disable(logging.WARNING)  # the services log every alert; the table is the output here
    with throwaway_redis() as (url, binary):
        print(f"Redis: {binary} at {url}")
        comparisons = await ingest_publish.run(url)
        processing = await notifier_process.run(url)
        naive = await faststream_naive.naive_subscriber_runs(url)
        kept = await memory.run(url)
    comparisons += processing
    comparisons.append(
        Comparison(
            processing[0].name,
            "events",
            processing[0].ours,
            "FastStream subscriber, one message per call",
            max(naive),
            processing[0].ours_runs,
            naive,
        )
    )
    print("End to end: real ingest and notifier processes on a throwaway Redis ...")
    whole = await end_to_end.run()
    report(
        comparisons + whole.comparisons(),
        title=(
            "releasewatch benchmarks (best of 3, processing best of 5, end to end once; ratio = ours / baseline; "
            "medians: of their runs)"
        ),
    )
    table = save(comparisons + whole.comparisons(), end_to_end.RESULTS.parent / "benchmarks.json")
    whole.print()
    kept.print()
    print(f"Memory by key family: {memory.save(kept)}")
    print(f"Results: {table}, {end_to_end.RESULTS}; latency against load: {plot_latency(whole)}")


if __name__ == "__main__":
    asyncio.run(main())
