"""Notifier: processing custody batches, against a bare consume loop.

The baseline reads the same stream in batches of 500 with XREADGROUP,
parses each entry's JSON and acknowledges (such a loop runs at tens of
thousands of messages a second): the floor any consumer pays. Ours also validates, folds
booking state with compare-and-set, updates the in-custody index, matches
against 10,000 active detainers and raises alerts (one person in 100 is a
detainer's subject).
"""

from __future__ import annotations

import asyncio
import json
import logging

from redis.asyncio import Redis

from bench.data import detainers_for, feed
from bench.harness import Comparison, compare, report, throwaway_redis
from contracts import NOTIFIER_GROUP, DetainerLodged, RedisNames
from contracts.envelope import StreamEntry
from notifier.bootstrap import NotifierOptions, build_parts
from notifier.handlers.custody_events import CustodyEventProcessor
from runtime import heap
from runtime.redis import connect_redis

EVENTS = 20_000
DETAINERS = 10_000
BATCH = 500
# Runs of each, in turn: the bare loop's short runs (a fifth of a second) move by half from one to the next
REPEAT = 5
PEOPLE_PER_ROUND = 20_000  # more than a round's EVENTS book, and a multiple of 100 (one person in 100 a subject)


async def lodge_detainers(client: Redis, names: RedisNames) -> None:
    detainers = detainers_for(range(0, DETAINERS * 100, 100))
    async with client.pipeline(transaction=False) as pipe:
        for detainer in detainers:
            pipe.set(names.detainer(detainer.detainer_id), detainer.model_dump_json())
            pipe.sadd(names.active_detainers, detainer.detainer_id)
        pipe.xadd(names.detainer_changes, {"__data__": DetainerLodged(detainer=detainers[-1]).model_dump_json()})
        await pipe.execute()


async def fill_stream(client: Redis, stream: str, run: str, *, first_person: int = 0, count: int | None = None) -> None:
    """``count`` custody events (``EVENTS`` by default, as it stands when called) of the people from ``first_person``
    into ``stream``."""
    events = feed(EVENTS if count is None else count, run=run, first_person=first_person)
    for start in range(0, len(events), BATCH):
        async with client.pipeline(transaction=False) as pipe:
            for event in events[start : start + BATCH]:
                pipe.xadd(stream, {"__data__": event.model_dump_json(), "type": event.type, "event_id": event.event_id})
            await pipe.execute()


async def drain(client: Redis, stream: str, processor: CustodyEventProcessor | None) -> int:
    """Read ``stream`` to its end in batches through the notifier's group, each batch processed by ``processor``
    (None: the bare loop, each entry's JSON parsed), then acknowledged; returns how many entries."""
    done = 0
    while True:
        reply = await client.xreadgroup(NOTIFIER_GROUP, "bench", {stream: ">"}, count=BATCH)
        if not reply:
            return done
        entries = reply[0][1]
        ids = [message_id for message_id, _ in entries]
        if processor is not None:
            await processor.process([StreamEntry(stream, i.decode(), fields) for i, fields in entries])
        else:
            for _, fields in entries:
                json.loads(fields[b"__data__"])
        await client.xack(stream, NOTIFIER_GROUP, *ids)
        done += len(entries)


async def run(url: str) -> list[Comparison]:
    names = RedisNames()
    client = connect_redis(url)  # as the services connect (commands packed by hiredis)
    await client.flushdb()
    await lodge_detainers(client, names)
    # As a notifier is wired, without reminders planned or feeds watched: the custody path itself.
    parts = build_parts(client, names, NotifierOptions(booking_retention_seconds=3600))
    await parts.detainers.load()
    heap.settle()  # as the notifier does once started (the baselines later in this process run under it too)
    processor = parts.processors.custody
    rounds = iter(range(1000))

    async def filled_stream() -> str:
        number = next(rounds)
        run_id = f"r{number}"
        stream = f"{names.custody_events}:{run_id}"
        # People of their own each round: nothing a round remembers of the people it saw helps the next.
        await fill_stream(client, stream, run=run_id, first_person=PEOPLE_PER_ROUND * number)
        await client.xgroup_create(stream, NOTIFIER_GROUP, id="0")
        return stream

    async def ours(stream: str) -> int:
        return await drain(client, stream, processor)

    async def bare(stream: str) -> int:
        return await drain(client, stream, None)

    comparison = await compare(
        f"process custody batches of {BATCH} ({DETAINERS:,} detainers)",
        "events",
        (ours, filled_stream),
        "XREADGROUP + json + XACK",
        (bare, filled_stream),
        repeat=REPEAT,
    )
    await client.aclose()
    return [comparison]


async def main() -> None:
    """This benchmark alone, on a throwaway Redis: ``python -m bench.notifier_process``."""
    logging.disable(logging.WARNING)  # the notifier logs every alert; the table is the output here
    with throwaway_redis() as (url, _):
        comparisons = await run(url)
    title = f"notifier: custody batches (best of {REPEAT}; ratio = ours / baseline; medians: of the runs)"
    report(comparisons, title=title)


if __name__ == "__main__":
    asyncio.run(main())
