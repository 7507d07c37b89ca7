"""Where ingest's time goes per request: ``python -m bench.profile_ingest``.

Two requests, each driven straight into the ASGI app (no HTTP client, no socket: only the server's own work)
on a throwaway Redis, with API keys and JSON logs at INFO as in production:

- ``POST /v1/custody-events``, one booking per request, many times;
- ``POST /v1/detainers:batch``, NDJSON batches of detainers.

For each: wall time and this process's CPU per request (per detainer for the batch), unprofiled; then the same
once more under pyinstrument, each sample put in the bucket of the innermost frame that names one (auth, body,
the duplicate-key check, pydantic, policies, the Redis client, waiting on Redis, the store, audit, metrics,
logging, FastAPI and Starlette); and every Redis round trip counted. ``--process`` adds the real
``python -m ingest`` under uvicorn, posted to over a socket: that process's CPU per single-event request (HTTP
parsing included), which is what decides how many requests a second one core can answer.

Results: ``bench/results/ingest_profile.json``; the call trees ``bench/results/ingest_profile_*.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from fastapi import FastAPI
from pyinstrument import Profiler
from pyinstrument.frame import AWAIT_FRAME_IDENTIFIER

from bench.data import person_of
from bench.harness import throwaway_redis
from bench.profile_notifier import counted_round_trips, self_times
from ingest.app import create_app
from ingest.auth import digest_of
from ingest.settings import IngestSettings
from runtime import configure_logging

RESULTS = Path(__file__).parent / "results" / "ingest_profile.json"
TREES = Path(__file__).parent / "results"

SINGLE_EVENTS = 3_000  # single-event POSTs timed
LODGE_BATCH = 10_000  # detainers per batch POST
LODGE_BATCHES = 3  # batch POSTs timed
PROCESS_EVENTS = 2_000  # single-event POSTs to the real process (--process)

SOURCE_KEY = "rwk_bench-source"
OFFICE_KEY = "rwk_bench-office"
FACILITY = "CA0194200"

BUCKETS: tuple[tuple[str, str], ...] = (
    ("waiting on Redis (round trips)", AWAIT_FRAME_IDENTIFIER),
    ("auth (ingest/auth)", "/ingest/auth.py"),
    ("duplicate-key check and JSON (ingest/body, json)", "/ingest/body.py"),
    ("duplicate-key check and JSON (ingest/body, json)", "/json/"),
    ("pydantic (validation, serialisation)", "/pydantic"),
    ("reading a person's record (ingest/intake)", "/ingest/intake.py"),
    ("sharing policies (ingest/policies, policies)", "/ingest/policies/"),
    ("sharing policies (ingest/policies, policies)", "/services/policies/"),
    ("feed quality (ingest/custody/feed_quality, store/feed_days)", "/feed_quality.py"),
    ("feed quality (ingest/custody/feed_quality, store/feed_days)", "/store/feed_days.py"),
    ("audit (store/audit)", "/store/audit.py"),
    ("metrics (prometheus_client)", "prometheus_client"),
    ("logging", "/logging/"),
    ("logging", "pythonjsonlogger"),
    ("logging", "/runtime/logs.py"),
    ("Redis client (encoding commands, parsing replies)", "/redis/"),
    ("the store (publishing, lodging)", "/services/store/"),
    ("FastAPI and Starlette (routing, dependencies, responses)", "/fastapi/"),
    ("FastAPI and Starlette (routing, dependencies, responses)", "/starlette/"),
    ("FastAPI and Starlette (routing, dependencies, responses)", "/anyio/"),
    ("HTTP server (uvicorn, h11, httptools)", "/uvicorn/"),
    ("HTTP server (uvicorn, h11, httptools)", "/h11/"),
    ("HTTP server (uvicorn, h11, httptools)", "httptools"),
    ("event loop (sockets, scheduling)", "/asyncio/"),
    ("event loop (sockets, scheduling)", "uvloop"),
    ("event loop (sockets, scheduling)", "selectors.py"),
    ("the routes and the rest of ingest", "/services/"),
)
OTHER = "other (interpreter, standard library)"


def _keys() -> str:
    return json.dumps(
        [
            {"name": "bench source", "role": "source", "key_sha256": digest_of(SOURCE_KEY)},
            {
                "name": "bench office",
                "role": "field_office",
                "key_sha256": digest_of(OFFICE_KEY),
                "field_office": "LOS",
            },
        ]
    )


def booking(index: int, run: str, occurred_at: str) -> dict[str, Any]:
    return {
        "event_id": f"{run}-b-{index}",
        "type": "booking",
        "occurred_at": occurred_at,
        "facility_ori": FACILITY,
        "booking_number": f"{run}-{index}",
        "person": person_of(index).model_dump(mode="json", exclude_defaults=True),
    }


def _an_hour_ago() -> str:
    """A booking's time as a feed would send it now: recent, so never counted late in the feed's quality (an event
    accepted a day after it occurred is, and costs its request a write more)."""
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat()


def detainer(index: int, run: str) -> dict[str, Any]:
    return {
        "detainer_id": f"{run}-{index}",
        "form": "I-247A",
        "field_office": "LOS",
        "person": person_of(index).model_dump(mode="json", exclude_defaults=True),
        "issued_at": "2026-11-26T00:00:00+00:00",
    }


@dataclass
class _Answer:
    status: int = 0
    body: bytes = b""


async def asgi_post(app: FastAPI, path: str, body: bytes, *, key: str, content_type: str) -> _Answer:
    """One POST straight into the ASGI app."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
        "state": {},
    }
    sent = False
    answer = _Answer()
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the client never disconnects
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    answer.body = b"".join(chunks)
    return answer


@dataclass
class Timed:
    units: int
    wall_us: float  # per unit
    cpu_us: float  # per unit, this process


async def _timed(work: Callable[[], Awaitable[int]]) -> Timed:
    started, cpu = time.perf_counter(), time.process_time()
    units = await work()
    return Timed(units, (time.perf_counter() - started) / units * 1e6, (time.process_time() - cpu) / units * 1e6)


async def _profiled(name: str, work: Callable[[], Awaitable[int]]) -> dict[str, Any]:
    profiler = Profiler(interval=0.0002, async_mode="enabled")
    with counted_round_trips() as trips:
        profiler.start()
        started = time.perf_counter()
        units = await work()
        elapsed = time.perf_counter() - started
        profiler.stop()
    spent: defaultdict[str, float] = defaultdict(float)
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is not None:
        self_times(root, BUCKETS, OTHER, spent)
    sampled = sum(spent.values()) or 1.0
    (TREES / f"ingest_profile_{name}.txt").write_text(profiler.output_text(unicode=True, color=False))
    return {
        "units": units,
        "us_per_unit_profiled": elapsed / units * 1e6,
        "share_by_bucket": {b: s / sampled for b, s in sorted(spent.items(), key=lambda item: -item[1])},
        "round_trips_per_unit": {name: count / units for name, count in trips.most_common()},
    }


def _single_events(app: FastAPI, run: str, count: int) -> Callable[[], Awaitable[int]]:
    occurred_at = _an_hour_ago()
    bodies = [json.dumps(booking(n, run, occurred_at)).encode() for n in range(count)]

    async def work() -> int:
        for body in bodies:
            answer = await asgi_post(app, "/v1/custody-events", body, key=SOURCE_KEY, content_type="application/json")
            assert answer.status == 202, answer.body[:500]
        return len(bodies)

    return work


def _lodge_batches(app: FastAPI, run: str, batches: int) -> Callable[[], Awaitable[int]]:
    bodies = [
        b"".join(json.dumps(detainer(b * LODGE_BATCH + n, run)).encode() + b"\n" for n in range(LODGE_BATCH))
        for b in range(batches)
    ]

    async def work() -> int:
        for body in bodies:
            answer = await asgi_post(
                app, "/v1/detainers:batch", body, key=OFFICE_KEY, content_type="application/x-ndjson"
            )
            assert answer.status == 200, answer.body[:500]
            assert json.loads(answer.body)["created"] == LODGE_BATCH, answer.body[:500]
        return LODGE_BATCH * len(bodies)

    return work


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def process_cpu_per_request() -> dict[str, float]:
    """The real ``python -m ingest`` (uvicorn), one client posting single events in turn: its CPU per request."""
    import httpx

    from bench.chaos.harness import Stack

    with tempfile.TemporaryDirectory(prefix="rw-bench-ingest-") as directory, Stack(Path(directory)) as stack:
        stack.start_redis()
        ingest = stack.ingest(RW_AUTH="required", RW_API_KEYS=_keys(), RW_LOG_FORMAT="json", RW_MAX_BACKLOG="10000000")
        stack.start(ingest)
        assert ingest.pid is not None
        headers = {"authorization": f"Bearer {SOURCE_KEY}", "content-type": "application/json"}
        occurred_at = _an_hour_ago()
        bodies = [json.dumps(booking(n, "proc", occurred_at)).encode() for n in range(PROCESS_EVENTS + 200)]
        async with httpx.AsyncClient(base_url=ingest.base_url, headers=headers) as api:
            for body in bodies[:200]:  # warm up: imports, scripts loaded, connections made
                (await api.post("/v1/custody-events", content=body)).raise_for_status()
            cpu, started = _cpu_seconds(ingest.pid), time.perf_counter()
            for body in bodies[200:]:
                (await api.post("/v1/custody-events", content=body)).raise_for_status()
            elapsed, used = time.perf_counter() - started, _cpu_seconds(ingest.pid) - cpu
    return {
        "requests": PROCESS_EVENTS,
        "cpu_us_per_request": used / PROCESS_EVENTS * 1e6,
        "wall_us_per_request": elapsed / PROCESS_EVENTS * 1e6,
        "requests_per_cpu_second": PROCESS_EVENTS / used if used else float("nan"),
    }


async def profile(url: str, *, process: bool, logs: TextIO | None = None) -> dict[str, Any]:
    """Measure and profile both requests (``logs``: where the service's logs go, formatted as in production)."""
    if logs is not None:
        configure_logging("INFO", "json", service="ingest", stream=logs)
    settings = IngestSettings(redis_url=url, auth="required", api_keys=_keys(), max_backlog=10_000_000)
    app = create_app(settings)
    result: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        await _single_events(app, "warm", 200)()
        single = await _timed(_single_events(app, "single", SINGLE_EVENTS))
        lodge = await _timed(_lodge_batches(app, "lodge", LODGE_BATCHES))
        result["single_event"] = {
            "requests": single.units,
            "wall_us_per_request": single.wall_us,
            "cpu_us_per_request": single.cpu_us,
            **await _profiled("single_event", _single_events(app, "single-profiled", SINGLE_EVENTS)),
        }
        result["detainer_batch"] = {
            "detainers": lodge.units,
            "detainers_per_second": 1e6 / lodge.wall_us,
            "wall_us_per_detainer": lodge.wall_us,
            "cpu_us_per_detainer": lodge.cpu_us,
            **await _profiled("detainer_batch", _lodge_batches(app, "lodge-profiled", 1)),
        }
    if process:
        result["process"] = await process_cpu_per_request()
    result["load_average"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _print(result: dict[str, Any]) -> None:
    single, lodge = result["single_event"], result["detainer_batch"]
    print(
        f"POST /v1/custody-events, {single['requests']:,} in turn, in process: {single['wall_us_per_request']:.0f} us "
        f"a request, {single['cpu_us_per_request']:.0f} us of CPU"
    )
    for bucket, share in single["share_by_bucket"].items():
        print(f"  {share:6.1%}  {share * single['cpu_us_per_request']:7.1f} us  {bucket}")
    print(
        "  Redis round trips a request: " + ", ".join(f"{n} {c:.2f}" for n, c in single["round_trips_per_unit"].items())
    )
    print(
        f"POST /v1/detainers:batch, {LODGE_BATCH:,} NDJSON, in process: {lodge['detainers_per_second']:,.0f} "
        f"detainers/s ({lodge['wall_us_per_detainer']:.0f} us, {lodge['cpu_us_per_detainer']:.0f} us of CPU a "
        "detainer)"
    )
    for bucket, share in lodge["share_by_bucket"].items():
        print(f"  {share:6.1%}  {share * lodge['wall_us_per_detainer']:7.1f} us  {bucket}")
    if "process" in result:
        process = result["process"]
        print(
            f"python -m ingest (uvicorn), {process['requests']:,} single-event POSTs in turn: "
            f"{process['cpu_us_per_request']:.0f} us of its CPU a request ({process['requests_per_cpu_second']:,.0f} "
            f"requests per CPU second), {process['wall_us_per_request']:.0f} us a request seen by the client"
        )
    print(f"Load average: {', '.join(f'{v:.2f}' for v in result['load_average'])}; figures: {RESULTS}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--process", action="store_true", help="also measure the real process's CPU a request")
    options = parser.parse_args()
    with throwaway_redis() as (url, _), Path(os.devnull).open("w") as dropped:  # noqa: ASYNC230  before any request
        _print(await profile(url, process=options.process, logs=dropped))


if __name__ == "__main__":
    asyncio.run(main())
