"""Talking to the system as its users do: a source that retries, a field office that reads its alerts.

``Sender`` plays a jail's booking system: it posts batches and does not give
up on ``503`` (it waits ``Retry-After``, capped) or on a broken connection,
exactly as the API asks sources to behave; it records which events were
answered ``202``. ``Observation`` is what the users then see: every alert
(``GET /v1/alerts``, paged), every alert published on the alert stream, the
dead letters (``GET /v1/ops/dead-letters``) and the custody stream itself.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import redis

from bench.chaos.feed import Batch, Fingerprint, Lift, Lodge, Step, fingerprint_of_alert
from bench.chaos.harness import wait_for
from contracts import NOTIFIER_GROUP, RedisNames

__all__ = ["Observation", "SendStats", "Sender", "observe", "wait_until_drained"]

Json = dict[str, Any]

RETRY_AFTER_CAP = 1.0  # seconds: honour Retry-After, but a test need not sleep the full 5 s
TRANSPORT_BACKOFF = 0.2  # seconds after a connection error
MODELLED_KINDS = frozenset({"in_custody", "release_scheduled", "released", "transferred", "possible_match"})


@dataclass
class SendStats:
    """What the source saw."""

    posted_events: int = 0  # events in the requests that got an answer (re-sends and retries included)
    accepted: set[str] = field(default_factory=set)  # event ids answered 202 (accepted, or replayed)
    replayed: int = 0  # items answered "duplicate": the same event had been accepted before
    refused: list[str] = field(default_factory=list)  # anything else: invalid, conflict...
    status_503: int = 0
    retry_after: list[str] = field(default_factory=list)  # Retry-After of each 503
    missing_retry_after: int = 0  # 503 without Retry-After
    problem_types: Counter[str] = field(default_factory=Counter)  # the `type` of each 503 problem
    transport_errors: int = 0
    other_5xx: int = 0  # 500, 502...: retried, but a source should not see them
    detainers_lodged: int = 0
    detainers_lifted: int = 0

    @property
    def retry_after_seen(self) -> bool:
        return bool(self.retry_after)


class Sender:
    """Posts a feed's steps in order, retrying each until the API answers it for good.

    ``on_503`` is called (from the sending thread) on every 503; ``before_step(i)``
    before step ``i``: scenarios inject their faults there or from threads of their own.
    """

    def __init__(self, api: str, *, give_up_after: float = 180.0) -> None:
        self.api = api
        self.stats = SendStats()
        self.give_up_after = give_up_after
        self.on_503: Callable[[], None] = lambda: None
        self.before_step: Callable[[int], None] = lambda _index: None
        self.steps_done = 0
        self._client = httpx.Client(base_url=api, timeout=httpx.Timeout(30.0, connect=2.0))

    def close(self) -> None:
        self._client.close()

    def send(self, steps: list[Step]) -> None:
        for index, step in enumerate(steps):
            self.before_step(index)
            match step:
                case Lodge(detainer):
                    self._post("/v1/detainers", detainer, ok={200, 201})
                    self.stats.detainers_lodged += 1
                case Lift(detainer_id, reason):
                    self._post(f"/v1/detainers/{detainer_id}/lift", {"reason": reason}, ok={200})
                    self.stats.detainers_lifted += 1
                case Batch(events):
                    answer = self._post("/v1/custody-events:batch", events, ok={202})
                    self._record(events, answer)
            self.steps_done = index + 1

    def _record(self, events: list[Json], answer: Json) -> None:
        self.stats.posted_events += len(events)
        for result in answer["results"]:
            event_id = events[result["index"]]["event_id"]
            if result["status"] in {"accepted", "duplicate"}:
                self.stats.accepted.add(event_id)
                if result["status"] == "duplicate":
                    self.stats.replayed += 1
            else:
                self.stats.refused.append(f"{event_id}: {result['status']}")

    def _post(self, path: str, body: object, *, ok: set[int]) -> Json:
        deadline = time.monotonic() + self.give_up_after
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"POST {path} not answered for good within {self.give_up_after:.0f} s")
            try:
                response = self._client.post(path, json=body)
            except httpx.TransportError:
                self.stats.transport_errors += 1
                time.sleep(TRANSPORT_BACKOFF)
                continue
            if response.status_code in ok:
                answer: Json = response.json()
                return answer
            if response.status_code == 503:
                self.stats.status_503 += 1
                self.stats.problem_types[_problem_type(response)] += 1
                retry_after = response.headers.get("Retry-After")
                if retry_after is None:
                    self.stats.missing_retry_after += 1
                else:
                    self.stats.retry_after.append(retry_after)
                self.on_503()
                time.sleep(min(float(retry_after or 1), RETRY_AFTER_CAP))
                continue
            if response.status_code >= 500:
                self.stats.other_5xx += 1
                time.sleep(TRANSPORT_BACKOFF)
                continue
            raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:500]}")


@dataclass
class Observation:
    """What the users and operators see once the system has settled."""

    listed: Counter[Fingerprint]  # alerts in GET /v1/alerts
    published: Counter[Fingerprint]  # alert_raised messages on the alert stream
    # Listed release schedules never raised: stale on arrival (released, cancelled or replaced by then), recorded
    # closed and never announced, so published never (which ones depends on how the events were batched).
    unannounced: Counter[Fingerprint]
    other_kinds: Counter[str]  # alert kinds this harness does not model (left out of the comparison)
    dead_letters: list[Json]  # as GET /v1/ops/dead-letters shows them
    stream_event_ids: set[str]  # event ids in the custody stream


def _get(client: httpx.Client, path: str, params: dict[str, str | int]) -> Json:
    deadline = time.monotonic() + 60
    while True:
        try:
            response = client.get(path, params=params)
            if response.status_code == 200:
                page: Json = response.json()
                return page
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"GET {path} did not answer 200")
        time.sleep(0.2)


def _all_alerts(client: httpx.Client) -> list[Json]:
    alerts: list[Json] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = _get(client, "/v1/alerts", params)
        alerts += page["alerts"]
        cursor = page.get("next_cursor")
        if not cursor:
            return alerts


def _all_dead_letters(client: httpx.Client) -> list[Json]:
    letters: list[Json] = []
    before: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 500}
        if before:
            params["before"] = before
        page = _get(client, "/v1/ops/dead-letters", params)
        letters += page["dead_letters"]
        before = page.get("next_before")
        if not before:
            return letters


StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]


def _stream(client: redis.Redis, stream: str) -> StreamEntries:
    entries: StreamEntries = []
    start = "-"
    while True:
        chunk = cast(StreamEntries, client.xrange(stream, min=start, max="+", count=1000))
        if not chunk:
            return entries
        entries += chunk
        start = "(" + chunk[-1][0].decode()


def _split(fingerprints: list[Fingerprint], kinds: list[str]) -> tuple[Counter[Fingerprint], Counter[str]]:
    modelled: Counter[Fingerprint] = Counter()
    other: Counter[str] = Counter()
    for fingerprint, kind in zip(fingerprints, kinds, strict=True):
        if kind in MODELLED_KINDS:
            modelled[fingerprint] += 1
        else:
            other[kind] += 1
    return modelled, other


def observe(api: str, client: redis.Redis, names: RedisNames) -> Observation:
    with httpx.Client(base_url=api, timeout=30.0) as http:
        alerts = _all_alerts(http)
        letters = _all_dead_letters(http)
    listed, other = _split([fingerprint_of_alert(a) for a in alerts], [str(a["kind"]) for a in alerts])
    never_raised = [a for a in alerts if not any(step["what"] == "raised" for step in a["timeline"])]
    unannounced, _ = _split([fingerprint_of_alert(a) for a in never_raised], [str(a["kind"]) for a in never_raised])
    # Only the first publication of each alert: reminders and escalations are other notices on the same stream.
    raised = [
        json.loads(fields[b"__data__"])["alert"]
        for _, fields in _stream(client, names.alerts_raised)
        if fields.get(b"type") == b"alert_raised"
    ]
    published, _ = _split([fingerprint_of_alert(a) for a in raised], [str(a["kind"]) for a in raised])
    stream_ids = {
        fields[b"event_id"].decode() for _, fields in _stream(client, names.custody_events) if b"event_id" in fields
    }
    return Observation(listed, published, unannounced, other, letters, stream_ids)


def _group_drained(client: redis.Redis, stream: str) -> bool:
    """Every entry of ``stream`` delivered to the notifier group and acknowledged."""
    try:
        groups = client.xinfo_groups(stream)
        last = cast(StreamEntries, client.xrevrange(stream, count=1))
    except redis.ResponseError:
        return True  # no such stream: nothing was ever written to it
    group = next((g for g in groups if _text(g["name"]) == NOTIFIER_GROUP), None)
    if group is None:
        return not last
    if int(group["pending"]):
        return False
    if not last:
        return True
    return _id(_text(group["last-delivered-id"])) >= _id(last[0][0].decode())


def wait_until_drained(client: redis.Redis, names: RedisNames, *, timeout: float) -> bool:
    """Until both streams the notifiers consume are processed and acknowledged, twice in a row; False on timeout."""
    streak = 0

    def settled() -> bool:
        nonlocal streak
        try:
            drained = all(_group_drained(client, s) for s in (names.custody_events, names.detainer_changes))
        except redis.ConnectionError:
            drained = False
        streak = streak + 1 if drained else 0
        return streak >= 3

    try:
        wait_for(settled, timeout=timeout, interval=0.3, what="streams drained")
    except TimeoutError:
        return False
    return True


def _id(text: str) -> tuple[int, int]:
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def _problem_type(response: httpx.Response) -> str:
    try:
        return str(response.json().get("type", "?"))
    except ValueError:
        return "(not problem+json)"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
