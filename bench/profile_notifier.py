"""Where the notifier's batch path spends its time: ``python -m bench.profile_notifier``.

The workload of ``bench/notifier_process.py`` (custody batches of 500 against 10,000 active detainers, one
person in 100 a detainer's subject) runs once under pyinstrument on a throwaway Redis. Three views of one run:

- **Per event, by what the time was spent on**: each sample of the call tree is put in the bucket of the
  innermost frame that names one (waiting on Redis, pydantic, JSON, the Redis client, matching, ...), then
  divided by the events processed.
- **Round trips per batch**: every request the Redis client writes to its socket (a pipeline is one) is
  counted, and the server's own time per command (``INFO commandstats``: the Lua scripts' included).
- **The call tree**, pyinstrument's text summary, written to ``bench/results/notifier_profile.txt``.

Results: ``bench/results/notifier_profile.json``. The profiler's sampling costs a little itself; the
absolute rate here is below ``make bench``'s, the shares are what this is for.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.frame import AWAIT_FRAME_IDENTIFIER, Frame
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

from bench import notifier_process
from bench.harness import throwaway_redis
from contracts import NOTIFIER_GROUP, RedisNames
from contracts.envelope import StreamEntry
from notifier.bootstrap import NotifierOptions, build_parts
from runtime import heap
from runtime.redis import connect_redis

RESULTS = Path(__file__).parent / "results" / "notifier_profile.json"
TREE = Path(__file__).parent / "results" / "notifier_profile.txt"

# (bucket, what a frame's file path contains or its function is): the innermost frame that matches names the
# bucket of a sample; the first rule that matches a frame wins.
BUCKETS: tuple[tuple[str, str], ...] = (
    ("waiting on Redis (round trips)", AWAIT_FRAME_IDENTIFIER),
    ("JSON (json module, orjson)", "/json/"),
    ("JSON (json module, orjson)", "orjson"),
    ("pydantic (validation, serialisation)", "/pydantic"),
    ("Redis client (encoding commands, parsing replies)", "/redis/"),
    ("event loop (waiting on sockets, scheduling)", "/asyncio/"),
    ("event loop (waiting on sockets, scheduling)", "selectors.py"),
    ("matching (notifier/matching)", "/notifier/matching/"),
    ("feed counting (store/feeds, domain/feeds)", "/store/feeds"),
    ("feed counting (store/feeds, domain/feeds)", "/domain/feeds"),
    ("booking state (domain/custody, store/bookings)", "/domain/custody"),
    ("booking state (domain/custody, store/bookings)", "/store/bookings"),
    ("booking index (store/booking_index)", "/store/booking_index"),
    ("detainer index (handlers/detainer_index)", "/handlers/detainer_index"),
    ("alerts (handlers/raising, store/alerts, domain)", "/handlers/raising"),
    ("alerts (handlers/raising, store/alerts, domain)", "/store/alerts"),
    ("alerts (handlers/raising, store/alerts, domain)", "/domain/alert"),
    ("reading entries (contracts/envelope, handlers/reading)", "/contracts/envelope"),
    ("reading entries (contracts/envelope, handlers/reading)", "/handlers/reading"),
    ("the rest of the notifier and store", "/services/"),
)
OTHER = "other (interpreter, standard library)"


Buckets = tuple[tuple[str, str], ...]  # (bucket, a part of a frame's file path, or the await marker)


def _bucket_of(frame: Frame, buckets: Buckets) -> str | None:
    where = frame.identifier if frame.identifier == AWAIT_FRAME_IDENTIFIER else (frame.file_path or "")
    for bucket, marker in buckets:
        if marker == AWAIT_FRAME_IDENTIFIER:
            if where == AWAIT_FRAME_IDENTIFIER:
                return bucket
        elif marker in where:
            return bucket
    return None


def self_times(frame: Frame, buckets: Buckets, inherited: str, into: defaultdict[str, float]) -> None:
    """Add each frame's own time (its time less its children's) to the bucket of the innermost frame naming
    one, from ``frame`` down (``inherited``: the bucket of a frame that names none above)."""
    bucket = _bucket_of(frame, buckets) or inherited
    own = frame.time - sum(child.time for child in frame.children)
    if own > 0:
        into[bucket] += own
    for child in frame.children:
        self_times(child, buckets, bucket, into)


@contextmanager
def counted_round_trips(connection_class: type[AbstractConnection] | None = None) -> Iterator[Counter[str]]:
    """Every request the async Redis client writes (one per command, one per pipeline), by its first command, on
    connections of ``connection_class`` (by default those ``connect_redis`` makes over TCP, as the services')."""
    counts: Counter[str] = Counter()
    if connection_class is None:
        connection_class = connect_redis("redis://localhost").connection_pool.connection_class
    original = connection_class.send_packed_command

    async def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        first = command[0] if isinstance(command, list) and command else command
        name = bytes(first).split(b"\r\n")[2].decode(errors="replace").upper() if first else "?"
        counts["pipeline" if isinstance(command, list) and len(command) > 1 else name] += 1
        await original(self, command, check_health)

    connection_class.send_packed_command = counting  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        connection_class.send_packed_command = original  # type: ignore[method-assign]


async def _commandstats(client: Redis) -> dict[str, tuple[int, int]]:
    """Per command: (calls, microseconds) as the server counts them."""
    stats = await client.info("commandstats")
    return {name.removeprefix("cmdstat_"): (int(v["calls"]), int(v["usec"])) for name, v in stats.items()}


async def profile(url: str) -> dict[str, Any]:
    names = RedisNames()
    client = connect_redis(url)  # as the services connect (commands packed by hiredis)
    await client.flushdb()
    await notifier_process.lodge_detainers(client, names)
    parts = build_parts(client, names, NotifierOptions(booking_retention_seconds=3600))
    await parts.detainers.load()
    heap.settle()  # as the notifier does once started (the baselines later in this process run under it too)
    processor = parts.processors.custody
    stream = f"{names.custody_events}:profile"
    await notifier_process.fill_stream(client, stream, run="profile")
    await client.xgroup_create(stream, NOTIFIER_GROUP, id="0")
    batches: list[list[StreamEntry]] = []
    while reply := await client.xreadgroup(NOTIFIER_GROUP, "profile", {stream: ">"}, count=notifier_process.BATCH):
        batches.append([StreamEntry(stream, i.decode(), fields) for i, fields in reply[0][1]])
    events = sum(len(batch) for batch in batches)

    await client.config_resetstat()
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    with counted_round_trips() as trips:
        profiler.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        for batch in batches:
            await processor.process(batch)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        profiler.stop()
    server = await _commandstats(client)
    await client.aclose()

    spent: defaultdict[str, float] = defaultdict(float)
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is not None:
        self_times(root, BUCKETS, OTHER, spent)
    sampled = sum(spent.values()) or 1.0
    per_event = {bucket: seconds / sampled * elapsed / events * 1e6 for bucket, seconds in spent.items()}
    TREE.parent.mkdir(parents=True, exist_ok=True)
    TREE.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    commands = {
        name: {"calls": calls, "calls_per_batch": calls / len(batches), "us_per_call": usec / calls if calls else 0}
        for name, (calls, usec) in sorted(server.items(), key=lambda item: -item[1][1])
        if name not in {"config|resetstat", "info"}
    }
    result = {
        "events": events,
        "batches": len(batches),
        "batch_size": notifier_process.BATCH,
        "detainers": notifier_process.DETAINERS,
        "events_per_second_profiled": events / elapsed,
        "us_per_event": elapsed / events * 1e6,
        "cpu_us_per_event": cpu / events * 1e6,  # this process's CPU: what a busy machine does not inflate
        "us_per_event_by_bucket": dict(sorted(per_event.items(), key=lambda item: -item[1])),
        "round_trips_per_batch": sum(trips.values()) / len(batches),
        "round_trips_per_batch_by_first_command": {name: count / len(batches) for name, count in trips.most_common()},
        "redis_server_us_per_event": sum(usec for calls, usec in server.values()) / events,
        "redis_commands": commands,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['events']:,} events in {result['batches']} batches of {result['batch_size']}, "
        f"{result['detainers']:,} detainers: {result['us_per_event']:.0f} us an event under the profiler "
        f"({result['events_per_second_profiled']:,.0f}/s), {result['cpu_us_per_event']:.0f} us of CPU"
    )
    total = sum(result["us_per_event_by_bucket"].values()) or 1.0
    for bucket, us in result["us_per_event_by_bucket"].items():
        print(f"  {us / total:6.1%}  {us:7.1f} us  {bucket}")
    print(f"Redis round trips per batch: {result['round_trips_per_batch']:.1f}")
    for name, count in result["round_trips_per_batch_by_first_command"].items():
        print(f"  {count:7.1f}  {name}")
    print(f"Redis server time: {result['redis_server_us_per_event']:.1f} us an event; by command:")
    for name, stats in list(result["redis_commands"].items())[:12]:
        print(f"  {name:24} {stats['calls_per_batch']:8.1f} calls a batch  {stats['us_per_call']:8.1f} us a call")
    print(f"Call tree: {TREE}; figures: {RESULTS}")


async def main() -> None:
    logging.disable(logging.WARNING)
    with throwaway_redis() as (url, _):
        _print(await profile(url))


if __name__ == "__main__":
    asyncio.run(main())
