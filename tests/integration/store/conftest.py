"""Fixtures of the store's tests: each Lua script, run on the test Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from runtime.scripts import Script
from store.scripts import SCRIPTS


@pytest.fixture
def script(redis_client: Redis) -> Callable[[str], Script]:
    """``script("create_alerts")``: the store's script of that name, on the test Redis."""

    def named(name: str) -> Script:
        return SCRIPTS.on(redis_client, name)

    return named
