"""Posting the alert stream to the field offices' webhooks: signed, retried with backoff, never dropped.

The ``deliveries`` consumer group reads the alert stream (``alert_raised``,
``alert_reminded``, ``alert_escalated``, ``alert_updated``); ``WebhookDeliveryProcessor`` posts
each message to its office's webhook (``delivery.webhooks``), a batch's posts
concurrently (one alert's in stream order), each bounded by ``RW_WEBHOOK_TIMEOUT_SECONDS``:

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
from datetime import UTC, datetime
from typing import cast

import httpx

from contracts import AlertStep, TimelineEntry
from contracts.envelope import StreamEntry
from notifier.consuming.dead_letters import DeadLetterWriter
from notifier.delivery.channel import (
    Attempt,
    ChannelMessage,
    ChannelQueue,
    DeliveryReport,
    each_alert_in_order,
    read_message,
)
from notifier.delivery.retry_later import RetryPolicy
from notifier.delivery.webhooks import (
    DeliveryVerdict,
    OfficeWebhook,
    timeline_detail,
    verdict_for_status,
    webhook_request,
)
from notifier.metrics import WEBHOOK_DELIVERIES
from runtime import RedisClient
from store.deliveries import DeliveryRecords

__all__ = ["DeliveryReport", "RetryPolicy", "WebhookDeliveryProcessor"]

log = logging.getLogger(__name__)

_CONCURRENT_POSTS = 32  # per batch


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
        self._queue = ChannelQueue(client, dead_letters, group, consumer, policy, "webhook", WEBHOOK_DELIVERIES)
        self._http = http
        self._webhooks = dict(webhooks)
        self._records = records
        self._clock = clock
        self._gate = asyncio.Semaphore(_CONCURRENT_POSTS)

    async def process(self, entries: Sequence[StreamEntry]) -> DeliveryReport:
        if not entries:
            return DeliveryReport()
        delivered_before = await self._records.delivered_among([entry.message_id for entry in entries])
        plans = [self._plan(entry, entry.message_id in delivered_before) for entry in entries]
        plan_of = {entry.message_id: plan for entry, plan in zip(entries, plans, strict=True)}

        async def attempt(entry: StreamEntry) -> Attempt:
            plan = plan_of[entry.message_id]
            return plan if isinstance(plan, Attempt) else await self._deliver(entry, *plan)

        decided = [plan if isinstance(plan, Attempt) else None for plan in plans]
        answers = await each_alert_in_order(entries, attempt, decided=decided)
        return await self._queue.settle(entries, answers)

    def _plan(self, entry: StreamEntry, delivered_before: bool) -> Attempt | tuple[ChannelMessage, OfficeWebhook]:
        """What to do with one entry, before any I/O: a message to post to a webhook, or the outcome already."""
        message = read_message(
            entry,
            delivered_before=delivered_before,
            group=self._queue.group,
            delivers_to=self._webhooks.__contains__,
            elsewhere=Attempt("no_webhook"),
        )
        if isinstance(message, Attempt):
            return message
        webhook = self._webhooks.get(message.alert.field_office)
        if webhook is None:
            return Attempt("no_webhook")
        return message, webhook

    async def _deliver(self, entry: StreamEntry, message: ChannelMessage, webhook: OfficeWebhook) -> Attempt:
        body = cast(bytes, entry.data)  # a message was read from it: the entry has its data
        request = webhook_request(webhook, message, body, delivery_id=entry.message_id, timestamp=int(self._clock()))
        try:
            async with self._gate:
                answer = await self._http.post(request.url, content=request.body, headers=dict(request.headers))
        except httpx.HTTPError as error:  # the URL is left out: it may carry a token
            return Attempt("retry", f"no answer from the webhook: {type(error).__name__}")
        verdict = verdict_for_status(answer.status_code)
        if verdict is DeliveryVerdict.RETRY:
            return Attempt("retry", f"the webhook answered {answer.status_code}")
        if verdict is DeliveryVerdict.REFUSED:
            return Attempt("refused", f"the webhook answered {answer.status_code}: refused, not retried")
        step = TimelineEntry(
            at=datetime.fromtimestamp(self._clock(), UTC), what=AlertStep.DELIVERED, detail=timeline_detail(message)
        )
        await self._records.record(entry.message_id, message.alert.alert_id, step)
        log.info(
            "alert delivered to webhook",
            extra={"message_id": entry.message_id, "alert_id": message.alert.alert_id, "type": message.type},
        )
        return Attempt("delivered")
