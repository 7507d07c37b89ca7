"""Posting the alert stream to the field offices' webhooks: signed, retried with backoff, never dropped.

The ``deliveries`` consumer group reads the alert stream (``alert_raised``,
``alert_reminded``, ``alert_escalated``); ``WebhookDeliveryProcessor`` posts
each message to its office's webhook (``notifier.webhooks``), a batch's posts
concurrently, each bounded by ``RW_WEBHOOK_TIMEOUT_SECONDS``:

- **2xx**: delivered. The alert's timeline gains a ``delivered`` step and the
  entry is marked delivered, in one script; the entry is acknowledged. A
  redelivered entry already marked is acknowledged without a second post.
- **408, 429, 5xx, a timeout, no connection**: the entry stays pending and is
  retried by the XAUTOCLAIM subscriber. No one sleeps: the entry's idle time
  is set (``XCLAIM ... IDLE ... JUSTID``, which leaves its delivery count
  alone) so that it becomes claimable after ``RW_WEBHOOK_BACKOFF_SECONDS``
  doubling per attempt, at most ``RW_RECLAIM_IDLE_SECONDS``. The attempt
  number is the entry's delivery count in the pending entries list; after
  ``RW_WEBHOOK_MAX_ATTEMPTS`` the entry goes to the dead letters with the last
  failure, and is acknowledged.
- **any other 4xx, or a redirect**: refused; to the dead letters at once with
  the status, and acknowledged.
- **an office with no webhook**, a message type channels do not deliver, or a dead letter of another
  channel replayed for that channel alone (``for_group``):
  acknowledged and counted, nothing posted. An entry that is not a readable
  alert message goes to the dead letters.

Delivery to the receiver is at least once (a post that succeeded but whose
answer was lost, or a crash before the record, is posted again with the same
``X-Releasewatch-Delivery``); the timeline shows one ``delivered`` per entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

import httpx
from pydantic import Field, TypeAdapter, ValidationError

from contracts import AlertNotice, AlertRaised, AlertStep, TimelineEntry
from notifier.adapters.dead_letters import DeadLetterWriter
from notifier.adapters.delivery_records import DeliveryRecords
from notifier.adapters.stream_entries import StreamEntry, replayed_for_another_group
from notifier.metrics import WEBHOOK_DELIVERIES
from notifier.retry_later import RetryPolicy, retry_after_backoff
from notifier.webhooks import (
    DeliveryVerdict,
    OfficeWebhook,
    timeline_detail,
    verdict_for_status,
    webhook_request,
)
from runtime import RedisClient

__all__ = ["DeliveryReport", "RetryPolicy", "WebhookDeliveryProcessor"]

log = logging.getLogger(__name__)

_CONCURRENT_POSTS = 32  # per batch
_DELIVERED_TYPES = frozenset({"alert_raised", "alert_reminded", "alert_escalated"})
_messages: TypeAdapter[AlertRaised | AlertNotice] = TypeAdapter(
    Annotated[AlertRaised | AlertNotice, Field(discriminator="type")]
)


@dataclass
class DeliveryReport:
    entries: int = 0
    delivered: int = 0
    skipped: int = 0  # already delivered, no webhook for the office, replayed for another channel, not for channels
    dead_lettered: int = 0
    left_pending: set[str] = field(default_factory=set)  # to retry after a backoff: BatchRunner leaves them


@dataclass(frozen=True, slots=True)
class _Attempt:
    outcome: str  # delivered, already_delivered, no_webhook, for_another_channel, not_for_channels, retry, refused,
    # unreadable
    reason: str = ""


def _type_of(entry: StreamEntry) -> str:
    raw = entry.fields.get(b"type", b"").decode("utf-8", "replace")
    return raw if raw in _DELIVERED_TYPES else "other"


class WebhookDeliveryProcessor:
    def __init__(
        self,
        *,
        client: RedisClient,
        group: str,
        consumer: str,
        http: httpx.AsyncClient,
        webhooks: Mapping[str, OfficeWebhook],
        records: DeliveryRecords,
        dead_letters: DeadLetterWriter,
        policy: RetryPolicy,
        clock: Callable[[], float] = time.time,  # seconds since the epoch
    ) -> None:
        self._client = client
        self._group = group
        self._consumer = consumer
        self._http = http
        self._webhooks = dict(webhooks)
        self._records = records
        self._dead_letters = dead_letters
        self._policy = policy
        self._clock = clock
        self._gate = asyncio.Semaphore(_CONCURRENT_POSTS)

    async def process(self, entries: Sequence[StreamEntry]) -> DeliveryReport:
        report = DeliveryReport(entries=len(entries))
        if not entries:
            return report
        delivered_before = await self._records.delivered_among([entry.message_id for entry in entries])
        answers = await asyncio.gather(
            *(self._deliver(entry, entry.message_id in delivered_before) for entry in entries), return_exceptions=True
        )
        failed: list[tuple[StreamEntry, str]] = []
        to_retry: list[tuple[StreamEntry, str]] = []
        for entry, answer in zip(entries, answers, strict=True):
            if isinstance(answer, BaseException):
                if not isinstance(answer, Exception):
                    raise answer
                # Ours or Redis's (recording the delivery): retried like a receiver's failure.
                answer = _Attempt("retry", f"delivery failed: {type(answer).__name__}: {answer}"[:500])
            WEBHOOK_DELIVERIES.labels(type=_type_of(entry), outcome=answer.outcome).inc()
            if answer.outcome == "delivered":
                report.delivered += 1
            elif answer.outcome in ("refused", "unreadable"):
                failed.append((entry, answer.reason))
            elif answer.outcome == "retry":
                to_retry.append((entry, answer.reason))
            else:
                report.skipped += 1
        if to_retry:
            stream = to_retry[0][0].stream
            counts = await self._dead_letters.delivery_counts(
                stream, self._group, [entry.message_id for entry, _ in to_retry]
            )
            for entry, reason in to_retry:
                attempt = counts[entry.message_id]
                if attempt >= self._policy.max_attempts:
                    failed.append((entry, f"webhook not delivered after {attempt} attempts; last: {reason}"))
                    continue
                await retry_after_backoff(
                    self._client,
                    entry,
                    group=self._group,
                    consumer=self._consumer,
                    attempt=attempt,
                    policy=self._policy,
                )
                report.left_pending.add(entry.message_id)
                log.info(
                    "webhook delivery failed; retried later",
                    extra={"message_id": entry.message_id, "attempt": attempt, "reason": reason},
                )
        await self._dead_letters.send(self._group, failed)
        report.dead_lettered = len(failed)
        return report

    async def _deliver(self, entry: StreamEntry, delivered_before: bool) -> _Attempt:
        if _type_of(entry) == "other":
            if entry.data is None or b"type" not in entry.fields:
                return _Attempt("unreadable", "no __data__ or type field: not written by the releasewatch notifier")
            return _Attempt("not_for_channels")
        if entry.data is None:
            return _Attempt("unreadable", "no __data__ field: not written by the releasewatch notifier")
        try:
            message = _messages.validate_json(entry.data, extra="ignore")
        except ValidationError as error:
            where = "; ".join(
                f"{'.'.join(str(part) for part in detail['loc'])}: {detail['msg']}"
                for detail in error.errors(include_input=False, include_url=False)[:5]
            )
            return _Attempt("unreadable", f"not a valid alert message: {where}"[:1000])
        if delivered_before:
            return _Attempt("already_delivered")
        if replayed_for_another_group(entry, self._group):
            return _Attempt("for_another_channel")
        webhook = self._webhooks.get(message.alert.field_office)
        if webhook is None:
            return _Attempt("no_webhook")
        request = webhook_request(
            webhook, message, entry.data, delivery_id=entry.message_id, timestamp=int(self._clock())
        )
        try:
            async with self._gate:
                answer = await self._http.post(request.url, content=request.body, headers=dict(request.headers))
        except httpx.HTTPError as error:  # the URL is left out: it may carry a token
            return _Attempt("retry", f"no answer from the webhook: {type(error).__name__}")
        verdict = verdict_for_status(answer.status_code)
        if verdict is DeliveryVerdict.RETRY:
            return _Attempt("retry", f"the webhook answered {answer.status_code}")
        if verdict is DeliveryVerdict.REFUSED:
            return _Attempt("refused", f"the webhook answered {answer.status_code}: refused, not retried")
        step = TimelineEntry(
            at=datetime.fromtimestamp(self._clock(), UTC), what=AlertStep.DELIVERED, detail=timeline_detail(message)
        )
        await self._records.record(entry.message_id, message.alert.alert_id, step)
        log.info(
            "alert delivered to webhook",
            extra={"message_id": entry.message_id, "alert_id": message.alert.alert_id, "type": message.type},
        )
        return _Attempt("delivered")
