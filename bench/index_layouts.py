"""Layouts for the index of bookings by person, measured against each other: ``python -m bench.index_layouts``.

The bookings of ``bench/data.py``'s people (every fifth released, so filed with an expiry; the rest held, filed
for good), filed under the index's keys in each candidate layout, written straight into a throwaway Redis;
then ``MEMORY USAGE ... SAMPLES 0`` of every key, and how many keys left Redis's compact listpack encoding at
the default ``zset-max-listpack-*`` / ``hash-max-listpack-*`` limits. At 10,000 and at 100,000 bookings (or
``--bookings N ...``): a layout compact at one scale may not be at another.

- ``set per key``: the layout before this one, one sorted set per blocking key (the whole booking key scored
  by expiry in ms);
- ``zset|hash buckets of N``: the filings of many keys in one of N fixed buckets (by the digest's first hex
  digits, under the 256 hash tags); a member (hash field) is ``FRAGMENT_DIGITS`` hex digits of the key's digest
  and the booking's reference, the score (value) its expiry in seconds;
- ``spill levels``: the layout ``store/booking_index.py`` keeps (see there): a filing goes to the first of its
  key's buckets from level ``FIRST_LEVEL`` on (of 16, 256 and 4,096 a tag) with fewer than 128 filings (the last
  takes any).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable

from redis.asyncio import Redis

from bench.data import person_of
from bench.harness import throwaway_redis
from notifier.matching import booking_filing_keys
from store.booking_index import FIRST_LEVEL, FRAGMENT_DIGITS, LEVELS, MAX_FILINGS_A_BUCKET

NOW_S = 1_800_000_000
RETENTION_S = 30 * 86400
Filing = tuple[str, str, float]  # (digest of the blocking key, booking reference, expiry in seconds or inf)


def filings(bookings: int) -> list[Filing]:
    out: list[Filing] = []
    for index in range(bookings):
        ref = f"CA0194200:memory-{index}"
        expiry = NOW_S + RETENTION_S if index % 5 == 0 else float("inf")
        for key in booking_filing_keys(person_of(index)):
            out.append((hashlib.sha256(key.encode()).hexdigest()[:32], ref, expiry))
    return out


def _set_per_key(filings: list[Filing]) -> dict[str, dict[str, float]]:
    sets: dict[str, dict[str, float]] = defaultdict(dict)
    for digest, ref, expiry in filings:
        sets[f"rw:bookings-by-key:{{b:{digest[:2]}}}:{digest}"][f"rw:booking:{{{ref}}}"] = expiry * 1000
    return sets


def _fixed(digits: int) -> Callable[[list[Filing]], dict[str, dict[str, float]]]:
    def layout(filings: list[Filing]) -> dict[str, dict[str, float]]:
        buckets: dict[str, dict[str, float]] = defaultdict(dict)
        for digest, ref, expiry in filings:
            buckets[f"rw:booking-index:{{b:{digest[:2]}}}:{digest[2 : 2 + digits]}"][
                digest[2 : 2 + FRAGMENT_DIGITS] + ref
            ] = expiry
        return buckets

    return layout


def _spill(filings: list[Filing]) -> dict[str, dict[str, float]]:
    buckets: dict[str, dict[str, float]] = defaultdict(dict)
    for digest, ref, expiry in filings:
        names = [f"rw:booking-index:{{b:{digest[:2]}}}:{digest[2 : 2 + level]}" for level in range(1, LEVELS + 1)]
        bucket = next((n for n in names[FIRST_LEVEL - 1 : -1] if len(buckets[n]) < MAX_FILINGS_A_BUCKET), names[-1])
        buckets[bucket][digest[2 : 2 + FRAGMENT_DIGITS] + ref] = expiry
    return {name: members for name, members in buckets.items() if members}


LAYOUTS: dict[str, tuple[str, Callable[[list[Filing]], dict[str, dict[str, float]]]]] = {
    "set per key": ("zset", _set_per_key),
    "zset buckets of 4,096": ("zset", _fixed(1)),
    "hash buckets of 4,096": ("hash", _fixed(1)),
    "zset buckets of 65,536": ("zset", _fixed(2)),
    "zset buckets of 1,048,576": ("zset", _fixed(3)),
    "spill levels": ("zset", _spill),
}


async def measure(client: Redis, kind: str, keys: dict[str, dict[str, float]]) -> tuple[int, int, int]:
    """Writes the keys; answers (keys, bytes, keys not in listpack encoding)."""
    await client.flushdb()
    names = list(keys)
    for start in range(0, len(names), 2000):
        async with client.pipeline(transaction=False) as pipe:
            for name in names[start : start + 2000]:
                if kind == "zset":
                    pipe.zadd(name, keys[name])
                else:
                    pipe.hset(name, mapping={m: "inf" if e == float("inf") else int(e) for m, e in keys[name].items()})
            await pipe.execute()
    used = 0
    encodings: Counter[str] = Counter()
    for start in range(0, len(names), 2000):
        async with client.pipeline(transaction=False) as pipe:
            for name in names[start : start + 2000]:
                pipe.memory_usage(name, samples=0)
                pipe.object("encoding", name)
            replies = await pipe.execute()
        used += sum(int(size or 0) for size in replies[0::2])
        encodings.update(e.decode() if isinstance(e, bytes) else str(e) for e in replies[1::2])
    return len(names), used, sum(count for encoding, count in encodings.items() if encoding != "listpack")


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bookings", type=int, nargs="+", default=[10_000, 100_000])
    scales = parser.parse_args().bookings
    with throwaway_redis() as (url, _):
        client = Redis.from_url(url)
        try:
            print(
                f"{'layout':<28} {'bookings':>9} {'filings':>10} {'keys':>9} {'B a booking':>12} {'not listpack':>13}"
            )
            for bookings in scales:
                filed = filings(bookings)
                for name, (kind, layout) in LAYOUTS.items():
                    count, used, big = await measure(client, kind, layout(filed))
                    print(
                        f"{name:<28} {bookings:>9,} {len(filed):>10,} {count:>9,} {used / bookings:>12,.0f} {big:>13,}"
                    )
        finally:
            await client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
