"""`python -m ingest` refuses to start, in a plain sentence, when it would refuse every call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _start_ingest(**variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RW_")}
    env.update({"REDIS_URL": "redis://127.0.0.1:1/0", "RW_LOG_FORMAT": "text", **variables})
    return subprocess.run(
        [sys.executable, "-m", "ingest"], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_keys_required_and_none_configured_stops_before_serving_and_says_how_to_make_one() -> None:
    started = _start_ingest(RW_AUTH="required", RW_API_KEYS="[]")

    assert started.returncode == 1
    assert "no API key is configured" in started.stderr
    assert "releasewatch api-key" in started.stderr
    assert "Traceback" not in started.stderr


@pytest.mark.parametrize("keys", ["not json", '[{"name": "x"}]'])
def test_unreadable_keys_stop_it_without_a_traceback_or_the_keys(keys: str) -> None:
    started = _start_ingest(RW_AUTH="required", RW_API_KEYS=keys)

    assert started.returncode == 1
    assert "the API keys cannot be read" in started.stderr
    assert "Traceback" not in started.stderr
    assert keys not in started.stderr


def test_a_missing_keys_file_is_named_as_the_problem(tmp_path: Path) -> None:
    started = _start_ingest(RW_AUTH="required", RW_API_KEYS_FILE=str(tmp_path / "keys.json"))

    assert started.returncode == 1
    assert "RW_API_KEYS_FILE" in started.stderr
