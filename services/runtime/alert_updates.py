"""Changing alerts after they were created, by compare-and-swap, from either service.

A person's review, acknowledgement or resolution (ingest) and releasewatch closing a release schedule (the
notifier) change the same records, so they go through one script (``update_alert.lua``) and one retry loop:
read the records, decide each change from the record as read, write it only if the record is still as read
(its listings, its withdrawn jobs and the messages announcing it with it), and decide again from a fresh read
for those that changed meanwhile (a delivery, a reminder, a person, another notifier).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, TypeVar, cast

from runtime.redis import RedisClient
from runtime.scripts import ScriptCall, call_script_many

__all__ = ["AlertChange", "AlertUpdates", "Announcement", "JobWithdrawal"]

_SCRIPT = (files(__package__) / "update_alert.lua").read_text()
_ATTEMPTS = 10  # compare-and-swap rounds before giving up (the caller's batch or request is retried)

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Announcement:
    """A message to append to a stream with the change."""

    stream: str
    message_json: str
    message_type: str


@dataclass(frozen=True, slots=True)
class JobWithdrawal:
    """The alert's pending jobs (reminders, escalations) to remove with the change."""

    schedule: str
    jobs: str
    job_ids: Sequence[str]


@dataclass(frozen=True, slots=True)
class AlertChange:
    """One alert's record as read and as it is to be written, with what moves along."""

    alert_id: str
    updated: str  # the record JSON after the change
    listing_score_ms: int  # its score in the listings it joins (when it was raised)
    leaving: Sequence[str] = ()  # listings it leaves
    joining: Sequence[str] = ()  # listings it joins
    announce: Sequence[Announcement] = ()
    withdraw: JobWithdrawal | None = None
    held_in: Sequence[str] = ()  # sets that, holding it, keep it out of listings and streams


class AlertUpdates:
    def __init__(self, client: RedisClient) -> None:
        self._client = client
        self._script = client.register_script(_SCRIPT)

    async def apply(
        self,
        record_keys: Sequence[str],
        decide: Callable[[str, bytes | None], tuple[AlertChange | None, R]],
    ) -> dict[str, tuple[R, str | None]]:
        """For each record key: ``decide(key, record as read)`` what to write (None: nothing) and what to answer;
        written only if the record is unchanged since read, else read and decided again. Returns per key the
        last answer and the stream entry id of the first announcement written (None: nothing announced)."""
        results: dict[str, tuple[R, str | None]] = {}
        pending = list(dict.fromkeys(record_keys))
        for _ in range(_ATTEMPTS):
            if not pending:
                return results
            raw = cast(list[bytes | None], await self._client.mget(pending))
            calls: list[ScriptCall] = []
            writing: list[str] = []
            for key, record in zip(pending, raw, strict=True):
                change, answer = decide(key, record)
                results[key] = (answer, None)
                if change is not None and record is not None:
                    calls.append(_call(key, record, change))
                    writing.append(key)
            replies = await call_script_many(self._client, self._script, calls)
            pending = []
            for key, reply in zip(writing, replies, strict=True):
                written = cast(list[Any], reply)
                if int(written[0]) == 1:
                    entry = written[1] if len(written) > 1 else None
                    results[key] = (results[key][0], entry.decode() if isinstance(entry, bytes) else None)
                else:  # changed (or removed) since read: decide again on a fresh read
                    pending.append(key)
        if pending:
            raise RuntimeError(f"{len(pending)} alert(s) kept changing concurrently; try again")
        return results


def _call(key: str, record: bytes, change: AlertChange) -> ScriptCall:
    keys: list[str] = [key, *change.leaving, *change.joining, *(a.stream for a in change.announce)]
    job_ids: Sequence[str] = ()
    if change.withdraw is not None and change.withdraw.job_ids:
        keys += [change.withdraw.schedule, change.withdraw.jobs]
        job_ids = change.withdraw.job_ids
    keys += change.held_in
    args: list[str | int | float | bytes] = [
        change.alert_id,
        record,
        change.updated,
        change.listing_score_ms,
        len(change.leaving),
        len(change.joining),
        len(change.announce),
        len(change.held_in),
        len(job_ids),
    ]
    for announcement in change.announce:
        args += [announcement.message_json, announcement.message_type]
    args += list(job_ids)
    return keys, args
