"""Counting the requests Redis clients write: a round trip each (a pipelined exchange is one)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis


class Writes:
    def __init__(self) -> None:
        self.count = 0

    @classmethod
    @contextmanager
    def of(cls, client: Redis) -> Iterator[Writes]:
        """Counts, while open, the requests written on connections of ``client``'s kind (every client of this
        process connected the same way: the test writes with one only meanwhile)."""
        writes = cls()
        kind = client.connection_pool.connection_class
        send = kind.send_packed_command

        async def counting(self: Any, command: Any, check_health: bool = True) -> None:
            writes.count += 1
            await send(self, command, check_health)

        kind.send_packed_command = counting  # type: ignore[method-assign]
        try:
            yield writes
        finally:
            kind.send_packed_command = send  # type: ignore[method-assign]
