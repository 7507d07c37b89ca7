"""Notifier: the lodge processor's CPU a lodged detainer, in process, on a throwaway Redis.

Bookings are filed first through the custody processor (``bench.data.feed``: 20,000 events, people 0 on), then a
detainer is lodged on every second person from 0 on (so about half of them are booked, held or left recently), and
their changelog entries are processed through the lodge processor in batches of 500, as the notifier reads them.
With ``--no-bookings`` nothing is filed first, as when an office's import comes before the people are booked (the
end-to-end drain's lodges): the lodges' searches find nothing. Prints one JSON line: CPU (``time.process_time``)
and wall time a lodge, and the alerts raised.

    python -m bench.lodge_cpu [--lodges 10000] [--no-bookings]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from typing import Any

from bench.data import detainers_for, feed
from bench.harness import throwaway_redis
from contracts import LodgeDetainer, RedisNames
from contracts.envelope import StreamEntry
from notifier.bootstrap import NotifierOptions, build_parts
from runtime import heap
from runtime.redis import connect_redis
from store.detainers import DetainerStore

EVENTS = 20_000
BATCH = 500


async def run(url: str, *, lodges: int, bookings: bool) -> dict[str, Any]:
    names = RedisNames()
    client = connect_redis(url)  # as the services connect (commands packed by hiredis)
    await client.flushdb()
    parts = build_parts(client, names, NotifierOptions(booking_retention_seconds=3600))
    await parts.detainers.load()
    heap.settle()  # as the notifier does once started
    if bookings:
        events = feed(EVENTS, run="lodges")
        stream = names.custody_events
        for start in range(0, len(events), BATCH):
            async with client.pipeline(transaction=False) as pipe:
                for event in events[start : start + BATCH]:
                    fields = {"__data__": event.model_dump_json(), "type": event.type, "event_id": event.event_id}
                    pipe.xadd(stream, fields)
                await pipe.execute()
        filed = await client.xrange(stream)
        for start in range(0, len(filed), BATCH):
            batch = [StreamEntry(stream, i.decode(), fields) for i, fields in filed[start : start + BATCH]]
            await parts.processors.custody.process(batch)
    store = DetainerStore(client, names)
    requests = [
        LodgeDetainer.model_validate(detainer.model_dump(include=set(LodgeDetainer.model_fields)))
        for detainer in detainers_for(range(0, 2 * lodges, 2))
    ]
    for start in range(0, len(requests), BATCH):
        await store.lodge_many(requests[start : start + BATCH])
    changes = [
        StreamEntry(names.detainer_changes, i.decode(), fields)
        for i, fields in await client.xrange(names.detainer_changes)
    ]
    processor = parts.processors.lodges
    alerts = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(changes), BATCH):
        report = await processor.process(changes[start : start + BATCH])
        alerts += len(report.alerts)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await client.aclose()
    return {
        "lodges": len(changes),
        "bookings_filed_first": bookings,
        "alerts": alerts,
        "cpu_us_a_lodge": round(cpu / len(changes) * 1e6, 1),
        "wall_us_a_lodge": round(wall / len(changes) * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lodges", type=int, default=10_000)
    parser.add_argument("--no-bookings", action="store_true", help="no booking filed before the lodges")
    options = parser.parse_args()
    logging.disable(logging.WARNING)  # the notifier logs every alert
    with throwaway_redis() as (url, _):
        print(json.dumps(asyncio.run(run(url, lodges=options.lodges, bookings=not options.no_bookings))))


if __name__ == "__main__":
    main()
