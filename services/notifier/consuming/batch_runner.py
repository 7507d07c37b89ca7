"""Getting every stream entry processed: at least once, never silently dropped.

``BatchRunner`` is what every subscriber calls. It hands a batch to its
processor and acknowledges it. When the batch fails, the entries are
retried one by one, so one entry that cannot be processed does not hold
back the others; an entry that still fails stays pending, and once it has
been delivered ``max_deliveries`` times it goes to the dead-letter stream
with the error, and is acknowledged.

A processor may also leave some entries of a batch pending on purpose (a
webhook that answered 503: try again after a backoff): those it names in its
report's ``left_pending`` are not acknowledged.

Pending entries come back in two ways: a restarted notifier re-reads its own
pending entries before it reads new ones (``recover_own_pending``), and every
notifier claims entries a dead or stuck consumer left idle for longer than
the reclaim time (FastStream's XAUTOCLAIM subscriber, wired in ``notifier.bootstrap``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, cast

from pydantic import ValidationError

from contracts.envelope import StreamEntry
from notifier.consuming.dead_letters import DeadLetterWriter
from runtime import RedisClient
from runtime.validation import describe_validation_error

__all__ = ["BatchProcessor", "BatchRunner"]

log = logging.getLogger(__name__)


class BatchProcessor(Protocol):
    async def process(self, entries: Sequence[StreamEntry]) -> object: ...


def _settled(entries: Sequence[StreamEntry], report: object) -> list[StreamEntry]:
    """The entries to acknowledge: all but those the processor's report names in ``left_pending``."""
    left_pending = getattr(report, "left_pending", None) or ()
    return [entry for entry in entries if entry.message_id not in left_pending]


class BatchRunner:
    def __init__(
        self,
        *,
        client: RedisClient,
        stream: str,
        group: str,
        stream_label: str,  # for logs: custody, detainers
        processor: BatchProcessor,
        dead_letters: DeadLetterWriter,
        max_deliveries: int,
    ) -> None:
        self._client = client
        self._stream = stream
        self._group = group
        self._label = stream_label
        self._processor = processor
        self._dead_letters = dead_letters
        self._max_deliveries = max_deliveries

    @property
    def stream(self) -> str:
        return self._stream

    @property
    def group(self) -> str:
        return self._group

    @property
    def label(self) -> str:
        return self._label

    async def run(self, entries: Sequence[StreamEntry]) -> None:
        """Process and acknowledge ``entries``; what fails stays pending or, when exhausted, is dead-lettered."""
        if not entries:
            return
        try:
            report = await self._processor.process(entries)
        except Exception as error:
            if len(entries) == 1:
                await self._failed(entries[0], error)
                return
            log.warning(
                "batch failed; retrying its entries one by one",
                extra={"stream": self._label, "entries": len(entries), "error": type(error).__name__},
            )
            for entry in entries:
                await self._run_one(entry)
            return
        await self._ack(_settled(entries, report))

    async def _run_one(self, entry: StreamEntry) -> None:
        try:
            report = await self._processor.process([entry])
        except Exception as error:
            await self._failed(entry, error)
            return
        await self._ack(_settled([entry], report))

    async def _failed(self, entry: StreamEntry, error: Exception) -> None:
        try:
            deliveries = (await self._dead_letters.delivery_counts(self._stream, self._group, [entry.message_id]))[
                entry.message_id
            ]
        except Exception:  # Redis itself is failing: leave it pending, it comes back
            log.exception("entry failed and its delivery count is unknown", extra={"message_id": entry.message_id})
            return
        log.warning(
            "entry failed; left pending",
            extra={
                "stream": self._label,
                "message_id": entry.message_id,
                "deliveries": deliveries,
                "error": type(error).__name__,
            },
        )
        if deliveries < self._max_deliveries:
            return
        # Exception text is ours or the driver's, but for pydantic's, which quotes what it refused: a record stored
        # that no longer validates (a booking's state, an alert) would put its person into the reason an operator
        # reads. Those say where and why only.
        said = describe_validation_error(error) if isinstance(error, ValidationError) else str(error)
        reason = f"processing failed on {deliveries} deliveries; last error: {type(error).__name__}: {said}"[:1000]
        await self._dead_letters.send(self._group, [(entry, reason)], attempts={entry.message_id: deliveries})
        await self._ack([entry])

    async def _ack(self, entries: Sequence[StreamEntry]) -> None:
        if not entries:
            return
        await self._client.xack(self._stream, self._group, *[entry.message_id for entry in entries])

    async def recover_own_pending(self, consumer: str, *, batch_size: int) -> int:
        """Re-process what this consumer read before and never acknowledged (a restart under the same name)."""
        recovered = 0
        after = "0-0"
        while True:
            reply = cast(
                list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes] | None]]]],
                await self._client.xreadgroup(self._group, consumer, {self._stream: after}, count=batch_size),
            )
            entries = reply[0][1] if reply else []
            if not entries:
                return recovered
            after = entries[-1][0].decode()
            readable = [StreamEntry(self._stream, i.decode(), fields) for i, fields in entries if fields is not None]
            deleted = [i for i, fields in entries if fields is None]  # trimmed away while pending: nothing to do
            if deleted:
                await self._client.xack(self._stream, self._group, *deleted)
            await self.run(readable)
            recovered += len(entries)
