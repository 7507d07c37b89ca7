"""Commands packed by hiredis say to Redis exactly what redis-py's own packing says."""

from __future__ import annotations

import pytest
from redis.asyncio.connection import Connection
from redis.exceptions import DataError

from runtime.redis import connect_redis

COMMANDS = [
    pytest.param(
        ("EVALSHA", "ab" * 20, 2, "rw:{b:d9}:a", "rw:{b:d9}:b", 300, 128, 3, "1 f +inf d9a1b2CA0194200:X-1"),
        id="script call",
    ),
    pytest.param(("SET", "rw:key", "café ✓"), id="text beyond ASCII"),
    pytest.param(("HSET", b"rw:booking", b"state", b"\x01\x00\xff binary"), id="bytes"),
    pytest.param(
        ("XADD", "rw:stream", "*", "__data__", bytearray(b"{}"), "n", memoryview(b"42")), id="bytearray and memoryview"
    ),
    pytest.param(("ZADD", "rw:zset", 1.5, "a", 1765000000, "b", -3, "c"), id="numbers"),
    pytest.param(("CONFIG GET", "maxmemory"), id="a command of two words"),
    pytest.param((b"CLIENT SETNAME", "notifier-1"), id="a command of two words as bytes"),
]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_packs_as_redis_py_packs_it(command: tuple[object, ...]) -> None:
    ours = connect_redis("redis://localhost:6399/0").connection_pool.connection_class()

    packed = b"".join(ours.pack_command(*command))

    assert packed == b"".join(Connection().pack_command(*command))


@pytest.mark.parametrize("url", ["redis://localhost:6399/0", "rediss://localhost:6399/0", "unix:///tmp/redis.sock"])
def test_every_kind_of_connection_packs_with_hiredis_and_keeps_its_transport(url: str) -> None:
    pool = connect_redis(url).connection_pool
    stock = {"redis": "Connection", "rediss": "SSLConnection", "unix": "UnixDomainSocketConnection"}[url.split(":")[0]]

    assert stock in [base.__name__ for base in pool.connection_class.__mro__[1:]]
    assert pool.connection_class.__name__ != stock
    assert b"".join(pool.connection_class().pack_command("PING")) == b"*1\r\n$4\r\nPING\r\n"


def test_what_redis_py_refuses_to_send_is_refused_the_same_way() -> None:
    ours = connect_redis("redis://localhost:6399/0").connection_pool.connection_class()

    with pytest.raises(DataError):
        ours.pack_command("SET", "rw:key", None)
    with pytest.raises(DataError):
        Connection().pack_command("SET", "rw:key", None)
