"""What every delivery channel (webhooks, e-mail) does alike with a batch of the alert stream.

A channel reads the alert stream in its own consumer group, decides per entry (``read_message``: not a
message for channels, unreadable, delivered before, replayed for another channel), attempts the rest its
own way, and hands the outcomes to ``ChannelQueue.settle``: counted, failures that may pass retried after
a backoff in the pending list (``delivery.retry_later``) until ``max_attempts``, the rest dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from contracts import AlertNotice, AlertRaised, AlertUpdated
from contracts.envelope import StreamEntry
from contracts.stored_fields import EntryField
from notifier.consuming.dead_letters import DeadLetterWriter
from notifier.delivery.retry_later import RetryPolicy, retry_after_backoff
from runtime import RedisClient
from runtime.validation import describe_validation_error

__all__ = [
    "Attempt",
    "ChannelMessage",
    "ChannelQueue",
    "DeliveryReport",
    "each_alert_in_order",
    "message_type",
    "read_message",
]

log = logging.getLogger(__name__)

ChannelMessage = AlertRaised | AlertNotice | AlertUpdated

# What every channel delivers; a person's acknowledgement, resolution or review is for the live feed alone.
_DELIVERED_TYPES = frozenset({"alert_raised", "alert_reminded", "alert_escalated", "alert_updated"})
_messages: TypeAdapter[ChannelMessage] = TypeAdapter(Annotated[ChannelMessage, Field(discriminator="type")])


@dataclass
class DeliveryReport:
    entries: int = 0
    delivered: int = 0
    skipped: int = (
        0  # already delivered, nowhere to send for the office, replayed for another channel, not for channels
    )
    dead_lettered: int = 0
    left_pending: set[str] = field(default_factory=set)  # to retry after a backoff: BatchRunner leaves them


@dataclass(frozen=True, slots=True)
class Attempt:
    outcome: str  # delivered, retry, refused, unreadable; or skipped: already_delivered, for_another_channel,
    # not_for_channels, and the channel's own (no_webhook, no_recipients)
    reason: str = ""


def message_type(entry: StreamEntry) -> str:
    """The entry's message type, as metrics label it (``other`` for anything channels do not deliver)."""
    raw = entry.message_type
    return raw if raw in _DELIVERED_TYPES else "other"


def replayed_for_another_group(entry: StreamEntry, group: str) -> bool:
    """A dead letter another consumer group failed, replayed for that group alone: ``group`` leaves it."""
    return entry.replayed_for is not None and entry.replayed_for != group


_NOT_HERE = Attempt("skipped")  # a channel's own reason replaces it (no_webhook, no_recipients)


def read_message(
    entry: StreamEntry,
    *,
    delivered_before: bool,
    group: str,
    delivers_to: Callable[[str], bool] | None = None,
    elsewhere: Attempt = _NOT_HERE,
) -> ChannelMessage | Attempt:
    """The alert message to deliver, or the outcome already decided without any I/O. ``delivers_to``: whether the
    channel delivers anything to a field office at all; the message of an office it does not is not read in full
    (an alert's evidence makes that the most of a channel's work), its outcome is ``elsewhere``."""
    if message_type(entry) == "other":
        if entry.data is None or entry.message_type is None:
            return Attempt(
                "unreadable",
                f"no {EntryField.DATA} or {EntryField.TYPE} field: not written by the releasewatch notifier",
            )
        return Attempt("not_for_channels")
    if entry.data is None:
        return Attempt("unreadable", f"no {EntryField.DATA} field: not written by the releasewatch notifier")
    if delivers_to is not None:
        try:
            office = _office_of.validate_json(entry.data).alert.field_office
        except ValidationError:
            office = None  # read in full below, for what is wrong with it
        if office is not None and not delivers_to(office):
            return _skipped(entry, delivered_before, group) or elsewhere
    try:
        message = _messages.validate_json(entry.data, extra="ignore")
    except ValidationError as error:
        where = describe_validation_error(error, limit=5, max_length=None)
        return Attempt("unreadable", f"not a valid alert message: {where}"[:1000])
    return _skipped(entry, delivered_before, group) or message


def _skipped(entry: StreamEntry, delivered_before: bool, group: str) -> Attempt | None:
    if delivered_before:
        return Attempt("already_delivered")
    if replayed_for_another_group(entry, group):
        return Attempt("for_another_channel")
    return None


class _Office(BaseModel):
    model_config = ConfigDict(extra="ignore")

    field_office: str


class _AlertOffice(BaseModel):
    """Of an alert message, only the alert's field office."""

    model_config = ConfigDict(extra="ignore")

    alert: _Office


_office_of = TypeAdapter(_AlertOffice)


async def each_alert_in_order(
    entries: Sequence[StreamEntry],
    attempt: Callable[[StreamEntry], Awaitable[Attempt]],
    *,
    decided: Sequence[Attempt | None] | None = None,
) -> list[Attempt | Exception]:
    """``attempt`` every entry and answer in the entries' order: one alert's messages one after the other, in
    stream order (an office hears that a release was scheduled before it hears that it was cancelled), different
    alerts' at once. A failed attempt answers its exception. ``decided``: entry by entry, the outcome already
    decided without any I/O (answered as it is, never attempted), or None."""
    answers: dict[int, Attempt | Exception] = {}
    by_alert: defaultdict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(entries):
        outcome = None if decided is None else decided[index]
        if outcome is not None:
            answers[index] = outcome
        else:
            by_alert[entry.field(EntryField.ALERT_ID) or f"entry {entry.message_id}"].append(index)

    async def in_order(indexes: list[int]) -> None:
        for index in indexes:
            try:
                answers[index] = await attempt(entries[index])
            except Exception as error:  # settled with the others: retried, or dead-lettered
                answers[index] = error

    if by_alert:
        await asyncio.gather(*(in_order(indexes) for indexes in by_alert.values()))
    return [answers[index] for index in range(len(entries))]


@dataclass(frozen=True)
class ChannelQueue:
    """One channel's consumer group on the alert stream: where its failures wait or end."""

    client: RedisClient
    dead_letters: DeadLetterWriter
    group: str
    consumer: str
    policy: RetryPolicy
    channel: str  # "webhook", "e-mail": in reasons and log lines
    deliveries: Counter  # the channel's counter, by message type and outcome

    async def settle(
        self, entries: Sequence[StreamEntry], answers: Sequence[Attempt | BaseException]
    ) -> DeliveryReport:
        """Count each entry's outcome; retry what may pass after a backoff, dead-letter the rest."""
        report = DeliveryReport(entries=len(entries))
        failed: list[tuple[StreamEntry, str]] = []
        to_retry: list[tuple[StreamEntry, str]] = []
        counted: defaultdict[tuple[str, str], int] = defaultdict(int)  # by message type and outcome
        try:
            for entry, answer in zip(entries, answers, strict=True):
                if isinstance(answer, BaseException):
                    if not isinstance(answer, Exception):
                        raise answer
                    # Ours or Redis's (recording the delivery): retried like the receiver's failure.
                    answer = Attempt(
                        "retry", f"{self.channel} delivery failed: {type(answer).__name__}: {answer}"[:500]
                    )
                counted[message_type(entry), answer.outcome] += 1
                if answer.outcome == "delivered":
                    report.delivered += 1
                elif answer.outcome in ("refused", "unreadable"):
                    failed.append((entry, answer.reason))
                elif answer.outcome == "retry":
                    to_retry.append((entry, answer.reason))
                else:
                    report.skipped += 1
        finally:
            # One increment a type and outcome a batch, not a labelled child's lookup an entry (those counted
            # before an answer that is no Exception too, as when each was counted as it came).
            for (kind, outcome), count in counted.items():
                self.deliveries.labels(type=kind, outcome=outcome).inc(count)
        if to_retry:
            counts = await self.dead_letters.delivery_counts(
                to_retry[0][0].stream, self.group, [entry.message_id for entry, _ in to_retry]
            )
            for entry, reason in to_retry:
                attempt = counts[entry.message_id]
                if attempt >= self.policy.max_attempts:
                    failed.append((entry, f"{self.channel} not delivered after {attempt} attempts; last: {reason}"))
                    continue
                await retry_after_backoff(
                    self.client, entry, group=self.group, consumer=self.consumer, attempt=attempt, policy=self.policy
                )
                report.left_pending.add(entry.message_id)
                log.info(
                    f"{self.channel} delivery failed; retried later",
                    extra={"message_id": entry.message_id, "attempt": attempt, "reason": reason},
                )
        await self.dead_letters.send(self.group, failed)
        report.dead_lettered = len(failed)
        return report
