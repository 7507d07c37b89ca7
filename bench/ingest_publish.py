"""Ingest: publishing custody events idempotently, against bare XADD.

Baselines are measured in the same run on the same Redis:
- a bare pipelined XADD of the same payloads (no receipt, no idempotency);
- for the API, the publisher alone (so the ratio is what HTTP and validation cost);
- for the API under a sharing policy covering the facility, the same API without one (so the ratio is what
  enforcing the policy costs: each event decided on its booking's record, in turn).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis

from bench.data import feed
from bench.harness import Comparison, compare, report, throwaway_redis
from contracts import CustodyEvent, RedisNames
from ingest.app import create_app
from ingest.settings import IngestSettings
from store.custody_stream import CustodyEventPublisher

BATCH_EVENTS = 20_000
SINGLE_EVENTS = 2_000
API_EVENTS = 10_000
CHUNK = 500
BARE_STREAM = "bench:{custody}:bare"
POLICY_EVENTS = 2_000
POLICY = """\
policies:
  - jurisdiction: CA0194200
    name: "bench: in-custody notices, schedules for felonies only, identity stripped"
    share:
      booking: true
      release_scheduled: {when: {any_charge: {severity: [felony]}}}
      release: true
      transfer: true
    identity_fields: [last_name, first_name, date_of_birth, sex, a_number]
"""


async def run(url: str) -> list[Comparison]:
    names = RedisNames()
    client = Redis.from_url(url)
    publisher = CustodyEventPublisher(client, names, receipt_ttl_seconds=3600, chunk_size=CHUNK)
    runs = itertools.count()

    def events_of(count: int):  # fresh event ids every run: a repeat must not be a replay
        async def prepare() -> list[CustodyEvent]:
            return feed(count, run=f"r{next(runs)}")

        return prepare

    def payloads_of(count: int):
        async def prepare() -> list[str]:
            return [event.model_dump_json() for event in feed(count, run=f"r{next(runs)}")]

        return prepare

    async def publish_batch(events: list[CustodyEvent]) -> int:
        await publisher.publish(events)
        return len(events)

    async def xadd_batch(payloads: list[str]) -> int:
        for start in range(0, len(payloads), CHUNK):
            async with client.pipeline(transaction=False) as pipe:
                for payload in payloads[start : start + CHUNK]:
                    pipe.xadd(BARE_STREAM, {"__data__": payload})
                await pipe.execute()
        return len(payloads)

    async def publish_one_by_one(events: list[CustodyEvent]) -> int:
        for event in events:
            await publisher.publish([event])
        return len(events)

    async def xadd_one_by_one(payloads: list[str]) -> int:
        for payload in payloads:
            await client.xadd(BARE_STREAM, {"__data__": payload})
        return len(payloads)

    # No backlog limit: the runs, the baseline's among them, leave every event they publish on the stream.
    app = create_app(
        IngestSettings(redis_url=url, log_format="text", log_level="WARNING", auth="off", max_backlog=10**9)
    )

    async def ndjson_body() -> bytes:
        return b"".join(event.model_dump_json().encode() + b"\n" for event in feed(API_EVENTS, run=f"r{next(runs)}"))

    async def api_batch(body: bytes) -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            answer = await http.post(
                "/v1/custody-events:batch", content=body, headers={"content-type": "application/x-ndjson"}
            )
        assert answer.status_code == 202, answer.text
        return int(answer.json()["accepted"])

    comparisons = [
        await compare(
            "publish, chunks of 500 (receipt + XADD, Lua)",
            "events",
            (publish_batch, events_of(BATCH_EVENTS)),
            "pipelined XADD",
            (xadd_batch, payloads_of(BATCH_EVENTS)),
        ),
        await compare(
            "publish, one event per call",
            "events",
            (publish_one_by_one, events_of(SINGLE_EVENTS)),
            "one XADD per call",
            (xadd_one_by_one, payloads_of(SINGLE_EVENTS)),
        ),
    ]
    async with app.router.lifespan_context(app):
        comparisons.append(
            await compare(
                "POST /v1/custody-events:batch, 10k NDJSON (parse, validate, publish)",
                "events",
                (api_batch, ndjson_body),
                "publisher alone",
                (publish_batch, events_of(API_EVENTS)),
            )
        )
    comparisons.append(await _under_a_policy(url, runs))
    await client.aclose()
    return comparisons


async def _under_a_policy(url: str, runs: itertools.count[int]) -> Comparison:
    """The batch endpoint for a facility a sharing policy covers, against the same endpoint without a policy."""
    with tempfile.TemporaryDirectory(prefix="rw-bench-policy-") as directory:
        path = Path(directory) / "policies.yaml"
        path.write_text(POLICY)
        unlimited = {
            "redis_url": url,
            "log_format": "text",
            "log_level": "WARNING",
            "auth": "off",
            "max_backlog": 10**9,
        }
        policed = create_app(IngestSettings(**unlimited, policies_file=path))
        unpoliced = create_app(IngestSettings(**unlimited))

        async def body() -> bytes:
            events = feed(POLICY_EVENTS, run=f"r{next(runs)}")
            return b"".join(event.model_dump_json().encode() + b"\n" for event in events)

        def posting(app: FastAPI) -> Callable[[bytes], Awaitable[int]]:
            async def post(content: bytes) -> int:
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
                    answer = await http.post(
                        "/v1/custody-events:batch", content=content, headers={"content-type": "application/x-ndjson"}
                    )
                assert answer.status_code == 202, answer.text
                result = answer.json()
                return int(result["accepted"]) + int(result.get("withheld", 0))

            return post

        async with policed.router.lifespan_context(policed), unpoliced.router.lifespan_context(unpoliced):
            return await compare(
                f"POST batch, {POLICY_EVENTS:,} NDJSON events of a facility under a sharing policy",
                "events",
                (posting(policed), body),
                "no policy",
                (posting(unpoliced), body),
            )


async def main() -> None:
    """This benchmark alone, on a throwaway Redis: ``python -m bench.ingest_publish``."""
    logging.disable(logging.WARNING)  # the app logs every request; the table is the output here
    with throwaway_redis() as (url, _):
        comparisons = await run(url)
    report(comparisons, title="ingest: publishing custody events (best of 3; ratio = ours / baseline)")


if __name__ == "__main__":
    asyncio.run(main())
