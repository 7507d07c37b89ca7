"""Which alert stream entries reached their office by one channel, and the ``delivered`` step on the alert's
timeline.

Each channel marks its entries in its own sorted set (webhooks: ``alerts_delivered``, e-mail:
``alerts_emailed``), so one channel's delivery never stands for another's. Recording a delivery appends the
step to the alert by compare-and-swap and marks the entry, together (``record_delivery.lua``); the script
drops marks of entries older than the stream's first (trimmed entries never come back).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal, cast

from contracts import Alert, RedisNames, TimelineEntry
from runtime import RedisClient
from runtime.compare_and_set import compare_and_set
from store.scripts import SCRIPTS

__all__ = ["Channel", "DeliveryRecords"]

log = logging.getLogger(__name__)

Channel = Literal["webhook", "e-mail"]


class DeliveryRecords:
    def __init__(self, client: RedisClient, names: RedisNames, *, channel: Channel) -> None:
        self._client = client
        self._names = names
        self._delivered = names.alerts_delivered if channel == "webhook" else names.alerts_emailed
        self._record = SCRIPTS.on(client, "record_delivery")

    async def delivered_among(self, entry_ids: Sequence[str]) -> set[str]:
        """Those of ``entry_ids`` already delivered (a redelivery of the stream entry)."""
        if not entry_ids:
            return set()
        scores: list[float | None] = await self._client.zmscore(self._delivered, list(entry_ids))
        return {entry_id for entry_id, score in zip(entry_ids, scores, strict=True) if score is not None}

    async def record(self, entry_id: str, alert_id: str, step: TimelineEntry) -> bool:
        """Append ``step`` to the alert's timeline and mark the entry delivered, once; False if it was before."""
        names = self._names
        appended_ms = int(entry_id.split("-", 1)[0])  # the time part of the entry id
        recorded_now = False

        async def record_unchanged(_: list[str]) -> list[str]:
            nonlocal recorded_now
            raw = cast(bytes | None, await self._client.get(names.alert(alert_id)))
            after = b""
            if raw is not None:
                alert = Alert.model_validate_json(raw, extra="ignore")
                after = alert.model_copy(update={"timeline": (*alert.timeline, step)}).model_dump_json().encode()
            reply = int(
                await self._record(
                    keys=[names.alert(alert_id), self._delivered, names.alerts_raised],
                    args=[entry_id, appended_ms, raw or b"", after],
                )
            )
            if reply == -1:
                log.warning("delivered an alert that has no record", extra={"alert_id": alert_id})
            recorded_now = reply in (1, -1)
            return [alert_id] if reply == 0 else []  # 0: the alert changed since read

        await compare_and_set([alert_id], record_unchanged, what="alert(s) delivered")
        return recorded_now
