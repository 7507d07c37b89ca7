"""Decision time, memory and accuracy with many active detainers (10,000 / 100,000 / 1,000,000).

The detainers are written to Redis as ingest writes them; each scale is then
measured in a fresh process: ``DetainerIndex.load()`` (what a notifier does at
start), its resident memory, and the time of ``DetainerIndex.matches`` — the
whole decision for one booked person: normalising them, the blocking-key
lookups, comparing every candidate, the margin — for bookings of subjects
(with errors) and of other people. Redis ``used_memory`` is reported for the
detainer records and for the booking index (bookings filed by blocking key).
How many candidates each booking had is counted afterwards, untimed: decision
time follows it, and it grows with the number of detainers.

Then, untimed, ``MORE_OTHERS`` bookings of people with no detainer are decided
too: precision at the field's mix allows about 0.02 false automatic matches
per 1,000 of them, which only a couple of hundred thousand can tell from 0.2.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any, cast

from redis.asyncio import Redis

from bench.match.evaluate import PREVALENCE, precision_at_mix
from bench.match.generator import _Errors, _People
from bench.match.rows import Row
from contracts import Alias, Detainer, DetainerForm, DetainerStatus, MatchDecision, Person, RedisNames, Sex, StateId
from notifier.domain.custody import BookingState
from notifier.handlers.booking_index import BookingIndex
from notifier.handlers.detainer_index import DetainerIndex
from notifier.matching import fitted_model, match_record
from notifier.matching.compare import compare
from notifier.matching.decide import may_match_automatically

__all__ = ["run"]

SCALES = (10_000, 100_000, 1_000_000)
EVENTS = 20_000  # decisions timed per scale
SUBJECT_SHARE = 0.1  # of the timed bookings, those of a detainer's subject
MORE_OTHERS = 200_000  # bookings of people with no detainer decided after the timed ones, for precision
FILED_BOOKINGS = 100_000  # bookings filed in the Redis booking index, for its memory
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
_WRITE_CHUNK = 5_000


def _person(row: Row) -> Person:
    return Person(
        last_name=row.last_name or "UNKNOWN",
        first_name=row.first_name or "UNKNOWN",
        middle_name=row.middle_name,
        date_of_birth=row.date_of_birth or NOW.date(),
        sex=Sex(row.sex) if row.sex else Sex.UNKNOWN,
        place_of_birth=row.place_of_birth,
        aliases=tuple(Alias(last_name=last or "X", first_name=first or "X") for first, _, last, _ in row.aliases),
        fbi_number=row.fbi_number,
        a_number=row.a_number,
        state_id=StateId(state=row.state_id[0], number=row.state_id[1]) if row.state_id else None,
    )


@dataclass(frozen=True, slots=True)
class Booked:
    """A booking to decide on: the person, their own detainer's id (None: they have none; at a smaller
    scale a subject whose detainer is not loaded has none either), and whether the hard rules would let
    it match its own detainer automatically at all (``may_match_automatically``)."""

    person: Person
    own: str | None = None
    within_hard_rules: bool = False

    def line(self) -> str:
        return json.dumps({"own": self.own, "within": self.within_hard_rules, "person": self.person.model_dump_json()})

    @classmethod
    def read(cls, line: str) -> Booked:
        entry = json.loads(line)
        return cls(Person.model_validate_json(entry["person"]), entry["own"], entry["within"])


def _within_hard_rules(booked: Person, detainer: Row) -> bool:
    return may_match_automatically(compare(match_record(booked), match_record(_person(detainer)), fitted_model()))


def _people(count: int, seed: int, more_others: int = 0) -> tuple[list[Row], list[Booked]]:
    """The detainers; the timed bookings (``EVENTS``, a share of them subjects'); then ``more_others``
    bookings of people with no detainer."""
    rng = random.Random(seed)
    people = _People(rng)
    errors = _Errors(rng, people.short_forms)
    subjects = [people.person(index, "s-") for index in range(count)]
    detainers = [errors.detainer_of(subject, f"D-{subject.person_id}") for subject in subjects]
    booked: list[Booked] = []
    for index in range(EVENTS):
        if rng.random() < SUBJECT_SHARE:
            number = rng.randrange(count)
            person = _person(errors.booking_of(subjects[number], f"B-{index}"))
            own = detainers[number]
            booked.append(Booked(person, own.record_id, _within_hard_rules(person, own)))
        else:
            booked.append(Booked(_person(errors.booking_of(people.person(index, "o-"), f"B-{index}"))))
    for index in range(EVENTS, EVENTS + more_others):
        booked.append(Booked(_person(errors.booking_of(people.person(index, "o-"), f"B-{index}"))))
    return detainers, booked


Decided = tuple[Booked, list[tuple[str, MatchDecision]]]  # a booking and the (detainer id, decision) made on it


def _accuracy_at_scale(index: DetainerIndex, decided: Iterable[Decided]) -> dict[str, Any]:
    """What the decisions were worth at this many detainers: bookings of people with no detainer among
    those loaded draw only false alerts and needless reviews, and those grow with the detainers."""
    others = false_auto_others = reviews_others = subjects = within = true_auto = found = 0
    false_auto_subjects = reviews_subjects = 0
    for entry, decisions in decided:
        has_detainer = entry.own is not None and index.get(entry.own) is not None
        subjects += has_detainer
        others += not has_detainer
        within += has_detainer and entry.within_hard_rules
        found += has_detainer and any(detainer_id == entry.own for detainer_id, _ in decisions)
        for detainer_id, decision in decisions:
            if decision is MatchDecision.MATCH:
                if detainer_id == entry.own:
                    true_auto += 1
                elif has_detainer:
                    false_auto_subjects += 1
                else:
                    false_auto_others += 1
            elif has_detainer:
                reviews_subjects += 1
            else:
                reviews_others += 1
    per_subject = 1 / subjects if subjects else 0.0
    per_other = 1 / others if others else 0.0
    return {
        "bookings_of_subjects": subjects,
        "bookings_of_others": others,
        "auto_recall": round(true_auto * per_subject, 4) if subjects else None,
        "hard_rule_ceiling": round(within * per_subject, 4) if subjects else None,
        "found_recall": round(found * per_subject, 4) if subjects else None,
        "false_auto_on_subjects": false_auto_subjects,
        "false_auto_on_others": false_auto_others,
        "false_auto_per_1000_others": round(1000 * false_auto_others * per_other, 4),
        "auto_precision_at_mix": round(
            precision_at_mix(true_auto * per_subject, false_auto_subjects * per_subject, false_auto_others * per_other),
            5,
        ),
        "reviews_per_1000_others": round(1000 * reviews_others * per_other, 2),
        "reviews_per_1000_at_mix": round(
            1000 * (PREVALENCE * reviews_subjects * per_subject + (1 - PREVALENCE) * reviews_others * per_other), 2
        ),
    }


async def _used_memory(client: Redis) -> int:
    info = cast(dict[str, Any], await client.info("memory"))
    return int(info["used_memory"])


async def _write_detainers(client: Redis, names: RedisNames, rows: list[Row]) -> None:
    for start in range(0, len(rows), _WRITE_CHUNK):
        async with client.pipeline(transaction=False) as pipe:
            for row in rows[start : start + _WRITE_CHUNK]:
                detainer = Detainer(
                    detainer_id=row.record_id,
                    form=DetainerForm.I_247A,
                    field_office="LOS",
                    person=_person(row),
                    issued_at=NOW,
                    status=DetainerStatus.ACTIVE,
                    lodged_at=NOW,
                )
                pipe.set(names.detainer(detainer.detainer_id), detainer.model_dump_json())
                pipe.sadd(names.active_detainers, detainer.detainer_id)
            await pipe.execute()


def _read_bookings(path: str, *, first: int | None = None, skip: int = 0) -> Iterator[Booked]:
    """The bookings in the file, one at a time: the first ``first`` after ``skip``, or all after it."""
    with Path(path).open(encoding="utf-8") as lines:
        yield from (Booked.read(line) for line in islice(lines, skip, None if first is None else skip + first))


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def _measure_one_scale(url: str, prefix: str, timed_file: str, events: int) -> dict[str, Any]:
    """In a fresh process: load the index, then time the first ``events`` decisions; then decide the
    rest, untimed."""
    client = Redis.from_url(url)
    index = DetainerIndex(client, RedisNames(prefix=prefix))
    timed = await asyncio.to_thread(lambda: list(_read_bookings(timed_file, first=events)))
    gc.collect()
    before = _rss_bytes()
    started = time.perf_counter()
    await index.load()
    load_seconds = time.perf_counter() - started
    gc.collect()
    after = _rss_bytes()
    for entry in timed[:200]:  # warm the caches a running notifier would have warm
        index.matches(entry.person)
    durations, on_cpu = [], []
    decisions: list[list[tuple[str, MatchDecision]]] = []
    for entry in timed:
        begin, begin_on_cpu = time.perf_counter_ns(), time.thread_time_ns()
        found = index.matches(entry.person)
        on_cpu.append(time.thread_time_ns() - begin_on_cpu)
        durations.append(time.perf_counter_ns() - begin)
        decisions.append([(detainer.detainer_id, evidence.decision) for detainer, evidence in found])
    # Untimed, after the timed run: the candidates each booking was compared with (the index's own
    # search, as ``matches`` makes it), which is what decision time follows.
    people = index._people  # the bench looks inside the index it measures
    candidates = sorted(len(people.candidate_records(entry.person)) for entry in timed)
    # Untimed too: the many more bookings of people with no detainer, read one at a time.
    more: Iterator[Decided] = (
        (entry, [(detainer.detainer_id, evidence.decision) for detainer, evidence in index.matches(entry.person)])
        for entry in _read_bookings(timed_file, skip=events)
    )
    accuracy = _accuracy_at_scale(index, chain(zip(timed, decisions, strict=True), more))
    await client.aclose()
    durations.sort()
    micro = [value / 1000 for value in durations]
    micro_on_cpu = sorted(value / 1000 for value in on_cpu)
    return {
        "detainers": len(index),
        "load_seconds": round(load_seconds, 1),
        "rss_index_mb": round((after - before) / 2**20, 1),
        "rss_total_mb": round(after / 2**20, 1),
        "decision_us_p50": round(statistics.median(micro), 1),
        "decision_us_p99": round(micro[int(len(micro) * 0.99)], 1),
        "decision_us_max": round(micro[-1], 1),
        "decision_us_mean": round(statistics.fmean(micro), 1),
        # The deciding thread's CPU time: what a decision costs on a core of its own (``matches`` does no
        # I/O), whatever else a shared machine runs meanwhile; the wall-clock figures count that too.
        "decision_cpu_us_p50": round(statistics.median(micro_on_cpu), 1),
        "decision_cpu_us_p99": round(micro_on_cpu[int(len(micro_on_cpu) * 0.99)], 1),
        "decision_cpu_us_mean": round(statistics.fmean(micro_on_cpu), 1),
        "events_timed": len(micro),
        "alerts_decided": sum(len(found) for found in decisions),
        "accuracy": accuracy,
        "candidates_p50": candidates[len(candidates) // 2],
        "candidates_p99": candidates[int(len(candidates) * 0.99)],
        "candidates_max": candidates[-1],
        "candidates_mean": round(statistics.fmean(candidates), 2),
    }


async def _booking_index_memory(client: Redis, people: list[Person]) -> dict[str, float]:
    names = RedisNames(prefix="bench-bookings")
    index = BookingIndex(client, names, retention_seconds=3600)
    before = await _used_memory(client)
    for start in range(0, len(people), 1_000):
        transitions = []
        for number, person in enumerate(people[start : start + 1_000], start=start):
            empty = BookingState.empty("CA0194200", f"B{number}")
            transitions.append((empty, empty.model_copy(update={"person": person, "booked_at": NOW})))
        await index.record(transitions)
    used = await _used_memory(client) - before
    return {
        "bookings_filed": len(people),
        "redis_mb": round(used / 2**20, 1),
        "bytes_per_booking": round(used / len(people)),
    }


async def run(
    url: str, scales: tuple[int, ...] = SCALES, workdir: Path | None = None, more_others: int = MORE_OTHERS
) -> dict[str, Any]:
    client = Redis.from_url(url)
    await client.flushdb()
    largest = max(scales)
    rows, booked = _people(largest, seed=7, more_others=more_others)
    work = workdir or Path("/tmp")
    timed_file = work / "rw-bench-match-timed.ndjson"
    timed_file.write_text("\n".join(entry.line() for entry in booked))
    del booked
    results: dict[str, Any] = {"scales": []}
    for scale in scales:
        prefix = f"bench-{scale}"
        before = await _used_memory(client)
        await _write_detainers(client, RedisNames(prefix=prefix), rows[:scale])
        redis_mb = round((await _used_memory(client) - before) / 2**20, 1)
        child = await asyncio.to_thread(  # a fresh process, so its memory is the index's alone
            subprocess.run,
            [
                *(sys.executable, "-m", "bench.match.speed", "--url", url, "--prefix", prefix),
                *("--timed", str(timed_file), "--events", str(EVENTS)),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        measured["redis_detainer_records_mb"] = redis_mb
        results["scales"].append(measured)
        await client.delete(RedisNames(prefix=prefix).active_detainers)
        async for key in client.scan_iter(match=f"{prefix}:*", count=10_000):
            await client.unlink(key)
    filed = [_person(row) for row in rows[: min(FILED_BOOKINGS, len(rows))]]
    results["booking_index"] = await _booking_index_memory(client, filed)
    await client.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--timed", required=True)
    parser.add_argument("--events", type=int, required=True, help="how many of the bookings to time")
    arguments = parser.parse_args()
    measured = _measure_one_scale(arguments.url, arguments.prefix, arguments.timed, arguments.events)
    print(json.dumps(asyncio.run(measured)))


if __name__ == "__main__":
    main()
