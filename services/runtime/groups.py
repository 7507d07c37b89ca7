"""Consumer groups: created by us at id 0 before anyone subscribes, and rid of consumers that are gone.

FastStream creates a missing group at ``$``, so events appended before the
first notifier ever started would be skipped; creating it at ``0`` with
MKSTREAM first means every event published is eventually read.

Every notifier joins the groups under a name of its own (host and process id),
so each restart leaves the old name behind in every group, listed to operators
for ever. A consumer idle past a limit is gone: what it still held is handed to
a live consumer first (kept as idle as it was, so the reclaiming subscribers
take it at once), then the name is removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.exceptions import ResponseError

from runtime.redis import RedisClient, as_text

__all__ = ["IdleConsumerRemover", "ensure_consumer_group"]

log = logging.getLogger(__name__)

_REMOVE_SCRIPT = (Path(__file__).parent / "remove_idle_consumer.lua").read_text()
_CLAIM_PAGE = 100  # pending entries handed over per command


async def ensure_consumer_group(client: RedisClient, stream: str, group: str) -> bool:
    """Create ``group`` on ``stream`` at id 0 (and the stream if missing).

    Returns True if this call created it, False if it already existed.
    """
    try:
        await client.xgroup_create(name=stream, groupname=group, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" in str(error):
            return False
        raise
    return True


@dataclass(frozen=True, slots=True)
class RemovedConsumer:
    stream: str
    group: str
    consumer: str
    entries_handed_over: int


class IdleConsumerRemover:
    """Removes, from each (stream, group), the consumers idle longer than ``idle_limit_seconds``, after
    handing whatever they held to ``heir`` (this process's own consumer name)."""

    def __init__(
        self, client: RedisClient, groups: list[tuple[str, str]], *, heir: str, idle_limit_seconds: float
    ) -> None:
        self._client = client
        self._groups = groups
        self._heir = heir
        self._idle_limit_ms = int(idle_limit_seconds * 1000)
        self._remove = client.register_script(_REMOVE_SCRIPT)

    async def remove_all(self) -> list[RemovedConsumer]:
        removed: list[RemovedConsumer] = []
        for stream, group in self._groups:
            try:
                consumers: list[dict[str, Any]] = await self._client.xinfo_consumers(stream, group)
            except ResponseError:  # no such stream or group (yet)
                continue
            for consumer in consumers:
                name = as_text(consumer["name"])
                if name == self._heir or int(consumer["idle"]) < self._idle_limit_ms:
                    continue
                handed_over = await self._hand_over(stream, group, name)
                if await self._remove(keys=[stream], args=[group, name, self._idle_limit_ms]):
                    removed.append(RemovedConsumer(stream, group, name, handed_over))
                    log.info(
                        "idle consumer removed",
                        extra={"stream": stream, "group": group, "consumer": name, "entries": handed_over},
                    )
        return removed

    async def _hand_over(self, stream: str, group: str, consumer: str) -> int:
        """XCLAIM every entry ``consumer`` holds to the heir, JUSTID (its delivery count, the attempt number,
        is left alone) and about as idle as it was (so the reclaiming subscribers take it at once)."""
        handed_over = 0
        while True:
            pending: list[dict[str, Any]] = await self._client.xpending_range(
                stream, group, min="-", max="+", count=_CLAIM_PAGE, consumername=consumer
            )
            if not pending:
                return handed_over
            claimed = await self._client.xclaim(
                stream,
                group,
                self._heir,
                min_idle_time=self._idle_limit_ms,
                message_ids=[entry["message_id"] for entry in pending],
                idle=min(int(entry["time_since_delivered"]) for entry in pending),
                justid=True,
            )
            handed_over += len(claimed)
            if len(claimed) < len(pending):  # some were not idle enough: the consumer is not gone after all
                return handed_over
