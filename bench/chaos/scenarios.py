"""The fault scenarios: each breaks something real in the middle of a feed, then checks what users see.

Every scenario builds the same kind of feed (``feed.build_feed``), starts its
own Redis and services in its own directory (``harness.Stack``), sends the
feed as a retrying source would (``traffic.Sender``) while it injects its
fault, waits until the notifiers have processed and acknowledged everything,
and then compares the alerts field offices can read with the alerts the feed
must raise. A scenario passes when nothing is lost, nothing is duplicated,
nothing unexpected appears, every event answered 202 is in the custody
stream, the dead letters are exactly the poison it injected, and its own
facts hold (the fault really happened while there was work in flight).
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from bench.chaos.feed import FULL, Batch, Feed, Fingerprint, Scale, build_feed
from bench.chaos.harness import NOTIFIER_ENV, ServiceProcess, Stack
from bench.chaos.traffic import Observation, Sender, observe, wait_until_drained

__all__ = ["SCENARIOS", "ScenarioReport", "run_scenario"]


def _drain_timeout(feed: Feed) -> float:
    """Seconds to wait for the notifiers to catch up: generous, never asserted on."""
    return 30.0 + feed.events / 20


MAX_DELIVERIES = int(NOTIFIER_ENV["RW_MAX_DELIVERIES"])


@dataclass
class ScenarioReport:
    scenario: str
    events_sent: int  # distinct events in the feed
    accepted: int  # of those, answered 202 (accepted, or replayed as already accepted)
    expected_alerts: int
    seen_alerts: int  # alerts of the modelled kinds listed by GET /v1/alerts
    duplicates: int  # copies beyond the first of one condition (listing or alert stream)
    lost: int  # expected conditions missing (from the listing or the alert stream)
    unexpected: int  # alerts no story calls for
    dead_letters: int
    expected_dead_letters: int
    lost_events: int  # answered 202 but not in the custody stream
    seconds: float
    facts: dict[str, object] = field(default_factory=dict)  # what the scenario did and saw
    problems: list[str] = field(default_factory=list)  # why it failed; empty when it passed
    samples: list[str] = field(default_factory=list)  # a few of the lost, duplicated or unexpected alerts
    workdir: Path | None = None  # its Redis files and process logs

    @property
    def passed(self) -> bool:
        return not self.problems


class _Background:
    """A fault injected from its own thread; its exception is kept, not lost."""

    def __init__(self, name: str, action: Callable[[], None]) -> None:
        self.error: BaseException | None = None
        self._action = action
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._action()
        except BaseException as error:  # reported as a problem of the scenario
            self.error = error

    def join(self, timeout: float = 120.0) -> None:
        self._thread.join(timeout)
        if self._thread.is_alive():
            self.error = self.error or TimeoutError(f"{self._thread.name} did not finish")


@dataclass
class _Run:
    name: str
    feed: Feed
    stack: Stack
    started: float = field(default_factory=time.monotonic)
    facts: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    expected_dead_letters: int = 0
    faults: list[_Background] = field(default_factory=list)

    def background(self, name: str, action: Callable[[], None]) -> None:
        self.faults.append(_Background(name, action))

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)

    def batch_step(self, fraction: float) -> int:
        """The index of the step that sends the batch ``fraction`` of the way through the feed."""
        batch_steps = [i for i, step in enumerate(self.feed.steps) if isinstance(step, Batch)]
        return batch_steps[min(len(batch_steps) - 1, int(len(batch_steps) * fraction))]


def _compare(expected: Counter[Fingerprint], seen: Counter[Fingerprint]) -> tuple[int, int, int, list[str]]:
    """(lost, duplicates, unexpected, a few examples) of ``seen`` against ``expected``, as multisets."""
    lost = [fp for fp in expected if seen[fp] < expected[fp]]
    duplicated = [fp for fp in seen if fp in expected and seen[fp] > expected[fp]]
    unexpected = [fp for fp in seen if fp not in expected]
    samples = [f"lost: {fp}" for fp in lost[:5]]
    samples += [f"duplicated x{seen[fp]}: {fp}" for fp in duplicated[:5]]
    samples += [f"unexpected: {fp}" for fp in unexpected[:5]]
    return (
        sum(expected[fp] - seen[fp] for fp in lost),
        sum(seen[fp] - expected[fp] for fp in duplicated),
        sum(seen[fp] for fp in unexpected),
        samples,
    )


def _finish(run: _Run, sender: Sender, api: str) -> tuple[ScenarioReport, Observation]:
    """Wait for the notifiers to catch up, look at what users see, and judge it."""
    for fault in run.faults:
        fault.join()
        if fault.error is not None:
            run.problems.append(f"fault injection failed: {type(fault.error).__name__}: {fault.error}")
    timeout = _drain_timeout(run.feed)
    drained = wait_until_drained(run.stack.client, run.stack.names, timeout=timeout)
    run.check(drained, f"the notifiers did not process everything within {timeout:.0f} s")
    time.sleep(0.5)  # let a last alert listing land; the comparison does not depend on it
    seen: Observation = observe(api, run.stack.client, run.stack.names)

    expected = run.feed.expected_alerts()
    lost, duplicates, unexpected, samples = _compare(expected, seen.listed)
    p_lost, p_duplicates, p_unexpected, p_samples = _compare(expected - seen.unannounced, seen.published)
    lost_events = len(sender.stats.accepted - seen.stream_event_ids)
    report = ScenarioReport(
        scenario=run.name,
        events_sent=run.feed.events,
        accepted=len(sender.stats.accepted & run.feed.event_ids),
        expected_alerts=sum(expected.values()),
        seen_alerts=sum(seen.listed.values()),
        duplicates=max(duplicates, p_duplicates),
        lost=max(lost, p_lost),
        unexpected=max(unexpected, p_unexpected),
        dead_letters=len(seen.dead_letters),
        expected_dead_letters=run.expected_dead_letters,
        lost_events=lost_events,
        seconds=time.monotonic() - run.started,
        facts=run.facts,
        problems=run.problems,
        samples=samples or p_samples,
        workdir=run.stack.workdir,
    )
    stats = sender.stats
    report.facts.update(
        {
            "re-sent events": sum(getattr(step, "resent", 0) for step in run.feed.steps),
            "replayed as duplicates": stats.replayed,
            "503 answers": stats.status_503,
            "connection errors": stats.transport_errors,
            "other 5xx answers": stats.other_5xx,
        }
    )
    if seen.other_kinds:
        report.facts["other alert kinds (not compared)"] = dict(seen.other_kinds)
    run.check(report.accepted == report.events_sent, f"{report.events_sent - report.accepted} events never got a 202")
    run.check(not stats.refused, f"events refused: {stats.refused[:5]}")
    run.check(stats.missing_retry_after == 0, f"{stats.missing_retry_after} answers 503 came without Retry-After")
    run.check(lost_events == 0, f"{lost_events} events answered 202 are not in the custody stream")
    run.check(report.lost == 0, f"{report.lost} expected alerts never appeared")
    run.check(report.duplicates == 0, f"{report.duplicates} duplicate alerts")
    run.check(report.unexpected == 0, f"{report.unexpected} alerts no story calls for")
    run.check(
        report.dead_letters == report.expected_dead_letters,
        f"{report.dead_letters} dead letters, {report.expected_dead_letters} expected",
    )
    run.check(seen.listed - seen.unannounced == seen.published, "the alert listing and the alert stream disagree")
    return report, seen


@contextlib.contextmanager
def _scenario(
    name: str,
    workdir: Path,
    scale: Scale,
    seed: int,
    *,
    appendonly: bool = False,
    appendfsync: Literal["everysec", "always"] = "everysec",
) -> Iterator[_Run]:
    feed = build_feed(scale, seed=seed)
    stack = Stack(workdir / name, appendonly=appendonly, appendfsync=appendfsync)
    try:
        yield _Run(name, feed, stack)
    finally:
        stack.close()


def _send(run: _Run, api: str, *hooks: Callable[[int], None]) -> Sender:
    """Send the feed as a retrying source would; each hook is called before each step."""
    sender = Sender(api)

    def before_step(index: int) -> None:
        for hook in hooks:
            hook(index)

    sender.before_step = before_step
    try:
        sender.send(run.feed.steps)
    finally:
        sender.close()
    return sender


def _when_pending(stack: Stack, consumer: str, *, timeout: float = 20.0) -> int:
    """Wait until ``consumer`` holds unacknowledged entries (a batch in flight); how many (0 on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = stack.consumer_pending(consumer)
        if pending:
            return pending
        time.sleep(0.001)
    return 0


def _fault_at(run: _Run, fraction: float, name: str, action: Callable[[], None]) -> Callable[[int], None]:
    """A ``before_step`` hook that starts ``action`` in its own thread ``fraction`` of the way through the feed."""
    return _once_at(run.batch_step(fraction), lambda: run.background(name, action))


def _once_at(step: int, action: Callable[[], None]) -> Callable[[int], None]:
    """A ``before_step`` hook that calls ``action`` once, just before step ``step`` is sent."""

    def hook(index: int) -> None:
        if index == step:
            action()

    return hook


# --- the scenarios ----------------------------------------------------------------


_KILLS_A_CRASH = 3  # kills at most until one finds the notifier holding a batch


def kill_notifier(workdir: Path, scale: Scale = FULL, *, seed: int = 7) -> ScenarioReport:
    """SIGKILL a notifier while it holds a batch, twice, each time starting another under a new name:
    the others reclaim what the dead one left pending."""
    with _scenario("kill-notifier", workdir, scale, seed) as run:
        stack = run.stack
        stack.start_redis()
        ingest, first, second = stack.ingest(), stack.notifier("chaos-a"), stack.notifier("chaos-b")
        stack.start(ingest, first, second)
        left_pending: list[int] = []
        run.facts["left pending by each SIGKILL"] = left_pending

        def crash(victim: ServiceProcess, replacement: str) -> Callable[[], None]:
            def action() -> None:
                dying, left = victim, 0
                for attempt in range(_KILLS_A_CRASH):
                    _when_pending(stack, dying.env["RW_CONSUMER_NAME"])
                    dying.kill()
                    left = stack.consumer_pending(dying.env["RW_CONSUMER_NAME"])
                    started = stack.notifier(replacement if attempt == 0 else f"{replacement}-{attempt}")
                    stack.start(started)
                    if left:
                        break
                    # It acknowledged its batch between being seen holding it and the kill: the one that took its
                    # place is killed with its batch instead.
                    dying = started
                left_pending.append(left)

            return action

        sender = _send(
            run,
            ingest.base_url,
            _fault_at(run, 0.3, "kill-a", crash(first, "chaos-c")),
            _fault_at(run, 0.6, "kill-b", crash(second, "chaos-d")),
        )
        report, _ = _finish(run, sender, ingest.base_url)
        run.check(len(left_pending) == 2 and all(left_pending), "a notifier was not killed with unacknowledged entries")
        return report


def stop_notifier(workdir: Path, scale: Scale = FULL, *, seed: int = 7) -> ScenarioReport:
    """SIGTERM the only notifier in the middle of the feed, start it again under its name: nothing lost."""
    with _scenario("stop-notifier", workdir, scale, seed) as run:
        stack = run.stack
        stack.start_redis()
        ingest, notifier = stack.ingest(), stack.notifier("chaos-a")
        stack.start(ingest, notifier)

        def restart() -> None:
            run.facts["pending at SIGTERM"] = _when_pending(stack, "chaos-a")
            code = notifier.terminate()
            run.facts["exit code"] = code
            # uvicorn re-raises SIGTERM once it has shut down cleanly; -SIGKILL would mean it had to be killed.
            run.facts["graceful"] = code in {0, -signal.SIGTERM}
            run.facts["pending left after exit"] = stack.consumer_pending("chaos-a")
            time.sleep(1.0)  # events keep arriving while no notifier runs
            stack.start(notifier)

        sender = _send(run, ingest.base_url, _fault_at(run, 0.4, "stop", restart))
        report, _ = _finish(run, sender, ingest.base_url)
        run.check(
            run.facts.get("graceful") is True, f"the notifier exited with {run.facts.get('exit code')} on SIGTERM"
        )
        return report


def restart_redis(workdir: Path, scale: Scale = FULL, *, seed: int = 7, down_seconds: float = 2.0) -> ScenarioReport:
    """SIGKILL Redis (append-only file, fsync always) mid-feed, restart it on the same port and files."""
    with _scenario("restart-redis", workdir, scale, seed, appendonly=True, appendfsync="always") as run:
        stack = run.stack
        stack.start_redis()
        ingest, first, second = stack.ingest(), stack.notifier("chaos-a"), stack.notifier("chaos-b")
        stack.start(ingest, first, second)

        def crash_redis() -> None:
            run.facts["pending at the crash"] = _when_pending(stack, "chaos-a", timeout=5.0)  # mid-batch if possible
            stack.kill_redis()
            run.facts["Redis down (s)"] = down_seconds
            time.sleep(down_seconds)
            stack.start_redis()

        sender = _send(run, ingest.base_url, _fault_at(run, 0.4, "crash", crash_redis))
        report, _ = _finish(run, sender, ingest.base_url)
        run.check(
            sender.stats.status_503 + sender.stats.transport_errors > 0, "the source never noticed Redis was down"
        )
        run.check(first.running and second.running, "a notifier exited while Redis was down")
        return report


POISON_ENTRIES: tuple[dict[str, str | bytes], ...] = (
    {"__data__": "{this is not json"},
    {"payload": "written by something else: no __data__ field"},
    {"__data__": '{"type": "booking", "event_id": "half-an-event"}'},
    {"__data__": b"\xff\xfe not utf-8", "type": "booking"},
)


def poison(workdir: Path, scale: Scale = FULL, *, seed: int = 7) -> ScenarioReport:
    """Entries nobody can read, and events whose processing keeps failing, go to the dead letters; the rest flow."""
    poisoned = dataclasses.replace(scale, poison_stories=2)
    with _scenario("poison", workdir, poisoned, seed) as run:
        stack = run.stack
        stack.start_redis()
        names = stack.names
        # Bookings whose stored state is not a hash: every attempt to process their event fails (WRONGTYPE).
        for facility, booking in run.feed.poison_bookings:
            stack.client.set(names.booking(facility, booking), "not a booking state")
        ingest, notifier = stack.ingest(), stack.notifier("chaos-a")
        stack.start(ingest, notifier)
        injected: list[str] = []

        def inject() -> None:  # written straight to the stream, as a misbehaving producer would
            for fields in POISON_ENTRIES:
                message_id = cast(bytes, stack.client.xadd(names.custody_events, cast(Any, fields)))
                injected.append(message_id.decode())

        run.expected_dead_letters = len(POISON_ENTRIES) + len(run.feed.poison_bookings)
        sender = _send(run, ingest.base_url, _once_at(run.batch_step(0.5), inject))
        report, seen = _finish(run, sender, ingest.base_url)

        letters = [view["dead_letter"] for view in seen.dead_letters]
        by_id = {letter["message_id"]: letter for letter in letters}
        unreadable = [by_id.get(message_id) for message_id in injected]
        run.check(all(letter is not None for letter in unreadable), "an unreadable entry is not among the dead letters")
        run.check(
            all(letter is None or (letter["attempts"] == 1 and letter["reason"]) for letter in unreadable),
            "an unreadable entry was retried before it was dead-lettered, or has no reason",
        )
        failing = [letter for letter in letters if letter["fields"].get("event_id") in run.feed.poison_event_ids]
        run.check(len(failing) == len(run.feed.poison_event_ids), "a failing event is not among the dead letters")
        run.check(
            all(letter["attempts"] >= MAX_DELIVERIES and letter["reason"] for letter in failing),
            f"a failing event was dead-lettered before {MAX_DELIVERIES} attempts, or without a reason",
        )
        report.facts["unreadable entries"] = len(injected)
        report.facts["failing events"] = len(run.feed.poison_bookings)
        report.facts["attempts of failing events"] = sorted({int(letter["attempts"]) for letter in failing})
        return report


def redis_down_at_start(
    workdir: Path, scale: Scale = FULL, *, seed: int = 7, redis_after: float = 10.0
) -> ScenarioReport:
    """Start the services before Redis exists; Redis comes up ``redis_after`` seconds later; they catch up."""
    with _scenario("redis-down-at-start", workdir, scale, seed) as run:
        stack = run.stack
        ingest, notifier = stack.ingest(), stack.notifier("chaos-a")
        stack.start(ingest, notifier, ready=False)  # up (healthz), but Redis is not there
        ready_answers: Counter[str] = Counter()
        deadline = time.monotonic() + redis_after
        while time.monotonic() < deadline:
            ready_answers[str(notifier.answers("/readyz"))] += 1
            time.sleep(0.2)
        run.facts["notifier /readyz while Redis was down"] = dict(ready_answers)
        run.facts["ingest /readyz while Redis was down"] = ingest.answers("/readyz")
        alive = notifier.running and ingest.running
        run.facts["services alive while Redis was down"] = alive
        stack.start_redis()
        came_up = time.monotonic()

        def time_to_ready() -> None:
            notifier.wait_until("/readyz")
            run.facts["notifier ready after Redis (s)"] = round(time.monotonic() - came_up, 1)

        run.background("ready", time_to_ready)
        sender = _send(run, ingest.base_url)  # at once: whatever arrives before the notifier is ready waits for it
        report, _ = _finish(run, sender, ingest.base_url)
        run.check(alive, "a service exited while Redis was down")
        run.check(
            set(ready_answers) == {"503"}, f"notifier /readyz answered {dict(ready_answers)} while Redis was down"
        )
        return report


def backlog(workdir: Path, scale: Scale = FULL, *, seed: int = 7) -> ScenarioReport:
    """A backlog over RW_MAX_BACKLOG (no notifier running) answers 503 with Retry-After; a notifier drains it."""
    limit = scale.batch_size * 2  # reached within the first batches of the feed
    with _scenario("backlog", workdir, scale, seed) as run:
        stack = run.stack
        stack.start_redis()
        ingest = stack.ingest(RW_MAX_BACKLOG=str(limit), RW_BACKLOG_REFRESH_SECONDS="0.05", RW_RETRY_AFTER_SECONDS="1")
        notifier = stack.notifier("chaos-a")
        stack.start(ingest)
        run.facts["max backlog"] = limit
        sender = Sender(ingest.base_url)
        first_503: list[int] = []

        def on_503() -> None:  # the first refusal starts the notifier that will drain the backlog
            if not first_503:
                first_503.append(len(sender.stats.accepted))
                run.background("notifier", lambda: stack.start(notifier))

        sender.on_503 = on_503
        try:
            sender.send(run.feed.steps)
        finally:
            sender.close()
        if not first_503:  # never refused: start it anyway so the rest of the checks mean something
            stack.start(notifier)
        report, _ = _finish(run, sender, ingest.base_url)
        run.facts["accepted before the first 503"] = first_503[0] if first_503 else None
        run.facts["Retry-After"] = sorted(set(sender.stats.retry_after))
        run.facts["503 problem types"] = dict(sender.stats.problem_types)
        run.check(bool(first_503), "no 503 was answered: the backlog limit was never reached")
        run.check(sender.stats.retry_after_seen, "no 503 came with Retry-After")
        return report


SCENARIOS: dict[str, Callable[[Path, Scale], ScenarioReport]] = {
    "kill-notifier": kill_notifier,
    "stop-notifier": stop_notifier,
    "restart-redis": restart_redis,
    "poison": poison,
    "redis-down-at-start": redis_down_at_start,
    "backlog": backlog,
}


def run_scenario(name: str, workdir: Path, scale: Scale = FULL) -> ScenarioReport:
    started = time.monotonic()
    try:
        return SCENARIOS[name](workdir, scale)
    except Exception as error:  # a scenario that could not even run is a failure to report, not a crash
        return ScenarioReport(
            scenario=name,
            events_sent=0,
            accepted=0,
            expected_alerts=0,
            seen_alerts=0,
            duplicates=0,
            lost=0,
            unexpected=0,
            dead_letters=0,
            expected_dead_letters=0,
            lost_events=0,
            seconds=time.monotonic() - started,
            problems=[f"did not run: {type(error).__name__}: {error}"],
            workdir=workdir / name,
        )
