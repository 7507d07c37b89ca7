"""The tests' Redis: ``REDIS_URL`` is one server, so tests asked to run in parallel on it are refused before any
starts, with what to do instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
A_FEW_TESTS = "tests/unit/test_demo_feed.py"
# A port nothing listens on: were a test to start, it could not reach (let alone flush) anyone's data.
NOBODY = "redis://127.0.0.1:1/0"


def _pytest(*arguments: str, redis_url: str | None) -> subprocess.CompletedProcess[str]:
    # Not this run's own: its Redis, and what xdist tells its workers.
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL" and not key.startswith("PYTEST_")}
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments, A_FEW_TESTS],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_parallel_workers_on_the_one_server_redis_url_names_are_refused_with_what_to_do() -> None:
    run = _pytest("-n", "2", redis_url=NOBODY)

    assert run.returncode == 4  # pytest's usage error: no test ran
    assert "make test TEST_WORKERS=0" in run.stderr
    assert "passed" not in run.stdout


def test_in_one_process_the_same_url_is_accepted() -> None:
    run = _pytest("-n", "0", "--collect-only", redis_url=NOBODY)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "tests collected" in run.stdout
