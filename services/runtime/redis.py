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

Several stores' round trips in one (``together``): steps that do not depend on each other (each a call of a store,
which keeps its keys, scripts and replies) run at once, and the ``pipelined`` exchanges they make on a single Redis
are held until every step has one ready (or is done), then go as one, in the order of the steps; a step's next
exchange goes with the others' next ones. A step meant to read what the others wrote (``then``) starts once they
have their commands ready, so its own go after theirs in the same exchange; should one of them write later (a script
Redis did not have, loaded and called again), it runs again after. On a cluster each step's round trips are its own,
as without ``together``, and ``then`` runs after the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from contextvars import ContextVar
from typing import Any, Generic, TypeAlias, TypeVar, cast, overload

import hiredis
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.connection import (
    AbstractConnection,
    Connection,
    ConnectionPool,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["RedisClient", "Together", "as_text", "connect_redis", "pipelined", "redis_is_reachable", "together"]

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
    a single Redis (shared with the other steps' within ``together``). An error Redis answered is raised (the
    first), or with ``raise_on_error=False`` is that command's reply. A connection lost, or a reply not read
    within the client's timeout, is an error for all of them; where the client retries, the commands are sent
    again on a new connection, as redis-py's pipeline does (callers send only what may be sent twice)."""
    if not commands:
        return []
    pool = client.connection_pool if isinstance(client, Redis) else None
    if pool is None or not issubclass(pool.connection_class, _Lean):
        async with client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            return list(await pipe.execute(raise_on_error=raise_on_error))
    packed = [b"".join(_pack_with_hiredis(*command)) for command in commands]
    step = _STEP.get()
    if step is not None and not step.shared.finished:
        replies = await step.queue(pool, packed)
    else:
        replies = await _exchange(pool, packed)
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


async def _exchange(pool: ConnectionPool, packed: list[bytes]) -> list[Any]:
    """The raw replies to commands packed already (an error reply as its exception, in place), on one connection."""
    connection = cast(_Lean, await pool.get_connection())  # type: ignore[no-untyped-call]
    try:
        return await connection.retry.call_with_retry(
            lambda: connection.exchange(packed), lambda _: connection.disconnect(nowait=True)
        )
    finally:
        await pool.release(connection)


T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")


class _Queued:
    """A step's exchange, waiting for the other steps' to go with them."""

    __slots__ = ("packed", "pool", "replies")

    def __init__(self, pool: ConnectionPool, packed: list[bytes]) -> None:
        self.pool = pool
        self.packed = packed
        self.replies: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()


class _Step:
    """One of ``together``'s steps: its exchange waiting to go, and the number of the last one it went in."""

    __slots__ = ("last_sent", "queued", "shared", "task")

    def __init__(self, shared: Together[Any]) -> None:
        self.shared = shared
        self.queued: list[_Queued] = []
        self.last_sent = -1  # none yet
        self.task: asyncio.Task[Any] | None = None

    @property
    def waiting(self) -> bool:
        """Ready to go (an exchange queued) or not taking part any more (done, or not started)."""
        return bool(self.queued) or self.task is None or self.task.done()

    async def queue(self, pool: ConnectionPool, packed: list[bytes]) -> list[Any]:
        queued = _Queued(pool, packed)
        self.queued.append(queued)
        await self.shared.send_if_ready()
        return await queued.replies


_STEP: ContextVar[_Step | None] = ContextVar("redis_together_step", default=None)


class Together(Generic[T]):
    """Steps whose round trips go together (``together``); awaiting it gives their results."""

    def __init__(self, steps: Sequence[Awaitable[Any]], then: Callable[[], Awaitable[object]] | None) -> None:
        self.finished = False
        self._sent = 0  # exchanges sent
        self._sending: set[asyncio.Task[None]] = set()
        self._under_way: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._then = then
        self._then_step = _Step(self) if then is not None else None
        self._steps = [self._start(_Step(self), step) for step in steps]
        self._results = asyncio.gather(*(cast(asyncio.Task[Any], step.task) for step in self._steps))

    def _start(self, step: _Step, work: Awaitable[Any]) -> _Step:
        async def run() -> Any:
            _STEP.set(step)  # this task's context (and that of tasks it starts) only
            return await work

        step.task = asyncio.ensure_future(run())
        step.task.add_done_callback(lambda _: self._send_soon())  # the others' exchange may have waited for it
        return step

    def _send_soon(self) -> None:
        """Send what is queued (if the steps are ready) from a task of its own."""
        if any(step.queued for step in (*self._steps, *([self._then_step] if self._then_step else []))):
            self._sending.add(task := asyncio.ensure_future(self.send_if_ready()))
            task.add_done_callback(self._sending.discard)

    async def under_way(self) -> None:
        """Returns once the steps' first exchange is being written (or they are done without one)."""
        started: list[asyncio.Future[Any]] = [self._under_way, self._results]
        await asyncio.wait(started, return_when=asyncio.FIRST_COMPLETED)

    async def send_if_ready(self) -> None:
        """Send what the steps have queued, once every step has something queued or is done."""
        steps = self._steps
        then = self._then_step
        if not self.finished:  # (once finished, nothing waits for the others: a step failed, or was cancelled)
            if not all(step.waiting for step in steps):
                return
            if then is not None and then.task is None and any(step.queued for step in steps):
                assert self._then is not None
                self._start(then, self._then())  # its commands go after the others', in this very exchange
                return
            if then is not None and not then.waiting:
                return
        if then is not None:
            steps = [*steps, then]
        batch = [(step, queued) for step in steps for queued in step.queued]
        if not batch:
            return
        number = self._sent
        self._sent += 1
        for step in steps:
            if step.queued:
                step.queued = []
                step.last_sent = number
        if not self._under_way.done():
            self._under_way.set_result(None)
        by_pool: dict[ConnectionPool, list[_Queued]] = {}
        for _, queued in batch:
            by_pool.setdefault(queued.pool, []).append(queued)
        await asyncio.gather(*(_send(pool, queued) for pool, queued in by_pool.items()))

    def __await__(self) -> Generator[Any, None, T]:
        return self._finish().__await__()

    async def _finish(self) -> T:
        try:
            results = await self._results
            then = self._then_step
            if self._then is not None and then is not None:
                if then.task is not None:
                    await then.task
                wrote_last = max((step.last_sent for step in self._steps), default=-1)
                if then.task is None or wrote_last > then.last_sent or then.last_sent < 0:
                    # never started (nothing went together: a cluster, nothing to write), or the others wrote
                    # after it read: it reads now, after all of it
                    self.finished = True
                    await self._then()
        finally:
            self.finished = True
            if not self._under_way.done():
                self._under_way.set_result(None)
            self._send_soon()  # what steps still running queued goes now, without waiting for the others
        return cast(T, tuple(results))


async def _send(pool: ConnectionPool, batch: list[_Queued]) -> None:
    """One exchange for several steps' commands; each step is handed its own replies (or the error)."""
    try:
        replies = await _exchange(pool, [packed for queued in batch for packed in queued.packed])
    except BaseException as error:
        for queued in batch:
            if not queued.replies.done():
                queued.replies.set_exception(
                    error if isinstance(error, Exception) else RedisConnectionError("round trip cut short")
                )
        if not isinstance(error, Exception):
            raise
        return
    start = 0
    for queued in batch:
        end = start + len(queued.packed)
        if not queued.replies.done():
            queued.replies.set_result(replies[start:end])
        start = end


@overload
def together(first: Awaitable[A], /, *, then: Callable[[], Awaitable[object]] | None = None) -> Together[tuple[A]]: ...


@overload
def together(
    first: Awaitable[A], second: Awaitable[B], /, *, then: Callable[[], Awaitable[object]] | None = None
) -> Together[tuple[A, B]]: ...


def together(*steps: Awaitable[Any], then: Callable[[], Awaitable[object]] | None = None) -> Together[Any]:
    """Run ``steps`` at once, their round trips on a single Redis shared: one exchange carries each step's first,
    in the order of the steps, and so on. ``then`` (called once the steps have their first exchange ready, and
    again after them if one of them wrote after it read) sees everything they wrote: on one connection Redis runs
    commands in the order sent. The steps start now (before the result is awaited), as tasks: each step's commands
    outside ``pipelined`` (and a cluster's) go on their own, unordered with the others'. Results in step order."""
    return Together(steps, then)


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
