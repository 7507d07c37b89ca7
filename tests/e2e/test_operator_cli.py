"""An operator at a terminal: `releasewatch queue` and `releasewatch dlq` against the running system."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import redis

from contracts import RedisNames
from tests.e2e.system import RunningSystem

pytestmark = pytest.mark.e2e


def releasewatch(system: RunningSystem, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "releasewatch", *args, "--api", system.api],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_an_operator_sees_the_queues_finds_a_dead_letter_and_discards_it(running_system: RunningSystem) -> None:
    names = RedisNames()
    with redis.Redis.from_url(running_system.redis_url) as client:
        client.xadd(names.custody_events, {"written-by": "a misconfigured exporter"})
        deadline = time.monotonic() + 30
        while client.xlen(names.dead_letters) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        ((dead_id, _),) = client.xrange(names.dead_letters)

    listed = releasewatch(running_system, "dlq", "list")
    shown = releasewatch(running_system, "dlq", "show", dead_id.decode())
    discarded = releasewatch(running_system, "dlq", "discard", dead_id.decode(), "--reason", "exporter fixed")
    after = releasewatch(running_system, "dlq", "list")
    queues = releasewatch(running_system, "queue")

    assert dead_id.decode() in listed
    assert "no __data__ field" in listed
    assert "a misconfigured exporter" in shown
    assert f"discarded {dead_id.decode()}" in discarded
    assert dead_id.decode() not in after  # only open ones are listed by default
    assert "custody_events" in queues
    assert "notifier" in queues
    assert "dead letters waiting for an operator: 0" in queues
    custody_row = next(line for line in queues.splitlines() if "custody_events" in line and "notifier" in line)
    _, stream, _length, group, lag, *_ = (cell.strip() for cell in custody_row.split("│"))
    assert (stream, group, lag) == ("custody_events", "notifier", "0")  # a real lag on either Redis: all read
