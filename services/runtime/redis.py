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
exchange goes with the others' next ones. A step meant to read what the others wrote (``then``: one, or several
that do not depend on each other) starts once they have their commands ready, so its own go after theirs in the same
exchange; should one of them write later (a script Redis did not have, loaded and called again), it runs again
after. The steps are driven by the task awaiting them,
not a task each: a task, its scheduling and the loop's turns between them cost the client about what the round trip
saved. On a cluster each step's round trips are its own, as without ``together``, and ``then`` runs after the others.

Round trips one after another without waiting (``one_connection``): within it, every exchange a task makes (its
``together`` steps' included) goes on one connection of the pool, written as soon as it is made, whether or not the
replies to the ones before were read; Redis runs them in the order made and each reads its replies in turn. A
custody batch writes its filing right after its saves and works out what comes next while Redis runs both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from contextvars import Context, ContextVar, copy_context
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

__all__ = [
    "RedisClient",
    "Together",
    "as_text",
    "connect_redis",
    "one_connection",
    "pipelined",
    "redis_is_reachable",
    "together",
]

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
    return [_packed(args)]


def _packed(args: tuple[Any, ...]) -> bytes:
    """One command as RESP, packed by hiredis."""
    first = args[0]
    if isinstance(first, str):
        if " " in first:  # "CONFIG GET": the words as arguments of their own
            args = (*first.split(), *args[1:])
    elif b" " in first:
        args = (*first.split(), *args[1:])
    try:
        packed: bytes = hiredis.pack_command(args)  # a script call's thousands of arguments, not copied first
        return packed
    except TypeError:
        pass
    args = tuple(bytes(arg) if isinstance(arg, bytearray | memoryview) else arg for arg in args)
    try:
        packed = hiredis.pack_command(args)
    except TypeError as error:  # what redis-py's encoder refuses (None, a dict ...) is a DataError there too
        raise DataError(str(error)) from error
    return packed


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
        return await self.read_replies(len(packed))

    async def read_replies(self, count: int) -> list[Any]:
        """The next ``count`` replies (an error reply as its exception), within the socket timeout. Whatever cuts
        it short leaves replies unread: the connection is dropped."""
        # The parser's own read (an error reply comes back as its exception, kept in place): the connection's
        # ``read_response`` around it would enter a timeout and format the address for a message, a reply each.
        read = self._parser.read_response  # type: ignore[attr-defined]  # every asyncio parser has it
        replies: list[Any] = []
        try:
            async with asyncio.timeout(self.socket_timeout or None):
                for _ in range(count):
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
    packed = [_packed(tuple(command)) for command in commands]  # (a tuple is not copied)
    step = _STEP.get()
    if step is not None and not step.shared.finished:
        replies = await step.queue(pool, packed)
    else:
        replies = await _exchange(pool, packed)
    callbacks = client.response_callbacks
    callback_of: dict[str | bytes, Any] = {}  # by the command's name as given: looked up once a name
    for index, (command, reply) in enumerate(zip(commands, replies, strict=True)):
        name = command[0]
        if name in callback_of:
            callback = callback_of[name]
        else:
            callback = callback_of[name] = callbacks.get(
                name.upper() if isinstance(name, str) else name.decode().upper()
            )
        if isinstance(reply, ResponseError):
            if raise_on_error:
                raise reply
        elif callback is not None:
            replies[index] = callback(reply)
    return replies


def _exchange(pool: ConnectionPool, packed: list[bytes]) -> Awaitable[list[Any]]:
    """The raw replies to commands packed already (an error reply as its exception, in place), on one connection.
    Within ``one_connection``, the exchange has its place in the order once this returns (before it is awaited)."""
    lanes = _LANES.get()
    if lanes is not None:
        lane = lanes.get(pool)
        if lane is None:
            lane = lanes[pool] = _Lane(pool)
        return lane.exchange(packed)
    return _exchange_alone(pool, packed)


async def _exchange_alone(pool: ConnectionPool, packed: list[bytes]) -> list[Any]:
    connection = cast(_Lean, await pool.get_connection())  # type: ignore[no-untyped-call]
    try:
        return await connection.retry.call_with_retry(
            lambda: connection.exchange(packed), lambda _: connection.disconnect(nowait=True)
        )
    finally:
        await pool.release(connection)


class _Lane:
    """One connection of a pool that every exchange made within ``one_connection`` takes: each is written as soon
    as it is made (after the ones made before it), whether or not the replies to those were read, and reads its
    own replies once theirs are read."""

    __slots__ = ("_connection", "_failed", "_last_read", "_last_written", "_pool", "_unread")

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._connection: asyncio.Future[_Lean] | None = None
        self._last_written: asyncio.Future[None] | None = None  # the last exchange made: done once written
        self._last_read: asyncio.Future[None] | None = None  # ... and once its replies are read
        self._unread = 0  # exchanges made whose replies are not read yet
        self._failed: BaseException | None = None

    def exchange(self, packed: list[bytes]) -> Awaitable[list[Any]]:
        """The replies to ``packed``, written after every exchange made before this call."""
        loop = asyncio.get_running_loop()
        first = self._connection is None
        if self._connection is None:
            self._connection = asyncio.ensure_future(self._pool.get_connection())  # type: ignore[no-untyped-call]
        written_before, read_before = self._last_written, self._last_read
        self._last_written, self._last_read = loop.create_future(), loop.create_future()
        self._unread += 1
        return self._exchange(packed, first, written_before, read_before, self._last_written, self._last_read)

    async def _exchange(
        self,
        packed: list[bytes],
        first: bool,
        written_before: asyncio.Future[None] | None,
        read_before: asyncio.Future[None] | None,
        written: asyncio.Future[None],
        read: asyncio.Future[None],
    ) -> list[Any]:
        assert self._connection is not None
        connection: _Lean | None = None
        try:
            connection = await asyncio.shield(self._connection)
            if written_before is not None:
                await asyncio.shield(written_before)
            self._check()
            # A health check (a PING and its reply) only while no reply is awaited: it would read another's.
            await connection.send_packed_command(packed, check_health=first)
            written.set_result(None)
            if read_before is not None:
                await asyncio.shield(read_before)
            self._check()
            return await connection.read_replies(len(packed))
        except BaseException as error:
            if self._failed is None:
                self._failed = error
                if connection is not None:
                    await connection.disconnect(nowait=True)  # replies of others left unread
            raise
        finally:
            self._unread -= 1
            for future in (written, read):
                if not future.done():
                    future.set_result(None)

    def _check(self) -> None:
        if self._failed is not None:
            raise RedisConnectionError("an earlier exchange on this connection failed; its replies are out of step")

    async def close(self) -> None:
        """Give the connection back (dropped, if replies are still unread or an exchange failed)."""
        if self._connection is None:
            return
        connection = self._connection
        self._connection = None
        try:
            taken = await connection
        except Exception:
            return
        if self._unread or self._failed is not None:
            await taken.disconnect(nowait=True)
        await self._pool.release(taken)


_LANES: ContextVar[dict[ConnectionPool, _Lane] | None] = ContextVar("redis_one_connection", default=None)


@contextlib.asynccontextmanager
async def one_connection() -> AsyncIterator[None]:
    """Within it, the round trips this task makes (and the ``together`` steps and tasks it starts) take one
    connection of each single Redis's pool, each written as soon as it is made, without waiting for the replies to
    the ones before: Redis runs them in the order made, and the client works meanwhile. ``together(...).under_way()``
    returns once its first exchange has its place in that order, so an exchange made after it runs after it.

    Without retries: an exchange that fails (a connection lost, a reply not read in time) fails the ones after it
    too. A cluster's round trips (and redis-py's own connections') are sent as without it."""
    lanes: dict[ConnectionPool, _Lane] = {}
    token = _LANES.set(lanes)
    try:
        yield
    finally:
        _LANES.reset(token)
        for lane in lanes.values():
            await lane.close()


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
    """One of ``together``'s steps, driven by it: where it waits, its exchange waiting to go, and the number of the
    last exchange it went in."""

    __slots__ = ("context", "done", "error", "last_sent", "queued", "ready", "result", "run", "shared", "waits_on")

    def __init__(self, shared: Together[Any], work: Awaitable[Any] | None) -> None:
        self.shared = shared
        self.run: Generator[Any, None, Any] | None = None if work is None else work.__await__()
        self.context: Context | None = copy_context()
        self.context.run(_STEP.set, self)  # seen by the step (and by tasks it starts) only
        self.waits_on: asyncio.Future[Any] | None = None  # None: not started
        self.ready = False  # what it waits on is done, and the callbacks it had before the step's have run
        self.queued: list[_Queued] = []
        self.last_sent = -1  # none yet
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    @property
    def waiting(self) -> bool:
        """Ready to go (an exchange queued) or not taking part any more (done, or not started)."""
        return bool(self.queued) or self.done or self.run is None

    async def queue(self, pool: ConnectionPool, packed: list[bytes]) -> list[Any]:
        queued = _Queued(pool, packed)
        self.queued.append(queued)
        self.shared.wake()  # (queued by a task the step started, the others may be waiting for it)
        return await queued.replies

    @property
    def runnable(self) -> bool:
        """Started and done waiting, or not started yet."""
        return not self.done and self.run is not None and (self.waits_on is None or self.ready)

    def _ready(self, future: asyncio.Future[Any]) -> None:
        # Resumed from this callback on, not as soon as the future is done: as a task awaiting it is, after the
        # callbacks the future had before (``loop.sock_connect``'s releases the socket before the step uses it).
        if future is self.waits_on:  # (not one it was taken off, its wait cut short)
            self.ready = True
            self.shared.wake()

    def resume(self) -> None:
        """Run the step until it waits again (on a future, or for the loop to turn) or ends."""
        assert self.run is not None
        assert self.context is not None
        try:
            waits_on = self.context.run(self.run.send, None)
        except StopIteration as stop:
            self.done, self.result = True, stop.value
            return
        except (Exception, asyncio.CancelledError) as error:  # handed to whoever awaits the steps
            self.done, self.error = True, error
            return
        if waits_on is None:  # (``asyncio.sleep(0)``): resumed once the loop has turned
            loop = asyncio.get_running_loop()
            waits_on = loop.create_future()
            loop.call_soon(waits_on.set_result, None)
        self.waits_on, self.ready = waits_on, False
        waits_on.add_done_callback(self._ready)

    def stop(self, error: BaseException) -> None:
        """Cut the step short (its awaiter was cancelled): ``error`` raised where it waits."""
        if self.run is not None and self.context is not None and not self.done:
            self.done = True
            with contextlib.suppress(BaseException):  # what it raises on the way out is of no use to anyone
                self.context.run(self.run.throw, error)
            with contextlib.suppress(BaseException):
                self.context.run(self.run.close)


_STEP: ContextVar[_Step | None] = ContextVar("redis_together_step", default=None)


class Together(Generic[T]):
    """Steps whose round trips go together (``together``); awaiting it gives their results, in step order.

    The steps are driven here, in the task that awaits this (no task a step): each runs until it waits, on its
    exchange or on something else; once every step has an exchange queued (or is done), they go as one."""

    def __init__(self, steps: Sequence[Awaitable[Any]], then: Sequence[Callable[[], Awaitable[object]]]) -> None:
        self.finished = False
        self._steps = [_Step(self, step) for step in steps]
        self._then = then
        self._then_steps = [_Step(self, None) for _ in then]
        self._sent = 0  # exchanges sent
        self._wakeup: asyncio.Future[None] | None = None
        self._under_way: asyncio.Future[None] | None = None
        self._driving: asyncio.Task[T] | None = None

    @property
    def exchanges(self) -> int:
        """How many exchanges the steps made so far (each step's round trips shared: on a single Redis)."""
        return self._sent

    def wake(self, _: object = None) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def under_way(self) -> None:
        """Drive the steps on a task of their own, and return once their first exchange is made (being written;
        within ``one_connection``, its place in the order taken), or they are done without one: what the caller
        does meanwhile overlaps Redis's work."""
        if self._driving is None:
            loop = asyncio.get_running_loop()
            self._under_way = loop.create_future()
            # Not a step of whatever ``together`` the caller is one of: what ``then`` reads after the steps (run
            # by the task itself) is its own round trip, not one queued for a step that is not waiting for it.
            context = copy_context()
            context.run(_STEP.set, None)
            self._driving = loop.create_task(self._drive(), context=context)
        assert self._under_way is not None
        if not self._under_way.done():
            await asyncio.wait((self._under_way, self._driving), return_when=asyncio.FIRST_COMPLETED)

    def __await__(self) -> Generator[Any, None, T]:
        return (self._driving or self._drive()).__await__()

    async def _drive(self) -> T:
        try:
            return await self._drive_steps()
        finally:
            # The steps and their contexts refer to each other and to this: freed now rather than by the cyclic
            # garbage collector, with all a batch's states their frames held.
            for step in (*self._steps, *self._then_steps):
                step.context = step.run = step.waits_on = None
            self._steps, self._then_steps = [], []

    async def _drive_steps(self) -> T:
        steps = self._steps
        thens = self._then_steps
        every = [*steps, *thens]  # then last: its commands after the others'
        try:
            while True:
                for step in every:
                    if step.runnable:
                        step.resume()
                if all(step.done or step.run is None for step in every):
                    break
                if all(step.waiting for step in steps):
                    if thens and thens[0].run is None and any(step.queued for step in steps):
                        for then, read in zip(thens, self._then, strict=True):
                            then.run = read().__await__()  # its commands go after the others', in this exchange
                        continue
                    if all(then.waiting for then in thens) and await self._send():
                        continue
                if any(step.runnable for step in every):
                    continue
                self._wakeup = asyncio.get_running_loop().create_future()
                try:
                    await self._wakeup
                except asyncio.CancelledError:
                    if not self._timed_out_in_a_step():
                        raise
                self._wakeup = None
        except BaseException as error:
            for step in every:
                step.stop(error)
            raise
        finally:
            self._set_under_way()
        failed = next((step.error for step in every if step.error is not None), None)
        if failed is not None:
            self.finished = True
            raise failed
        if thens:
            wrote_last = max(step.last_sent for step in steps)
            for then, read in zip(thens, self._then, strict=True):
                if then.run is None or wrote_last > then.last_sent or then.last_sent < 0:
                    # never started (nothing went together: a cluster, nothing to write), or the others wrote after
                    # it read: it reads now, after all of it
                    self.finished = True
                    await read()
        self.finished = True
        return cast(T, tuple(step.result for step in steps))

    def _timed_out_in_a_step(self) -> bool:
        """Whether the cancellation just received was a step's ``asyncio.timeout`` expiring (it cancels the task the
        step runs in: this one): the step waiting on something else than its exchange is handed it there, as a
        task of its own would be, and its timeout takes it back (a step's own timeout, then, not a cancellation)."""
        task = asyncio.current_task()
        assert task is not None
        for step in (*self._steps, *self._then_steps):
            waits_on = step.waits_on
            if step.done or step.run is None or waits_on is None or waits_on.done() or step.queued:
                continue
            cancelling = task.cancelling()
            waits_on.cancel()
            step.resume()
            if task.cancelling() < cancelling:
                return True
        return False

    def _set_under_way(self) -> None:
        if self._under_way is not None and not self._under_way.done():
            self._under_way.set_result(None)

    async def _send(self) -> bool:
        """One exchange of what the steps queued (one per Redis, should steps use several); False: nothing queued."""
        steps = [*self._steps, *self._then_steps]
        batch = [queued for step in steps for queued in step.queued]
        if not batch:
            return False
        number = self._sent
        self._sent += 1
        for step in steps:
            if step.queued:
                step.queued = []
                step.last_sent = number
        pools = {queued.pool for queued in batch}
        # Each exchange made (its place taken in ``one_connection``'s order) before ``under_way`` returns.
        if len(pools) == 1:
            sent = _send(batch[0].pool, batch)
            self._set_under_way()
            await sent
        else:
            every = [_send(pool, [q for q in batch if q.pool is pool]) for pool in pools]
            self._set_under_way()
            await asyncio.gather(*every)
        return True


def _send(pool: ConnectionPool, batch: list[_Queued]) -> Awaitable[None]:
    """One exchange for several steps' commands; each step is handed its own replies (or the error). The exchange
    is made now (``_exchange``), its replies handed out once awaited."""
    return _hand_out(_exchange(pool, [packed for queued in batch for packed in queued.packed]), batch)


async def _hand_out(exchange: Awaitable[list[Any]], batch: list[_Queued]) -> None:
    try:
        replies = await exchange
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


Then = Callable[[], Awaitable[object]]


@overload
def together(first: Awaitable[A], /, *, then: Then | Sequence[Then] = ()) -> Together[tuple[A]]: ...


@overload
def together(
    first: Awaitable[A], second: Awaitable[B], /, *, then: Then | Sequence[Then] = ()
) -> Together[tuple[A, B]]: ...


def together(*steps: Awaitable[Any], then: Then | Sequence[Then] = ()) -> Together[Any]:
    """Run ``steps`` at once, their round trips on a single Redis shared: one exchange carries each step's first,
    in the order of the steps, and so on. ``then`` (each, if several: called once the steps have their first exchange
    ready, and again after them if one of them wrote after it read) sees everything they wrote: on one connection
    Redis runs commands in the order sent. Results in step order; a step that fails fails the whole, once the others
    are done.

    The steps start when the result is awaited, or on a task of their own with ``under_way()``. A step's commands
    outside ``pipelined`` (and a cluster's) go on their own, unordered with the others'; steps must not wait for
    each other (their exchange would wait for the one waiting)."""
    return Together(steps, (then,) if callable(then) else tuple(then))


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
