"""Sending chunks of records to a batch endpoint (`POST /v1/custody-events:batch`, `POST /v1/detainers:batch`),
retrying what is safe to retry.

Both endpoints are idempotent by the record's id (``event_id``, the office's ``detainer_id``), so a chunk
whose answer was lost (or that was refused as a whole with ``503``) is simply sent again: records accepted
the first time come back as replays, never published or lodged twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from releasewatch.file_import.kinds import CUSTODY_EVENTS, ItemStatus, RecordKind
from runtime.clock import utc_now

__all__ = ["BATCH_PATH", "ApiRefused", "ApiUnavailable", "BatchUploader", "ItemOutcome"]

BATCH_PATH = CUSTODY_EVENTS.batch_path
NDJSON = "application/x-ndjson"
RETRIED_STATUSES = frozenset({502, 503, 504})  # the API (or a proxy before it) is busy or restarting
FIRST_BACKOFF = 0.5  # seconds; doubles per attempt
MAX_BACKOFF = 30.0  # seconds
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After is waited this long, then asked again


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What the API said about one event of a chunk; ``errors`` and ``warnings`` (optional fields it
    accepted the event without) are (pointer into the event, message)."""

    status: ItemStatus
    errors: tuple[tuple[str, str], ...] = ()
    warnings: tuple[tuple[str, str], ...] = ()
    withheld_by: str | None = None  # withheld: the sharing policy's rule


class ApiUnavailable(Exception):
    """The API could not be reached, or stayed busy, through every retry."""


class ApiRefused(Exception):
    """The API refused the chunk as a whole (no API key, a key that may not submit, ...)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of the refusal; None for an answer that made no sense


def _within_item(pointer: str, index: int) -> str:
    """``#/3/person/sex`` (into the batch) as ``#/person/sex`` (into the event at index 3)."""
    prefix = f"#/{index}"
    if pointer == prefix:
        return "#"
    return "#" + pointer.removeprefix(prefix) if pointer.startswith(prefix + "/") else pointer


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (delay-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max((when - utc_now()).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _problem_text(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(problem, dict) and "title" in problem:
        return f"HTTP {response.status_code} {problem['title']}: {problem.get('detail', '')}".rstrip(": ")
    return f"HTTP {response.status_code}"


class BatchUploader:
    """Sends chunks of events (each one line of JSON) and tells, per event, what the API answered."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        retries: int = 6,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[str, float], None] | None = None,
        kind: RecordKind = CUSTODY_EVENTS,
    ) -> None:
        self._client = client
        self._kind = kind
        self._retries = retries
        self._sleep = sleep
        self._on_wait = on_wait

    def send(self, events: Sequence[bytes]) -> list[ItemOutcome]:
        """One outcome per event, in order. A chunk over the API's size limit is split and sent in halves."""
        response = self._post_with_retries(events)
        if response.status_code == 413:
            if len(events) == 1:
                too_large = f"is larger than the API takes ({_problem_text(response)})"
                return [ItemOutcome("rejected", (("#", too_large),))]
            half = len(events) // 2
            return self.send(events[:half]) + self.send(events[half:])
        body = self._json(response)
        if response.status_code in self._kind.answered and isinstance(body.get("results"), list):
            return self._outcomes(body["results"], len(events), self._kind)
        raise ApiRefused(_problem_text(response), status=response.status_code)

    def _post_with_retries(self, events: Sequence[bytes]) -> httpx.Response:
        body = b"".join(event + b"\n" for event in events)
        for attempt in range(self._retries + 1):
            last_attempt = attempt == self._retries
            try:
                response = self._client.post(self._kind.batch_path, content=body, headers={"content-type": NDJSON})
            except httpx.TransportError as error:
                if last_attempt:
                    raise ApiUnavailable(f"{type(error).__name__}: {error}") from error
                self._wait(f"no answer ({type(error).__name__})", self._backoff(attempt))
                continue
            if response.status_code not in RETRIED_STATUSES:
                return response
            if last_attempt:
                raise ApiUnavailable(_problem_text(response))
            delay = _retry_after(response)
            self._wait(_problem_text(response), self._backoff(attempt) if delay is None else delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def _backoff(attempt: int) -> float:
        return float(min(MAX_BACKOFF, FIRST_BACKOFF * 2**attempt))

    def _wait(self, why: str, seconds: float) -> None:
        if self._on_wait is not None:
            self._on_wait(why, seconds)
        self._sleep(seconds)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            return {}
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _outcomes(results: list[Any], count: int, kind: RecordKind) -> list[ItemOutcome]:
        by_index = {result["index"]: result for result in results if isinstance(result, dict) and "index" in result}
        if sorted(by_index) != list(range(count)):
            # Never guess which events were accepted: the answer must account for each one.
            raise ApiRefused(f"the API answered for {len(by_index)} of {count} {kind.plural}")
        outcomes = []
        for index in range(count):
            result = by_index[index]
            status: ItemStatus = kind.statuses.get(str(result.get("status")), "rejected")
            errors = tuple(
                (_within_item(error.get("pointer", "#"), index), error.get("detail", ""))
                for error in result.get("errors") or ()
            )
            if status == "rejected" and not errors:
                errors = (("#", str(result.get("status", "refused"))),)
            warnings = tuple(
                (_within_item(warning.get("pointer", "#"), index), warning.get("detail", ""))
                for warning in result.get("warnings") or ()
            )
            withheld = result.get("withheld")
            rule = str(withheld.get("rule", "")) if isinstance(withheld, dict) else ""
            outcomes.append(ItemOutcome(status, errors, warnings, rule or None if status == "withheld" else None))
        return outcomes
