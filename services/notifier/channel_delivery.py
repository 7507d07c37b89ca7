"""What every delivery channel (webhooks, e-mail) does alike with a batch of the alert stream.

A channel reads the alert stream in its own consumer group, decides per entry (``read_message``: not a
message for channels, unreadable, delivered before, replayed for another channel), attempts the rest its
own way, and hands the outcomes to ``ChannelQueue.settle``: counted, failures that may pass retried after
a backoff in the pending list (``notifier.retry_later``) until ``max_attempts``, the rest dead-lettered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

from prometheus_client import Counter
from pydantic import Field, TypeAdapter, ValidationError

from contracts import AlertNotice, AlertRaised, AlertUpdated
from notifier.adapters.dead_letters import DeadLetterWriter
from notifier.adapters.stream_entries import StreamEntry, replayed_for_another_group
from notifier.retry_later import RetryPolicy, retry_after_backoff
from runtime import RedisClient

__all__ = ["Attempt", "ChannelMessage", "ChannelQueue", "DeliveryReport", "message_type", "read_message"]

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
    raw = entry.fields.get(b"type", b"").decode("utf-8", "replace")
    return raw if raw in _DELIVERED_TYPES else "other"


def read_message(entry: StreamEntry, *, delivered_before: bool, group: str) -> ChannelMessage | Attempt:
    """The alert message to deliver, or the outcome already decided without any I/O."""
    if message_type(entry) == "other":
        if entry.data is None or b"type" not in entry.fields:
            return Attempt("unreadable", "no __data__ or type field: not written by the releasewatch notifier")
        return Attempt("not_for_channels")
    if entry.data is None:
        return Attempt("unreadable", "no __data__ field: not written by the releasewatch notifier")
    try:
        message = _messages.validate_json(entry.data, extra="ignore")
    except ValidationError as error:
        where = "; ".join(
            f"{'.'.join(str(part) for part in detail['loc'])}: {detail['msg']}"
            for detail in error.errors(include_input=False, include_url=False)[:5]
        )
        return Attempt("unreadable", f"not a valid alert message: {where}"[:1000])
    if delivered_before:
        return Attempt("already_delivered")
    if replayed_for_another_group(entry, group):
        return Attempt("for_another_channel")
    return message


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
        for entry, answer in zip(entries, answers, strict=True):
            if isinstance(answer, BaseException):
                if not isinstance(answer, Exception):
                    raise answer
                # Ours or Redis's (recording the delivery): retried like the receiver's failure.
                answer = Attempt("retry", f"{self.channel} delivery failed: {type(answer).__name__}: {answer}"[:500])
            self.deliveries.labels(type=message_type(entry), outcome=answer.outcome).inc()
            if answer.outcome == "delivered":
                report.delivered += 1
            elif answer.outcome in ("refused", "unreadable"):
                failed.append((entry, answer.reason))
            elif answer.outcome == "retry":
                to_retry.append((entry, answer.reason))
            else:
                report.skipped += 1
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
