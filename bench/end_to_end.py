"""End to end: the real ingest and notifier processes on a throwaway Redis, driven over HTTP.

Five measurements, each beside a baseline taken in the same run:

- **Lodging detainers.** Detainers lodged as NDJSON batches (``POST /v1/detainers:batch``), beside detainers
  lodged one per ``POST /v1/detainers`` by several clients at once: detainers per second, each timed from the
  first POST to the last answer. And the batches' detainers applied: timed from their first POST until the
  notifiers' group has read and acknowledged every lodge (each in the notifier's index, its subject looked for
  among the bookings held), when an office's detainers are at work. Last of all, as many detainers again once
  the drain's bookings (and the roster's) are held, of people in no feed named from the bookings' few names:
  applied among them.
- **Drain.** Once the notifier has applied those lodges, bookings (a third of them the batch-lodged
  detainers' subjects, every fifth with a release schedule and a release) posted as NDJSON batches. Timed
  from the first POST until the notifiers' group has read and acknowledged every entry. Baseline: a bare
  loop (XREADGROUP of 500, JSON, XACK) over that same custody stream right after, in a group of its own.
- **Drain, two notifiers.** As many bookings again (new booking numbers, the same people), drained by the
  notifier and a second one started for it, both consumers of the group (``releasewatch run --notifiers 2``);
  the same bare loop after, over the whole stream. A notifier is one process on one core: the second takes
  the share of the cores the first leaves idle. It is stopped after, so the parts after measure one.
- **Latency at a fixed offered load.** Single events posted open-loop at 100, 200 and 1,000 events/s (one in
  five a detainer's subject's booking), each request built ahead and sent by ``bench/lean_http.py`` (httpx took
  more CPU a request than the API it measured, on the same cores); for each subject, from the start of its POST
  to the `alert_raised` on the live feed (server-sent events). Baseline: from the start of the POST to the entry
  being read by a plain blocking XREAD on the custody stream, the least any consumer can add.
- **A roster burst.** A facility with many bookings in custody sends a roster that leaves some out: from the
  POST until drained, and the `released` alerts it raised (the subjects among those left out), each once.

Results go to ``bench/results/end_to_end.json``; ``make bench`` prints them. Sizes are module constants (the
test suite runs this at a tiny size). ``python -m bench.end_to_end --only lodging latency`` runs some parts
alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
from rich.console import Console
from rich.table import Table

from bench.chaos.harness import ServiceProcess, Stack
from bench.data import person_of
from bench.harness import Comparison
from bench.lean_http import LeanClient, request
from contracts import NOTIFIER_GROUP, RedisNames

DETAINERS = 20_000  # lodged through the batch endpoint before the drain
LODGE_BATCH = 10_000  # detainers per NDJSON POST to the batch endpoint
SINGLE_LODGES = 2_000  # detainers lodged one per POST, the batch's baseline
BOOKINGS = 60_000  # posted in the drain, a third of them the detainers' subjects
BATCH = 5_000  # events per NDJSON POST
LODGE_CONCURRENCY = 32  # clients lodging at once
LOADS = (100, 200, 1_000)  # events per second offered in the latency runs
MAX_IN_FLIGHT = 256  # latency-run POSTs awaiting an answer at once: the client's connections
LOAD_SECONDS = 10.0  # each latency run offers its load this long
SUBJECT_EVERY = 5  # one event in five of the latency runs is a detainer's subject's booking
ROSTER_BOOKINGS = 50_000  # in custody at the roster's facility before it reports
ROSTER_LEFT_OUT = 1_000  # of those, how many the roster leaves out (released by inference)
ROSTER_SUBJECTS = 200  # of those, how many are detainers' subjects (one released alert each)
RESULTS = Path(__file__).parent / "results" / "end_to_end.json"
DRAIN_TIMEOUT = 1800.0  # seconds; a hang guard, never a measurement
ALERT_WAIT = 120.0  # seconds after a latency run's last answer that its alerts are waited for

NOW = datetime.now(UTC).replace(microsecond=0)
FACILITY = "CA0194200"
ROSTER_FACILITY = "TX0000001"
# Production batch and polling; the chaos harness's other defaults (a long stream retention, no surge hold for
# a feed that plays days in seconds) suit a benchmark too.
NOTIFIER_SETTINGS = {"RW_BATCH_SIZE": "500", "RW_POLL_INTERVAL_MS": "200", "RW_RECLAIM_IDLE_SECONDS": "60"}


@dataclass
class LatencyRun:
    offered_per_second: int
    achieved_per_second: float  # what the one client managed to send: below the offer, the client was the limit
    sent: int
    refused: int  # answered 503 (overloaded: the source sends them again later), left out of the latencies
    alerts_seen: int
    p50_ms: float
    p99_ms: float
    baseline_p50_ms: float
    baseline_p99_ms: float
    # CPU each process spent per event sent, from the first POST until the last alert arrived (ms): what the
    # offered load asks of the machine's cores (ingest, notifier, redis, and this client).
    cpu_ms_per_event: dict[str, float] = field(default_factory=dict)


@dataclass
class Results:
    detainers_lodged_per_second: float = 0.0  # one per POST, LODGE_CONCURRENCY clients
    detainers_batch_lodged_per_second: float = 0.0  # NDJSON batches of LODGE_BATCH
    lodging_cpu_ms_per_detainer: dict[str, float] = field(default_factory=dict)  # by process, while batch lodging
    detainers_applied_per_second: float = 0.0  # the batches' detainers, from their first POST until applied
    applying_cpu_ms_per_detainer: dict[str, float] = field(default_factory=dict)  # by process, until applied
    # The same number of detainers again once the drain's bookings (and the roster's) are held: applied among them.
    detainers_applied_among_bookings_per_second: float = 0.0
    bookings_held_meanwhile: int = 0
    applying_among_bookings_cpu_ms_per_detainer: dict[str, float] = field(default_factory=dict)
    accepted_per_second: float = 0.0
    drained_per_second: float = 0.0
    drain_cpu_ms_per_event: dict[str, float] = field(default_factory=dict)  # by process, from first POST to drained
    bare_loop_per_second: float = 0.0
    # Alerts the drain recorded (``GET /v1/alerts``): its release schedules released in the same notifier batch are
    # recorded closed and never announced (no alert_raised), so the alert stream would count them only by chance.
    drain_alerts_raised: int = 0
    # What the processes' CPU an event allows (``cpu_ceiling``) on the cores this run had, and the drain's share of it
    cores: int = 0
    drain_cpu_ceiling_per_second: float = 0.0
    drain_of_cpu_ceiling: float = 0.0
    # The second drain, by two notifiers (the stream then holds both drains' events, as the bare loop reads it).
    drained_by_two_per_second: float = 0.0
    drain_by_two_cpu_ms_per_event: dict[str, float] = field(default_factory=dict)
    bare_loop_after_two_per_second: float = 0.0
    drain_by_two_alerts_raised: int = 0
    drain_by_two_cpu_ceiling_per_second: float = 0.0
    drain_by_two_of_cpu_ceiling: float = 0.0
    latency: list[LatencyRun] = field(default_factory=list)
    roster_drain_seconds: float = 0.0
    roster_released_alerts: int = 0
    roster_released_alerts_expected: int = 0
    roster_duplicate_alerts: int = 0

    drained_events: int = 0

    def comparisons(self) -> list[Comparison]:
        return [
            Comparison(
                f"end to end: {DETAINERS:,} detainers lodged, POST /v1/detainers:batch of {LODGE_BATCH:,} NDJSON",
                "detainers",
                self.detainers_batch_lodged_per_second,
                f"POST /v1/detainers, one each, {LODGE_CONCURRENCY} clients",
                self.detainers_lodged_per_second,
            ),
            Comparison(
                f"end to end: {self.drained_events:,} events ({BOOKINGS:,} bookings) in NDJSON batches of "
                f"{BATCH:,}, drained, {DETAINERS:,} detainers",
                "events",
                self.drained_per_second,
                "bare XREADGROUP + json + XACK, same stream",
                self.bare_loop_per_second,
            ),
            *(
                [
                    Comparison(
                        "the same again (new bookings of the same people), drained by two notifiers",
                        "events",
                        self.drained_by_two_per_second,
                        "bare XREADGROUP + json + XACK, the stream of both drains",
                        self.bare_loop_after_two_per_second,
                    )
                ]
                if self.drained_by_two_per_second
                else []
            ),
        ]

    def _against_ceiling(self, cpu: Mapping[str, float], ceiling: float, share: float) -> str:
        busiest, bound = busiest_bound(cpu)
        return (
            f"at most {ceiling:,.0f} events/s with {self.cores} core{'s' * (self.cores != 1)} busy, drained at "
            f"{share:.2f}x of it ({busiest} alone on one core: at most {bound:,.0f}/s)"
        )

    def print(self) -> None:
        console = Console(width=140)
        console.print(
            f"Detainers lodged in batches of {LODGE_BATCH:,}: {self.detainers_batch_lodged_per_second:,.0f}/s; one per "
            f"POST, {LODGE_CONCURRENCY} clients: {self.detainers_lodged_per_second:,.0f}/s. The batches' detainers "
            f"applied by the notifier at {self.detainers_applied_per_second:,.0f}/s. "
            f"Batches accepted at {self.accepted_per_second:,.0f} events/s; the drain recorded "
            f"{self.drain_alerts_raised:,} alerts."
        )
        if self.applying_cpu_ms_per_detainer:
            spent = ", ".join(f"{name} {ms:.3f}" for name, ms in self.applying_cpu_ms_per_detainer.items())
            console.print(f"CPU ms a detainer from the first POST until applied: {spent}")
        if self.applying_among_bookings_cpu_ms_per_detainer:
            spent = ", ".join(
                f"{name} {ms:.3f}" for name, ms in self.applying_among_bookings_cpu_ms_per_detainer.items()
            )
            console.print(
                f"As many detainers again once {self.bookings_held_meanwhile:,} bookings are held (people in no "
                f"feed, of the bookings' names): applied at {self.detainers_applied_among_bookings_per_second:,.0f}"
                f"/s; CPU ms a detainer: {spent}"
            )
        if self.drain_cpu_ms_per_event:
            spent = ", ".join(f"{name} {ms:.3f}" for name, ms in self.drain_cpu_ms_per_event.items())
            against = self._against_ceiling(
                self.drain_cpu_ms_per_event, self.drain_cpu_ceiling_per_second, self.drain_of_cpu_ceiling
            )
            console.print(f"CPU ms an event while draining: {spent}; {against}")
        if self.drain_by_two_cpu_ms_per_event:
            spent = ", ".join(f"{name} {ms:.3f}" for name, ms in self.drain_by_two_cpu_ms_per_event.items())
            against = self._against_ceiling(
                self.drain_by_two_cpu_ms_per_event,
                self.drain_by_two_cpu_ceiling_per_second,
                self.drain_by_two_of_cpu_ceiling,
            )
            console.print(
                f"Drained by two notifiers at {self.drained_by_two_per_second:,.0f} events/s "
                f"({self.drain_by_two_alerts_raised:,} alerts recorded); CPU ms an event: {spent}; {against}"
            )
        table = Table(title="POST -> alert on the live feed (ms), beside POST -> entry read by a bare XREAD")
        for column in ("offered /s", "sent /s", "refused", "alerts", "p50", "p99", "bare p50", "bare p99"):
            table.add_column(column, justify="right")
        for run in self.latency:
            table.add_row(
                f"{run.offered_per_second:,}",
                f"{run.achieved_per_second:,.0f}",
                f"{run.refused:,}",
                f"{run.alerts_seen:,}",
                f"{run.p50_ms:.1f}",
                f"{run.p99_ms:.1f}",
                f"{run.baseline_p50_ms:.1f}",
                f"{run.baseline_p99_ms:.1f}",
            )
        console.print(table)
        for run in self.latency:
            spent = ", ".join(f"{name} {ms:.2f}" for name, ms in run.cpu_ms_per_event.items())
            total = sum(run.cpu_ms_per_event.values())
            console.print(
                f"CPU ms an event at {run.offered_per_second:,}/s: {spent} (all {total:.2f}: "
                f"{total * run.offered_per_second / 1000:.2f} cores at that rate)"
            )
        console.print(
            f"Roster burst: {ROSTER_BOOKINGS:,} in custody, {ROSTER_LEFT_OUT:,} left out: drained in "
            f"{self.roster_drain_seconds:.1f} s, {self.roster_released_alerts:,} released alerts "
            f"(expected {self.roster_released_alerts_expected:,}), {self.roster_duplicate_alerts} duplicates."
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _detainer(index: int) -> dict[str, Any]:
    return {
        "detainer_id": f"E2E-{index}",
        "form": "I-247A",
        "field_office": "LOS",
        "person": person_of(index).model_dump(mode="json", exclude_defaults=True),
        "issued_at": _iso(NOW - timedelta(days=10)),
    }


def _booking(index: int, run: str, facility: str = FACILITY) -> dict[str, Any]:
    return {
        "event_id": f"{run}-b-{index}",
        "type": "booking",
        "occurred_at": _iso(NOW - timedelta(hours=2)),
        "facility_ori": facility,
        "booking_number": f"{run}-{index}",
        "person": person_of(index).model_dump(mode="json", exclude_defaults=True),
    }


def _drain_feed(subjects: int, bookings: int, run: str) -> list[dict[str, Any]]:
    """``bookings`` bookings, the first ``subjects`` of people with a detainer; every fifth is scheduled for
    release and released."""
    events: list[dict[str, Any]] = []
    for n in range(bookings):
        index = n if n < subjects else 1_000_000 + n  # people 0..subjects-1 are the detainers' subjects
        events.append(_booking(index, run))
        if n % 5 == 0:
            where = {"facility_ori": FACILITY, "booking_number": f"{run}-{index}"}
            events.append(
                {
                    "event_id": f"{run}-s-{index}",
                    "type": "release_scheduled",
                    "occurred_at": _iso(NOW - timedelta(hours=1)),
                    "scheduled_release_at": _iso(NOW + timedelta(hours=30)),
                    "release_reason": "bail_posted",
                    **where,
                }
            )
            events.append(
                {
                    "event_id": f"{run}-r-{index}",
                    "type": "release",
                    "occurred_at": _iso(NOW - timedelta(minutes=30)),
                    "release_reason": "bail_posted",
                    **where,
                }
            )
    return events


def _ndjson(events: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(event).encode() + b"\n" for event in events)


_SENDS = 3  # a single lodge's sends at most, where the connection is cut before an answer


async def _lodge(api: httpx.AsyncClient, indexes: range) -> float:
    """Lodge a detainer on each person of ``indexes``, ``LODGE_CONCURRENCY`` at once; detainers per second."""
    queue = iter(indexes)
    started = time.perf_counter()

    async def worker() -> None:
        for index in queue:
            for attempt in range(_SENDS):
                try:
                    answer = await api.post("/v1/detainers", json=_detainer(index))
                    break
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # A pooled connection the server closed as idle (its keep-alive timeout) as it was taken: no
                    # answer. A lodge is idempotent, so it is sent again, as a source would send it.
                    if attempt == _SENDS - 1:
                        raise
            answer.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(LODGE_CONCURRENCY)))
    return len(indexes) / (time.perf_counter() - started)


async def _lodge_batches(
    api: httpx.AsyncClient, indexes: range, pids: dict[str, int] | None = None, cpu_ms: dict[str, float] | None = None
) -> float:
    """Lodge a detainer on each person of ``indexes`` in NDJSON batches of ``LODGE_BATCH``; detainers per second.
    ``cpu_ms`` gets the CPU each of ``pids`` (and this client) spent a detainer meanwhile (ms)."""
    bodies = [
        _ndjson(_detainer(index) for index in indexes[start : start + LODGE_BATCH])
        for start in range(0, len(indexes), LODGE_BATCH)
    ]
    processes = {**(pids or {}), "client": os.getpid()}
    cpu_before = {name: _cpu_seconds(pid) for name, pid in processes.items()}
    started = time.perf_counter()
    for body in bodies:
        answer = await api.post("/v1/detainers:batch", content=body, headers={"content-type": "application/x-ndjson"})
        answer.raise_for_status()
        if answer.json()["rejected"]:
            raise AssertionError(f"the batch endpoint rejected detainers: {answer.text[:500]}")
    elapsed = time.perf_counter() - started
    if cpu_ms is not None:
        spent = {name: (_cpu_seconds(pid) - cpu_before[name]) / len(indexes) * 1000 for name, pid in processes.items()}
        cpu_ms.update(spent)
    return len(indexes) / elapsed


async def _post_batches(api: httpx.AsyncClient, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), BATCH):
        answer = await api.post(
            "/v1/custody-events:batch",
            content=_ndjson(events[start : start + BATCH]),
            headers={"content-type": "application/x-ndjson"},
        )
        answer.raise_for_status()


async def _drained(client: aioredis.Redis, stream: str, group: str = NOTIFIER_GROUP) -> None:
    """Until ``group`` has read and acknowledged every entry of ``stream``."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    found: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        groups = {g["name"].decode(): g for g in await client.xinfo_groups(stream)}
        found = groups.get(group)
        if found is not None and found.get("lag") == 0 and int(found["pending"]) == 0:
            return
        await asyncio.sleep(0.05)
    state = {key: value for key, value in (found or {}).items() if key in ("lag", "pending", "last-delivered-id")}
    raise TimeoutError(f"{group} did not drain {stream} in {DRAIN_TIMEOUT:.0f} s: {state or 'no such group'}")


async def _bare_loop(client: aioredis.Redis, stream: str) -> float:
    """Events per second a bare consumer reads, parses and acknowledges the whole stream."""
    group = "bench-bare-loop"
    await client.xgroup_create(stream, group, id="0")
    done = 0
    started = time.perf_counter()
    while True:
        reply = await client.xreadgroup(group, "bare", {stream: ">"}, count=500)
        if not reply:
            break
        entries = reply[0][1]
        for _, fields in entries:
            json.loads(fields[b"__data__"])
        await client.xack(stream, group, *(entry_id for entry_id, _ in entries))
        done += len(entries)
    elapsed = time.perf_counter() - started
    await client.xgroup_destroy(stream, group)
    return done / elapsed


async def _alerts_raised(client: aioredis.Redis, names: RedisNames) -> dict[str, int]:
    """alert id -> how many alert_raised messages the alert stream holds for it."""
    seen: dict[str, int] = {}
    cursor = "-"
    while True:
        entries = await client.xrange(names.alerts_raised, min=cursor, max="+", count=10_000)
        for _, fields in entries:
            if fields.get(b"type") == b"alert_raised":
                alert_id = json.loads(fields[b"__data__"])["alert"]["alert_id"]
                seen[alert_id] = seen.get(alert_id, 0) + 1
        if len(entries) < 10_000:
            return seen
        cursor = "(" + entries[-1][0].decode()


async def _alerts_recorded(client: aioredis.Redis, names: RedisNames) -> set[str]:
    """The ids of every alert recorded and listed (``GET /v1/alerts``), announced or not."""
    return {alert_id.decode() for alert_id in await client.zrange(names.alert_listing(), 0, -1)}


@dataclass
class _Arrivals:
    """When each alert_raised arrived on the live feed (perf_counter seconds), by the event that raised it."""

    at: dict[str, float] = field(default_factory=dict)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def record(self, event_id: str) -> None:
        async with self._changed:
            self.at.setdefault(event_id, time.perf_counter())
            self._changed.notify_all()

    async def wait_for(self, event_ids: set[str]) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: event_ids <= self.at.keys())


@asynccontextmanager
async def _live_feed(api: httpx.AsyncClient) -> AsyncIterator[_Arrivals]:
    """Follow the live feed (every office: the stack runs without keys) while the block runs."""
    arrivals = _Arrivals()
    subscribed = asyncio.Event()

    async def follow() -> None:
        async with api.stream("GET", "/v1/alerts/live", timeout=None) as response:
            kind = ""
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    subscribed.set()
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:") and kind == "alert_raised":
                    event_id = json.loads(line[5:])["alert"].get("event_id")
                    if event_id:
                        await arrivals.record(event_id)

    task = asyncio.create_task(follow())
    try:
        async with asyncio.timeout(30):
            await subscribed.wait()
        yield arrivals
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _xread_arrivals(client: aioredis.Redis, stream: str, arrived: dict[str, float], stop: asyncio.Event) -> None:
    """Read the custody stream from now with blocking XREAD, noting in ``arrived`` when each event's entry was
    read (event_id -> perf_counter seconds), until ``stop`` is set (within a second: the read's block). Never
    cancelled: redis-py's asyncio client can leave a blocking read it was cancelled in waiting for ever, and
    the run with it."""
    last = "$"
    while not stop.is_set():
        reply = await client.xread({stream: last}, block=1000, count=1000)
        now = time.perf_counter()
        for _, entries in reply or []:
            for entry_id, fields in entries:
                last = entry_id.decode()
                arrived.setdefault(fields[b"event_id"].decode(), now)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _cpu_seconds(pid: int) -> float:
    """User and system CPU ``pid`` has used (Linux; 0 where /proc cannot tell)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _latency_run(
    api: httpx.AsyncClient,
    poster: LeanClient,
    client: aioredis.Redis,
    names: RedisNames,
    rate: int,
    first_subject: int,
    pids: dict[str, int] | None = None,
) -> LatencyRun:
    count = int(rate * LOAD_SECONDS)
    run = f"lat{rate}"
    events = [
        _booking(first_subject + n // SUBJECT_EVERY if n % SUBJECT_EVERY == 0 else 2_000_000 + rate * 100_000 + n, run)
        for n in range(count)
    ]
    subjects = {event["event_id"] for n, event in enumerate(events) if n % SUBJECT_EVERY == 0}
    posted: dict[str, float] = {}
    refused: list[int] = []

    bodies = {
        event["event_id"]: request("POST", "/v1/custody-events", json.dumps(event).encode(), host=poster.host)
        for event in events
    }

    async def post(event_id: str, due: float) -> None:
        # From when it was due, not when a connection was free: a client waiting on a busy server is latency
        # the source sees (no coordinated omission). Posts beyond the connections wait in the client for one.
        answer = await poster.send(bodies[event_id])
        if answer.is_success:
            posted[event_id] = due
        else:  # a 503 is the API saying it is overloaded: a source backs off and sends it again later
            refused.append(answer.status)

    async with _live_feed(api) as arrivals:
        read_at: dict[str, float] = {}
        stop_reading = asyncio.Event()
        reader = asyncio.create_task(_xread_arrivals(client, names.custody_events, read_at, stop_reading))
        await asyncio.sleep(0.2)  # the XREAD is blocking before the first POST
        processes = {**(pids or {}), "client": os.getpid()}
        cpu_before = {name: _cpu_seconds(pid) for name, pid in processes.items()}
        started = time.perf_counter()
        tasks = []
        for n, event in enumerate(events):
            # Open loop: each event leaves at its time, whether or not the previous ones were answered.
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(event["event_id"], due)))
        achieved = count / max(time.perf_counter() - started, 1e-9)
        await asyncio.gather(*tasks)
        subjects &= posted.keys()  # those the API accepted
        # Every accepted subject's alert, or as many as reach the feed within ALERT_WAIT of the last answer: the
        # run ends either way, and ``alerts_seen`` says how many were measured.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ALERT_WAIT):
                await arrivals.wait_for(subjects)
        cpu = {name: (_cpu_seconds(pid) - cpu_before[name]) / count * 1000 for name, pid in processes.items()}
        stop_reading.set()  # an entry is read by XREAD long before its alert reaches the feed
        await reader
        arrived = arrivals.at
    ours = [(arrived[e] - posted[e]) * 1000 for e in subjects if e in arrived]
    bare = [(read_at[e] - posted[e]) * 1000 for e in subjects if e in read_at]
    return LatencyRun(
        offered_per_second=rate,
        achieved_per_second=achieved,
        sent=count,
        refused=len(refused),
        alerts_seen=len(ours),
        p50_ms=statistics.median(ours),
        p99_ms=_percentile(ours, 0.99),
        baseline_p50_ms=statistics.median(bare),
        baseline_p99_ms=_percentile(bare, 0.99),
        cpu_ms_per_event=cpu,
    )


async def _roster_burst(api: httpx.AsyncClient, client: aioredis.Redis, names: RedisNames, results: Results) -> None:
    subjects_from = 3_000_000  # people lodged for this run only
    await _lodge(api, range(subjects_from, subjects_from + ROSTER_SUBJECTS))
    held = [
        _booking(subjects_from + n if n < ROSTER_SUBJECTS else 4_000_000 + n, "roster", ROSTER_FACILITY)
        for n in range(ROSTER_BOOKINGS)
    ]
    await _post_batches(api, held)
    await _drained(client, names.custody_events)
    before = await _alerts_raised(client, names)
    listed = [event["booking_number"] for event in held[ROSTER_LEFT_OUT:]]  # the first ones are left out
    started = time.perf_counter()
    answer = await api.post(
        f"/v1/facilities/{ROSTER_FACILITY}/roster",
        json={"roster_id": "burst-1", "as_of": _iso(NOW - timedelta(minutes=1)), "booking_numbers": listed},
    )
    answer.raise_for_status()
    await _drained(client, names.custody_events)
    results.roster_drain_seconds = time.perf_counter() - started
    after = await _alerts_raised(client, names)
    results.roster_released_alerts = len(set(after) - set(before))
    results.roster_released_alerts_expected = min(ROSTER_SUBJECTS, ROSTER_LEFT_OUT)
    results.roster_duplicate_alerts = sum(count - 1 for count in after.values() if count > 1)


PARTS = ("lodging", "drain", "two_notifiers", "latency", "roster")


def _progress(what: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {what} (load average {os.getloadavg()[0]:.2f})", flush=True)


async def run(parts: Collection[str] = PARTS) -> Results:
    """Start the processes, measure ``parts`` (all by default), stop them; the results are also written to
    ``RESULTS``. Each part lodges the detainers it needs, so any of them runs alone."""
    results = Results()
    names = RedisNames()
    with tempfile.TemporaryDirectory(prefix="rw-bench-e2e-") as directory, Stack(Path(directory)) as stack:
        stack.start_redis()
        ingest = stack.ingest(RW_MAX_BACKLOG="10000000")
        notifier = stack.notifier("bench-1", **NOTIFIER_SETTINGS)
        stack.start(ingest, notifier)
        with _logs_shown_on_failure(ingest.log_path, notifier.log_path):
            await _run_parts(parts, stack, ingest, notifier, names, results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(asdict(results), indent=2) + "\n")
    return results


@contextlib.contextmanager
def _logs_shown_on_failure(*logs: Path, lines: int = 40) -> Iterator[None]:
    """The services' last log lines on stderr when a part fails (their logs go with the run's directory)."""
    try:
        yield
    except BaseException:
        for log in logs:
            tail = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
            print(f"--- the last {len(tail)} lines of {log.name}:", *tail, sep="\n", file=sys.stderr)
        raise


async def _run_parts(
    parts: Collection[str],
    stack: Stack,
    ingest: ServiceProcess,
    notifier: ServiceProcess,
    names: RedisNames,
    results: Results,
) -> None:
    """The measured ``parts`` against the running processes, into ``results``."""
    client = aioredis.Redis.from_url(stack.redis_url)
    # Enough connections for an open-loop load on a slow server; a request waits for one as long as it takes.
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT + 8, max_keepalive_connections=MAX_IN_FLIGHT + 8)
    timeout = httpx.Timeout(120, pool=None)
    async with httpx.AsyncClient(base_url=ingest.base_url, timeout=timeout, limits=limits) as api:
        server = getattr(getattr(stack.redis, "_process", None), "pid", None)  # the stack's redis-server
        pids = {"ingest": ingest.pid, "notifier": notifier.pid, "redis": server}
        known = {name: pid for name, pid in pids.items() if pid is not None}
        if "lodging" in parts or "drain" in parts or "two_notifiers" in parts:
            _progress("lodging")
            results.detainers_applied_per_second, results.applying_cpu_ms_per_detainer = await _lodges_applied(
                api, client, names, range(DETAINERS), known, results
            )
        if "lodging" in parts:
            singles = range(8_000_000, 8_000_000 + SINGLE_LODGES)  # people in no feed: lodged for the rate only
            results.detainers_lodged_per_second = await _lodge(api, singles)
        if "drain" in parts:
            events = _drain_feed(DETAINERS, BOOKINGS, "drain")
            results.drained_events = len(events)
            (
                results.accepted_per_second,
                results.drained_per_second,
                results.drain_cpu_ms_per_event,
            ) = await _timed_drain(api, client, names, events, known)
            results.cores = usable_cores()
            results.drain_cpu_ceiling_per_second = cpu_ceiling(results.drain_cpu_ms_per_event, results.cores)
            results.drain_of_cpu_ceiling = _share(results.drained_per_second, results.drain_cpu_ceiling_per_second)
            results.bare_loop_per_second = await _bare_loop(client, names.custody_events)
            results.drain_alerts_raised = len(await _alerts_recorded(client, names))
        if "two_notifiers" in parts:
            _progress("drain by two notifiers")
            await _drain_by_two(stack, client, api, names, known, results)

        if "latency" in parts:
            # What the parts before left in this process (the drain's 84,000 events) out of the collector's
            # way: a full collection over it would stall this process's clocks, ours and the bare XREAD's.
            gc.collect()
            gc.freeze()
            first = 5_000_000
            for rate in LOADS:
                _progress(f"latency at {rate:,}/s")
                needed = int(rate * LOAD_SECONDS) // SUBJECT_EVERY + 1
                await _lodge(api, range(first, first + needed))
                await _drained(client, names.detainer_changes)  # the notifier is idle when the load starts
                async with LeanClient("127.0.0.1", ingest.port, connections=MAX_IN_FLIGHT) as poster:
                    results.latency.append(await _latency_run(api, poster, client, names, rate, first, known))
                first += needed
            gc.unfreeze()
        if "roster" in parts:
            await _roster_burst(api, client, names, results)
        if "drain" in parts:
            # Last: the detainers it adds would change what the parts before measure.
            _progress("lodging among the bookings held")
            results.bookings_held_meanwhile = BOOKINGS * (1 + ("two_notifiers" in parts)) + (
                ROSTER_BOOKINGS if "roster" in parts else 0
            )
            people = range(9_000_000, 9_000_000 + DETAINERS)  # in no feed, named from the bookings' few names
            (
                results.detainers_applied_among_bookings_per_second,
                results.applying_among_bookings_cpu_ms_per_detainer,
            ) = await _lodges_applied(api, client, names, people, known)
    await client.aclose()


def usable_cores() -> int:
    """The cores this process (and the processes it starts) may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def cpu_ceiling(cpu_ms_per_event: Mapping[str, float], cores: int) -> float:
    """Events a second the processes' CPU an event allows with every one of ``cores`` busy; 0.0 when no CPU was
    counted. (A process is one Python or one Redis thread, so ``busiest_bound`` may be lower.)"""
    spent = sum(cpu_ms_per_event.values())
    return cores * 1000 / spent if spent > 0 else 0.0


def busiest_bound(cpu_ms_per_event: Mapping[str, float]) -> tuple[str, float]:
    """The process whose CPU an event is the most, and the events a second it allows on the one core it can use."""
    name, ms = max(cpu_ms_per_event.items(), key=lambda item: item[1], default=("", 0.0))
    return name, 1000 / ms if ms > 0 else 0.0


def _share(rate: float, ceiling: float) -> float:
    return rate / ceiling if ceiling else 0.0


async def _timed_drain(
    api: httpx.AsyncClient,
    client: aioredis.Redis,
    names: RedisNames,
    events: list[dict[str, Any]],
    pids: dict[str, int],
) -> tuple[float, float, dict[str, float]]:
    """Post ``events`` in batches and wait until the notifiers' group has drained them: events accepted a second
    and drained a second, both from the first POST, and each of ``pids``' CPU an event (ms) over the drain."""
    cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    await _post_batches(api, events)
    accepted = len(events) / (time.perf_counter() - started)
    await _drained(client, names.custody_events)
    drained = len(events) / (time.perf_counter() - started)
    cpu = {name: (_cpu_seconds(pid) - cpu_before[name]) / len(events) * 1000 for name, pid in pids.items()}
    return accepted, drained, cpu


async def _drain_by_two(
    stack: Stack,
    client: aioredis.Redis,
    api: httpx.AsyncClient,
    names: RedisNames,
    pids: dict[str, int],
    results: Results,
) -> None:
    """The drain's bookings again under new booking numbers, drained by the notifier and a second one started for
    it (stopped after, so the parts after measure one); the bare loop after, over the whole stream."""
    second = stack.notifier("bench-2", **NOTIFIER_SETTINGS)
    stack.start(second)
    try:
        with _logs_shown_on_failure(second.log_path):
            both = {**pids, **({"notifier 2": second.pid} if second.pid is not None else {})}
            before = await _alerts_recorded(client, names)
            events = _drain_feed(DETAINERS, BOOKINGS, "drain-two")
            _, results.drained_by_two_per_second, results.drain_by_two_cpu_ms_per_event = await _timed_drain(
                api, client, names, events, both
            )
            results.drain_by_two_alerts_raised = len(await _alerts_recorded(client, names) - before)
            results.cores = usable_cores()
            ceiling = cpu_ceiling(results.drain_by_two_cpu_ms_per_event, results.cores)
            results.drain_by_two_cpu_ceiling_per_second = ceiling
            results.drain_by_two_of_cpu_ceiling = _share(results.drained_by_two_per_second, ceiling)
    finally:
        second.terminate()
    results.bare_loop_after_two_per_second = await _bare_loop(client, names.custody_events)


async def _lodges_applied(
    api: httpx.AsyncClient,
    client: aioredis.Redis,
    names: RedisNames,
    indexes: range,
    pids: dict[str, int],
    results: Results | None = None,
) -> tuple[float, dict[str, float]]:
    """Lodge a detainer on each person of ``indexes`` in batches (``_lodge_batches``), then wait until the
    notifiers' group has read and acknowledged every lodge: detainers applied per second from the first POST, and
    each of ``pids``' CPU a detainer (ms) over that time. ``results``: where the batches' own rate goes."""
    cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    accepted = await _lodge_batches(api, indexes, pids, results.lodging_cpu_ms_per_detainer if results else None)
    if results is not None:
        results.detainers_batch_lodged_per_second = accepted
    await _drained(client, names.detainer_changes)  # every lodge applied
    applied = len(indexes) / (time.perf_counter() - started)
    return applied, {name: (_cpu_seconds(pid) - cpu_before[name]) / len(indexes) * 1000 for name, pid in pids.items()}


def _dump_tasks(*_: object) -> None:
    """SIGUSR1: where each task of a run that seems stuck is waiting."""
    for task in asyncio.all_tasks():
        task.print_stack(file=sys.stderr)


def main() -> None:
    """``python -m bench.end_to_end [--only PART ...]``: some parts alone, printed; ``make bench`` runs them all."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=list(PARTS), metavar="PART", help=f"of {', '.join(PARTS)}"
    )
    parser.add_argument(
        "--loads", nargs="+", type=int, default=list(LOADS), help="events/s offered in the latency runs"
    )
    parser.add_argument("--results", type=Path, default=None, help=f"where the figures go (default {RESULTS})")
    options = parser.parse_args()
    if options.results is not None:
        globals()["RESULTS"] = options.results
    globals()["LOADS"] = tuple(options.loads)
    signal.signal(signal.SIGUSR1, _dump_tasks)
    logging.disable(logging.WARNING)
    print(f"Load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    results = asyncio.run(run(options.only))
    if results.detainers_lodged_per_second:
        print(
            f"Batch lodging: {results.detainers_batch_lodged_per_second:,.0f} detainers/s, "
            f"{results.detainers_batch_lodged_per_second / results.detainers_lodged_per_second:.1f}x one per POST; "
            "CPU ms a detainer meanwhile: "
            + ", ".join(f"{name} {ms:.3f}" for name, ms in results.lodging_cpu_ms_per_detainer.items())
        )
    results.print()
    print(f"Load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}; figures: {RESULTS}")


if __name__ == "__main__":
    main()
