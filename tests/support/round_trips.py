"""Counting the requests a Redis client writes: a round trip each (a pipelined exchange is one)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis


class Writes:
    """Counts the requests ``client`` writes to its sockets, on connections made from now on (``connected``: on
    new ones, counting from their setup on)."""

    def __init__(self, client: Redis) -> None:
        pool = client.connection_pool
        writes = self

        class Counting(pool.connection_class):  # type: ignore[name-defined,misc]
            async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
                writes.count += 1
                await super().send_packed_command(command, check_health)

        pool.connection_class = Counting
        self._client = client
        self.count = 0

    @classmethod
    async def connected(cls, client: Redis) -> Writes:
        """Counting from zero, on a connection made afresh (its setup is requests too)."""
        await client.connection_pool.disconnect()
        client.connection_pool.reset()  # type: ignore[no-untyped-call]
        writes = cls(client)
        await client.ping()
        writes.count = 0
        return writes
