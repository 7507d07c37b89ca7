"""Dead letters: the message, where it came from, and why it could not be processed; counted and logged
(without the message) as each consumer gives up on an entry."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

from contracts import DeadLetter, RedisNames
from contracts.envelope import StreamEntry
from notifier.metrics import DEAD_LETTERED
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from store.audit import AuditTrail
from store.dead_letters import append_dead_letters

__all__ = ["AUDIT_ACTOR", "DeadLetterWriter"]

log = logging.getLogger(__name__)


AUDIT_ACTOR = "notifier"  # who the audit trail says did what a notifier does on its own


class DeadLetterWriter:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Clock = utc_now) -> None:
        self._client = client
        self._names = names
        self._clock = clock
        self._audit = AuditTrail(client, names, clock=clock)

    def _label(self, stream: str) -> str:
        labels = {
            self._names.custody_events: "custody",
            self._names.detainer_changes: "detainers",
            self._names.alerts_raised: "alerts",
            self._names.alert_reviews: "reviews",
        }
        return labels.get(stream, "other")

    async def delivery_counts(self, stream: str, group: str, message_ids: Sequence[str]) -> dict[str, int]:
        """How often each message was delivered to the group (from the pending entries list), in one round trip."""
        if not message_ids:
            return {}
        async with self._client.pipeline(transaction=False) as pipe:
            for message_id in message_ids:
                pipe.xpending_range(stream, group, min=message_id, max=message_id, count=1)
            replies = cast(list[list[dict[str, Any]]], await pipe.execute())
        return {
            message_id: int(pending[0]["times_delivered"]) if pending else 1
            for message_id, pending in zip(message_ids, replies, strict=True)
        }

    async def send(
        self,
        group: str,
        failures: Sequence[tuple[StreamEntry, str]],
        *,
        attempts: Mapping[str, int] | None = None,
    ) -> None:
        """Move each (entry, reason) to the dead-letter stream; the caller acknowledges them after."""
        if not failures:
            return
        stream = failures[0][0].stream
        counts = attempts or await self.delivery_counts(stream, group, [entry.message_id for entry, _ in failures])
        letters = [
            DeadLetter(
                stream=entry.stream,
                message_id=entry.message_id,
                group=group,
                reason=reason,
                attempts=counts.get(entry.message_id, 1),
                dead_lettered_at=self._clock(),
                fields=entry.text_fields(),
            )
            for entry, reason in failures
        ]
        entry_ids = await append_dead_letters(self._client, self._names, letters)
        DEAD_LETTERED.labels(stream=self._label(stream)).inc(len(letters))
        # In the audit trail too, beside the operators' replays and discards of the same entries (the reason, which
        # may quote what could not be read, stays in the letter).
        await self._audit.record_many(
            actor=AUDIT_ACTOR,
            action="dead_letter.added",
            entries=[
                (
                    entry_id,
                    f"{self._label(letter.stream)} {letter.message_id}, group {group}, {letter.attempts} attempt(s)",
                )
                for entry_id, letter in zip(entry_ids, letters, strict=True)
            ],
        )
        for letter in letters:
            log.warning(
                "message dead-lettered",
                extra={"stream": letter.stream, "message_id": letter.message_id, "attempts": letter.attempts},
            )
