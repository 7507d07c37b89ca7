"""Redis memory per booking held and per detainer: what every key the service keeps costs, by what it keeps.

Detainers are lodged through the store's lodge script (as the API lodges them), custody events are published
as intake publishes them (receipts and all) and processed by the notifier's custody path, as a notifier wired
for it does. Then every key is measured with ``MEMORY USAGE ... SAMPLES 0`` (every element counted) and put
in the family its name says. Streams are left out of the per-booking figure: they are trimmed to their
retention window, and what a booking costs while held is its state, its entries in the index by person,
its facility's in-custody set and its events' receipts. Figures, not ratios: there is no baseline to hold
bytes against, so the target is a number (printed beside it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis

from bench.data import NOW, detainers_for, feed
from bench.harness import throwaway_redis
from contracts import Booking, LodgeDetainer, RedisNames
from contracts.envelope import StreamEntry
from notifier.bootstrap import NotifierOptions, build_parts
from store.custody_stream import CustodyEventPublisher
from store.detainers import DetainerStore

__all__ = ["RESULTS", "MemoryReport", "run"]

RESULTS = Path(__file__).parent / "results" / "memory.json"
TARGET_BYTES = 1536  # per booking held, and per detainer

# Key families by a part of the name (the first that appears in a key names its family), and whom they count for.
_FAMILIES: tuple[tuple[str, str, str], ...] = (
    (":booking:", "booking state (and review decisions)", "booking"),
    (":booking-index:", "index of bookings by person", "booking"),
    (":bookings-by-key:", "index of bookings by person (former layouts)", "booking"),
    (":in-custody", "facilities' in-custody sets", "booking"),
    ("{custody}:accepted:", "receipts of accepted events", "booking"),
    ("{custody}:receipt:", "receipts of accepted events", "booking"),  # as kept before receipts were strings
    ("{custody}:roster-", "receipts of accepted rosters", "roster"),
    ("{detainers}:changes", "detainer changelog stream (trimmed to retention)", "stream"),
    ("{detainers}:detainer:", "detainer records", "detainer"),
    ("{detainers}:", "detainer indexes and listings", "detainer"),
    ("{alerts}:", "alerts, their listings and stream", "alerts"),
    ("{audit}:trail", "audit trail (append-only: each alert raised, among others)", "alerts"),
    ("{custody}:events", "custody stream (trimmed to retention)", "stream"),
)


@dataclass
class MemoryReport:
    bookings: int
    detainers: int
    families: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # name: (counts for, keys, bytes)

    def per(self, counted_for: str, count: int) -> float:
        total = sum(used for whom, _, used in self.families.values() if whom == counted_for)
        return total / count if count else 0.0

    @property
    def per_booking(self) -> float:
        return self.per("booking", self.bookings)

    @property
    def per_detainer(self) -> float:
        return self.per("detainer", self.detainers)

    def as_json(self) -> dict[str, object]:
        return {
            "bookings": self.bookings,
            "detainers": self.detainers,
            "bytes_per_booking": round(self.per_booking),
            "bytes_per_detainer": round(self.per_detainer),
            "target_bytes": TARGET_BYTES,
            "families": {
                name: {"counts_for": whom, "keys": keys, "bytes": used}
                for name, (whom, keys, used) in self.families.items()
            },
        }

    def print(self) -> None:
        print(f"Redis memory, {self.bookings:,} bookings held and {self.detainers:,} detainers (MEMORY USAGE):")
        for name, (whom, keys, used) in sorted(self.families.items(), key=lambda item: -item[1][2]):
            share = {"booking": self.bookings, "detainer": self.detainers}.get(whom)
            each = f"{used / share:8,.0f} B per {whom}" if share else ""
            print(f"  {name:<42} {keys:>8,} keys {used / 1e6:9.2f} MB {each}")
        print(
            f"  per booking held: {self.per_booking:,.0f} B; per detainer: {self.per_detainer:,.0f} B "
            f"(target ≤ {TARGET_BYTES:,} B each)"
        )


def _family(key: str) -> tuple[str, str]:
    for part, name, whom in _FAMILIES:
        if part in key:
            return name, whom
    return "other", "other"


async def run(url: str, *, events: int = 14_000, detainers: int = 10_000) -> MemoryReport:
    names = RedisNames()
    client = Redis.from_url(url)
    try:
        await client.flushdb()
        store = DetainerStore(client, names)
        lodges = [
            LodgeDetainer(
                detainer_id=d.detainer_id, form=d.form, field_office=d.field_office, person=d.person, issued_at=NOW
            )
            for d in detainers_for(range(0, detainers * 100, 100))
        ]
        for start in range(0, len(lodges), 1000):
            await store.lodge_many(lodges[start : start + 1000])
        parts = build_parts(client, names, NotifierOptions(booking_retention_seconds=30 * 86400))
        await parts.detainers.load()
        published = feed(events, run="memory")
        await CustodyEventPublisher(client, names, receipt_ttl_seconds=7 * 86400).publish(published)
        entries = await client.xrange(names.custody_events)
        for start in range(0, len(entries), 500):
            batch = entries[start : start + 500]
            await parts.processors.custody.process(
                [StreamEntry(names.custody_events, i.decode(), fields) for i, fields in batch]
            )
        report = MemoryReport(
            bookings=sum(1 for event in published if isinstance(event, Booking)), detainers=len(lodges)
        )
        sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        whose: dict[str, str] = {}
        async for raw in client.scan_iter(match=names.scan_pattern, count=1000):
            key = raw.decode()
            name, whom = _family(key)
            whose[name] = whom
            sizes[name][0] += 1
            sizes[name][1] += int(await client.memory_usage(key, samples=0) or 0)
        report.families = {name: (whose[name], keys, used) for name, (keys, used) in sizes.items()}
        return report
    finally:
        await client.aclose()


def save(report: MemoryReport) -> Path:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    return RESULTS


async def main() -> None:
    """``python -m bench.memory [--bookings N]``: this benchmark alone, on a throwaway Redis. The default scale
    (10,000 bookings) writes ``bench/results/memory.json``; another scale only prints."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bookings", type=int, default=10_000, help="bookings held (events: 1.4 a booking)")
    bookings = parser.parse_args().bookings
    logging.disable(logging.WARNING)  # the notifier logs every alert; the table is the output here
    with throwaway_redis() as (url, _):
        kept = await run(url, events=bookings * 14 // 10)
    kept.print()
    if bookings == 10_000:
        print(f"Memory by key family: {save(kept)}")


if __name__ == "__main__":
    asyncio.run(main())
