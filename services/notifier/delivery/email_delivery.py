"""E-mailing the alert stream to the field offices' recipients: retried with backoff, never dropped.

The ``emails`` consumer group reads the alert stream (``alert_raised``, ``alert_reminded``,
``alert_escalated``, ``alert_updated``) apart from the webhooks' ``deliveries`` group, so each channel progresses
and fails on its own. ``EmailDeliveryProcessor`` sends each message as one e-mail to its office's recipients
(``delivery.emails``), written by ``delivery.email_message``, a batch's e-mails concurrently (at most
``_CONCURRENT_SENDS`` at once; one alert's in stream order), each bounded by ``RW_SMTP_TIMEOUT_SECONDS``:

- **the server took it** (for at least one recipient): delivered. The alert's timeline gains a
  ``delivered`` step (``e-mail alert_raised``) and the entry is marked in ``alerts_emailed``, in one
  script; the entry is acknowledged. A redelivered entry already marked is acknowledged without a
  second e-mail. Recipients refused while others took it are counted, not retried (a retry would send
  the others a second copy).
- **a 4xx reply, a timeout, no connection**: the entry stays pending and is retried after
  ``RW_EMAIL_BACKOFF_SECONDS`` doubling per attempt (``delivery.retry_later``); after
  ``RW_EMAIL_MAX_ATTEMPTS`` it goes to the dead letters with the last failure, and is acknowledged.
- **a 5xx reply** (to the sender, the data, the login, or to every recipient): refused; to the dead
  letters at once with the reply code, and acknowledged.
- **an office with no recipients**, a message type channels do not deliver, or a dead letter of another
  channel replayed for it alone: acknowledged and counted, nothing sent. An entry that is not a readable
  alert message goes to the dead letters.

Delivery is at least once (a message the server took but whose answer was lost, or a crash before the
record, is sent again); every sending of one message carries the same ``Message-ID``, and the timeline
shows one ``delivered`` per entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from contracts import AlertStep, Detainer, RedisNames, TimelineEntry
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
from notifier.delivery.email_message import render_email
from notifier.delivery.emails import MailVerdict, OfficeRecipients, recipients_for, verdict_for_reply
from notifier.delivery.retry_later import RetryPolicy
from notifier.delivery.smtp import MailTransport
from notifier.delivery.webhooks import timeline_detail
from notifier.metrics import EMAIL_DELIVERIES, EMAIL_RECIPIENTS_REFUSED
from runtime import RedisClient
from store.deliveries import DeliveryRecords
from store.detainers import DetainerStore

__all__ = ["EmailDeliveryProcessor", "MailSettings"]

log = logging.getLogger(__name__)

_CONCURRENT_SENDS = 8  # per batch: SMTP servers limit connections per client
_CHANNEL = "e-mail"  # in the timeline's detail, reasons and log lines


@dataclass(frozen=True, slots=True)
class MailSettings:
    sender: str  # the From address (RW_EMAIL_FROM)
    link_base_url: str  # where the alert's link points (RW_EMAIL_LINK_BASE_URL)
    with_html: bool  # an HTML alternative beside the plain text


@dataclass(frozen=True, slots=True)
class _ToSend:
    message: ChannelMessage
    recipients: tuple[str, ...]


class EmailDeliveryProcessor:
    def __init__(
        self,
        *,
        client: RedisClient,
        names: RedisNames,
        group: str,
        consumer: str,
        transport: MailTransport,
        offices: Mapping[str, OfficeRecipients],
        mail: MailSettings,
        records: DeliveryRecords,
        dead_letters: DeadLetterWriter,
        policy: RetryPolicy,
        clock: Callable[[], float] = time.time,  # seconds since the epoch
    ) -> None:
        self._queue = ChannelQueue(client, dead_letters, group, consumer, policy, _CHANNEL, EMAIL_DELIVERIES)
        self._detainer_records = DetainerStore(client, names)
        self._transport = transport
        self._offices = dict(offices)
        self._mail = mail
        self._records = records
        self._clock = clock
        self._gate = asyncio.Semaphore(_CONCURRENT_SENDS)

    async def process(self, entries: Sequence[StreamEntry]) -> DeliveryReport:
        if not entries:
            return DeliveryReport()
        delivered_before = await self._records.delivered_among([entry.message_id for entry in entries])
        plans = [self._plan(entry, entry.message_id in delivered_before) for entry in entries]
        detainers = await self._detainers(
            {plan.message.alert.detainer_ref for plan in plans if isinstance(plan, _ToSend)}
        )
        plan_of = {entry.message_id: plan for entry, plan in zip(entries, plans, strict=True)}

        async def attempt(entry: StreamEntry) -> Attempt:
            plan = plan_of[entry.message_id]
            if isinstance(plan, Attempt):
                return plan
            return await self._send(entry, plan, detainers.get(plan.message.alert.detainer_ref))

        decided = [plan if isinstance(plan, Attempt) else None for plan in plans]
        answers = await each_alert_in_order(entries, attempt, decided=decided)
        return await self._queue.settle(entries, answers)

    def _plan(self, entry: StreamEntry, delivered_before: bool) -> _ToSend | Attempt:
        """What to do with one entry, before any I/O: an e-mail to send, or the outcome already."""
        message = read_message(
            entry,
            delivered_before=delivered_before,
            group=self._queue.group,
            delivers_to=self._offices.__contains__,
            elsewhere=Attempt("no_recipients"),
        )
        if isinstance(message, Attempt):
            return message
        recipients = recipients_for(self._offices.get(message.alert.field_office), message)
        if not recipients:
            return Attempt("no_recipients")
        return _ToSend(message, recipients)

    async def _detainers(self, detainer_refs: set[str]) -> dict[str, Detainer]:
        """The detainers the e-mails are about, by reference, to name the person as the office lodged it
        (one MGET)."""
        found: dict[str, Detainer] = {}
        for detainer_ref, detainer in (await self._detainer_records.records(sorted(detainer_refs))).items():
            if detainer is None:  # the e-mail goes without the lodged name rather than not at all
                log.warning("detainer record unreadable; e-mailed without it", extra={"detainer_ref": detainer_ref})
            else:
                found[detainer_ref] = detainer
        return found

    async def _send(self, entry: StreamEntry, plan: _ToSend, detainer: Detainer | None) -> Attempt:
        message = plan.message
        email = render_email(
            message,
            detainer,
            sender=self._mail.sender,
            recipients=plan.recipients,
            link_base_url=self._mail.link_base_url,
            delivery_id=entry.message_id,
            sent_at=datetime.fromtimestamp(self._clock(), UTC),
            with_html=self._mail.with_html,
        )
        async with self._gate:
            sent = await self._transport.send(email, sender=self._mail.sender, recipients=plan.recipients)
        if not sent.accepted:
            verdict = verdict_for_reply(sent.code)
            if verdict is MailVerdict.REFUSED:
                return Attempt("refused", f"the SMTP server refused the e-mail ({sent.reason}): not retried")
            return Attempt("retry", sent.reason)
        if sent.refused:
            EMAIL_RECIPIENTS_REFUSED.inc(sent.refused)
            log.warning(
                "some recipients refused the e-mail",
                extra={"message_id": entry.message_id, "alert_id": message.alert.alert_id, "refused": sent.refused},
            )
        step = TimelineEntry(
            at=datetime.fromtimestamp(self._clock(), UTC),
            what=AlertStep.DELIVERED,
            detail=timeline_detail(message, channel=_CHANNEL),
        )
        await self._records.record(entry.message_id, message.alert.alert_id, step)
        log.info(
            "alert e-mailed",
            extra={
                "message_id": entry.message_id,
                "alert_id": message.alert.alert_id,
                "type": message.type,
                "recipients": sent.accepted,
            },
        )
        return Attempt("delivered")
