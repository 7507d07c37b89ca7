"""Changing alerts after they were created, by compare-and-swap, from either service.

A person's review, acknowledgement or resolution (ingest) and releasewatch closing a release schedule (the
notifier) change the same records, so they go through one script (``update_alert.lua``) and one loop: read
the records, decide each change from the record as read (``decide``: an ``AlertEdit``, or nothing), write it
only if the record is still as read, and decide again from a fresh read for those that changed meanwhile (a
delivery, a reminder, a person, another notifier).

What moves with an edit follows from the alert before and after it, here and nowhere else: the alert leaves
the listings of its old status for those of its new one, and the release listings of its old release status
for those of its new one; the messages announcing it are appended; the jobs it withdraws are removed. An
alert its facility's feed holds (or whose hold was discarded) changes on its record alone: it is listed and
announced, as it then is, when an operator releases it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, cast

from contracts import Alert, AlertReviewed, AlertUpdated, RedisNames, ReleaseStatus
from runtime import RedisClient
from runtime.clock import epoch_ms
from runtime.compare_and_set import compare_and_set
from runtime.scripts import ScriptCall
from store.alerts import AlertAsRead, parse_alert, updated_message
from store.scripts import SCRIPTS

__all__ = ["AlertEdit", "AlertUpdates", "Announced"]

Answer = TypeVar("Answer")


class Announced(Protocol):
    """A message about an alert, appended to the alert stream (``AlertUpdated``, ``OfficerAction``)."""

    @property
    def type(self) -> str: ...

    def model_dump_json(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AlertEdit:
    """What one decision does to one alert."""

    after: Alert  # the record as it is to be written
    announce: Sequence[Announced] = ()  # on the alert stream: for the channels and the live feeds
    review: AlertReviewed | None = None  # on the review stream, before those: for the notifier to act on
    withdraw_jobs: Sequence[str] = ()  # the alert's pending reminders and escalations, by job id


class AlertUpdates:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names
        self._update = SCRIPTS.on(client, "update_alert")

    async def apply(
        self,
        alert_ids: Sequence[str],
        decide: Callable[[str, Alert | None], tuple[AlertEdit | None, Answer]],
        *,
        read: Mapping[str, AlertAsRead] | None = None,
    ) -> dict[str, Answer]:
        """For each alert: ``decide(alert_id, alert as read or None)`` what to write (None: nothing) and what to
        answer; written only if the record is unchanged since read, else read and decided again. Returns each
        alert's last answer. ``read``: every one of the records as the caller read them (``AlertStore.read``),
        decided on first instead of reading them again."""
        answers: dict[str, Answer] = {}
        first_read = read

        async def write_unchanged(pending: list[str]) -> list[str]:
            nonlocal first_read
            records: list[tuple[str | bytes, Alert | None]]
            if first_read is not None:  # as the caller read them: a change since then is refused all the same
                records = [(first_read[a].raw, first_read[a].alert) for a in pending]
                first_read = None
            else:
                raw = cast(list[bytes | None], await self._client.mget([self._names.alert(a) for a in pending]))
                records = [(b"", None) if record is None else (record, parse_alert(record)) for record in raw]
            calls: list[ScriptCall] = []
            writing: list[str] = []
            for alert_id, (record, current) in zip(pending, records, strict=True):
                edit, answers[alert_id] = decide(alert_id, current)
                if edit is not None and current is not None:
                    calls.append(self._call(current, record, edit))
                    writing.append(alert_id)
            replies = await self._update.many(calls)
            # Refused: changed (or removed) since read; decided again on a fresh read.
            return [alert_id for alert_id, reply in zip(writing, replies, strict=True) if int(reply[0]) != 1]

        await compare_and_set(alert_ids, write_unchanged, what="alert(s)")
        return answers

    def _call(self, current: Alert, record: str | bytes, edit: AlertEdit) -> ScriptCall:
        names, after = self._names, edit.after
        leaving: list[str] = []
        joining: list[str] = []
        if current.status is not after.status:
            leaving += names.listings("alerts", current.field_office, current.status.value)[2:]
            joining += names.listings("alerts", after.field_office, after.status.value)[2:]
        if after.release_status is not None and after.release_status is not current.release_status:
            before = (current.release_status or ReleaseStatus.SCHEDULED).value
            leaving += [
                names.release_listing(release_status=before),
                names.release_listing(release_status=before, field_office=current.field_office),
            ]
            joining += [
                names.release_listing(release_status=after.release_status.value),
                names.release_listing(release_status=after.release_status.value, field_office=after.field_office),
            ]
        record_after = after.model_dump_json()
        announcements: list[tuple[str, str, str]] = []  # (stream, message JSON, type)
        if edit.review is not None:
            announcements.append((names.alert_reviews, edit.review.model_dump_json(), edit.review.type))
        for message in edit.announce:
            if isinstance(message, AlertUpdated) and message.alert is after:  # around the record: not dumped twice
                announcements.append((names.alerts_raised, updated_message(record_after, message.change), message.type))
            else:
                announcements.append((names.alerts_raised, message.model_dump_json(), message.type))
        keys = [names.alert(current.alert_id), *leaving, *joining, *(stream for stream, _, _ in announcements)]
        if edit.withdraw_jobs:
            keys += [names.alert_schedule, names.alert_jobs]
        holds = [names.held_alerts(current.facility_ori), names.discarded_alerts(current.facility_ori)]
        args: list[str | int | float | bytes] = [
            current.alert_id,
            record,
            record_after,
            epoch_ms(current.raised_at),  # the score it was listed with when raised
            len(leaving),
            len(joining),
            len(announcements),
            len(holds),
            len(edit.withdraw_jobs),
        ]
        for _, message_json, message_type in announcements:
            args += [message_json, message_type]
        args += list(edit.withdraw_jobs)
        return [*keys, *holds], args
