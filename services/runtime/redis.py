"""One way to connect to Redis, whether a single node or a cluster.

Commands are packed into the Redis protocol by hiredis (C), as redis-py's synchronous client does when hiredis is
installed; its asyncio client packs them in Python, an encoding call per argument, which costs the notifier's
batches (a script call filing a batch's bookings is hundreds of arguments) more than Redis takes to run them.

Many commands in one round trip (``pipelined``) go out as one write on one of the pool's connections, and their
replies are read back in order, without redis-py's pipeline object: its bookkeeping (a stack of each command's
options, a timeout entered and left for each reply, a shielded task to give the connection back) cost the client
9 to 11 us a command, several times what packing and parsing it take. A cluster's pipeline is redis-py's (it
routes each command to the node owning its slot).

A command's write is bounded by the socket timeout with ``asyncio.timeout``: redis-py's asyncio client wraps every
write in ``asyncio.wait_for``, which on Python 3.11 starts a task per command sent (a task, its scheduling and its
callbacks, for a write that almost never waits: the socket's buffer has room).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias, cast

import hiredis
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.connection import AbstractConnection, Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["RedisClient", "as_text", "connect_redis", "pipelined", "redis_is_reachable"]

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
    client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30)
    pool = client.connection_pool  # the URL chose TCP, TLS or a Unix socket; no connection is made yet
    pool.connection_class = _PACKED_BY_HIREDIS.get(pool.connection_class, pool.connection_class)
    return client


def _pack_with_hiredis(*args: Any) -> list[bytes]:
    """``Connection.pack_command`` in C: redis-py's own ``HiredisRespSerializer.pack``, for the asyncio client."""
    first = args[0]
    if isinstance(first, str):
        if " " in first:  # "CONFIG GET": the words as arguments of their own
            args = (*first.split(), *args[1:])
    elif b" " in first:
        args = (*first.split(), *args[1:])
    try:
        return [hiredis.pack_command(args)]  # a script call's thousands of arguments, not copied first
    except TypeError:
        pass
    args = tuple(bytes(arg) if isinstance(arg, bytearray | memoryview) else arg for arg in args)
    try:
        return [hiredis.pack_command(args)]
    except TypeError as error:  # what redis-py's encoder refuses (None, a dict ...) is a DataError there too
        raise DataError(str(error)) from error


class _Lean(AbstractConnection):
    """Packs commands with hiredis and bounds a write by ``asyncio.timeout`` (no task a command)."""

    def pack_command(self, *args: Any) -> list[bytes]:
        return _pack_with_hiredis(*args)

    async def send_packed_command(self, command: bytes | str | Iterable[bytes], check_health: bool = True) -> None:
        # redis-py's own method (redis/asyncio/connection.py), with the write's timeout as a context manager.
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call]
        try:
            if isinstance(command, str):
                command = command.encode()
            if isinstance(command, bytes):
                command = [command]
            self._writer.writelines(command)  # type: ignore[union-attr]
            async with asyncio.timeout(self.socket_timeout or None):
                await self._writer.drain()  # type: ignore[union-attr]
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as error:
            await self.disconnect(nowait=True)
            err_no, message = ("UNKNOWN", error.args[0]) if len(error.args) == 1 else error.args[:2]
            raise RedisConnectionError(f"Error {err_no} while writing to socket. {message}.") from error
        except BaseException:
            # A write cut short (cancelled) leaves the protocol out of step: the connection cannot be reused.
            await self.disconnect(nowait=True)
            raise

    async def exchange(self, packed: list[bytes]) -> list[Any]:
        """Write commands packed already, then read a reply for each (an error reply as its exception), all
        within the socket timeout. Whatever cuts it short leaves replies unread: the connection is dropped."""
        await self.send_packed_command(packed)
        # The parser's own read (an error reply comes back as its exception, kept in place): the connection's
        # ``read_response`` around it would enter a timeout and format the address for a message, a reply each.
        read = self._parser.read_response  # type: ignore[attr-defined]  # every asyncio parser has it
        replies: list[Any] = []
        try:
            async with asyncio.timeout(self.socket_timeout or None):
                for _ in packed:
                    replies.append(await read())
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout reading from socket") from None
        except OSError as error:
            await self.disconnect(nowait=True)
            raise RedisConnectionError(f"Error while reading from socket: {error.args}") from error
        except BaseException:
            await self.disconnect(nowait=True)
            raise
        if self.health_check_interval:
            self.next_health_check = asyncio.get_running_loop().time() + self.health_check_interval
        return replies


class _HiredisPacked(_Lean, Connection):
    pass


class _HiredisPackedSSL(_Lean, SSLConnection):
    pass


class _HiredisPackedUnix(_Lean, UnixDomainSocketConnection):
    pass


_PACKED_BY_HIREDIS: dict[type[AbstractConnection], type[AbstractConnection]] = {
    Connection: _HiredisPacked,
    SSLConnection: _HiredisPackedSSL,
    UnixDomainSocketConnection: _HiredisPackedUnix,
}


Command = Sequence[Any]  # a command's name and arguments, as ``execute_command`` takes them


async def pipelined(client: RedisClient, commands: Sequence[Command], *, raise_on_error: bool = True) -> list[Any]:
    """Each command's reply (as redis-py answers it: its response callback applied), in order; one round trip on
    a single Redis. An error Redis answered is raised (the first), or with ``raise_on_error=False`` is that
    command's reply. A connection lost, or a reply not read within the client's timeout, is an error for all of
    them; where the client retries, the commands are sent again on a new connection, as redis-py's pipeline
    does (callers send only what may be sent twice)."""
    if not commands:
        return []
    pool = client.connection_pool if isinstance(client, Redis) else None
    if pool is None or not issubclass(pool.connection_class, _Lean):
        async with client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return list(await pipe.execute(raise_on_error=raise_on_error))
    packed = [b"".join(_pack_with_hiredis(*command)) for command in commands]
    connection = cast(_Lean, await pool.get_connection())  # type: ignore[no-untyped-call]
    try:
        replies = await connection.retry.call_with_retry(
            lambda: connection.exchange(packed), lambda _: connection.disconnect(nowait=True)
        )
    finally:
        await pool.release(connection)
    callbacks = client.response_callbacks
    for index, (command, reply) in enumerate(zip(commands, replies, strict=True)):
        name = command[0]
        callback = callbacks.get(name.upper() if isinstance(name, str) else name.decode().upper())
        if isinstance(reply, ResponseError):
            if raise_on_error:
                raise reply
        elif callback is not None:
            replies[index] = callback(reply)
    return replies


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
