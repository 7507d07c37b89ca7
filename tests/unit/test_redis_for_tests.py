"""The tests' Redis: ``REDIS_URL`` is one server, so tests run in parallel are stopped with what to do instead."""

from __future__ import annotations

import pytest

from tests.redis_for_tests import redis_for_tests


def test_parallel_workers_given_one_server_are_told_to_run_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # never connected to
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    with pytest.raises(RuntimeError, match=r"make test TEST_WORKERS=0"), redis_for_tests():
        pass


def test_in_one_process_the_tests_use_the_server_redis_url_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    with redis_for_tests() as server:
        assert (server.url, server.source) == ("redis://127.0.0.1:1/0", "env")
