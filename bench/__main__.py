"""`make bench`: every benchmark, each next to its same-run baseline."""

from __future__ import annotations

import asyncio
import logging

from bench import ingest_publish, notifier_process
from bench.harness import report, throwaway_redis


async def main() -> None:
    logging.disable(logging.WARNING)  # the services log every alert; the table is the output here
    with throwaway_redis() as (url, binary):
        print(f"Redis: {binary} at {url}")
        comparisons = await ingest_publish.run(url)
        comparisons += await notifier_process.run(url)
    report(comparisons, title="releasewatch benchmarks (best of 3; ratio = ours / baseline)")


if __name__ == "__main__":
    asyncio.run(main())
