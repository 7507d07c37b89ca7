"""One way to connect to Redis, whether a single node or a cluster."""

from __future__ import annotations

import asyncio
import logging
from typing import TypeAlias

from redis.asyncio import Redis, RedisCluster
from redis.exceptions import RedisError

__all__ = ["RedisClient", "as_text", "connect_redis", "redis_is_reachable"]

RedisClient: TypeAlias = "Redis | RedisCluster"

log = logging.getLogger(__name__)


def connect_redis(url: str, *, cluster: bool = False, timeout: float = 5.0) -> RedisClient:
    """A client for ``url``; nothing is sent until the first command.

    ``timeout`` (seconds) bounds connecting and every command, so a Redis that
    stops answering turns into an error the caller can report, not a hang.
    Responses are bytes: stream fields are not always text.
    """
    if cluster:
        return RedisCluster.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
    )


async def redis_is_reachable(client: RedisClient, *, within_seconds: float = 1.0) -> bool:
    """True when Redis answers PING within ``within_seconds``."""
    try:
        async with asyncio.timeout(within_seconds):
            return bool(await client.ping())
    except (RedisError, OSError, TimeoutError) as error:
        log.warning("redis not reachable", extra={"error": type(error).__name__})
        return False


def as_text(value: object) -> str:
    """A reply value as text: Redis answers bytes (clients here do not decode responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)
