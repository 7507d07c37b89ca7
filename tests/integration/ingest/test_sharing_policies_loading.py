"""The policy file ingest enforces: refused at start naming its line, reloaded on SIGHUP (a bad reload keeps what is
in force), every load in the audit trail with the file's digest; and read back with `GET /v1/policies`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from releasewatch.redis_server import free_port
from store.audit import AuditTrail
from tests.integration.ingest.support import assert_problem, pointers
from tests.integration.serving import keys_json, serving
from tests.policy_samples import (
    BAD_LINE,
    BAD_POLICIES,
    COUNTY_FACILITY,
    ONE_POLICY,
    POLICIES,
    STRICT_FACILITY,
    UNCOVERED_FACILITY,
    sha256_of,
    write_policies,
)


def ingest_env(**variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RW_") and key != "REDIS_URL"}
    env.update({"RW_LOG_FORMAT": "text", "RW_AUTH": "off", **variables})
    return env


async def policy_entries(redis: Redis, names: RedisNames) -> list[tuple[str, str, str]]:
    """(action, target, detail) of the audit trail's policy entries, oldest first."""
    entries, _ = await AuditTrail(redis, names).newest(limit=100, before=None)
    return [(e.action, e.target, e.detail) for e in reversed(entries) if e.action.startswith("policies.")]


def test_a_bad_file_stops_the_start_naming_its_line_and_reason_without_a_traceback(tmp_path: Path) -> None:
    bad = write_policies(tmp_path, BAD_POLICIES)

    started = subprocess.run(
        [sys.executable, "-m", "ingest"],
        env=ingest_env(REDIS_URL="redis://127.0.0.1:1/0", RW_POLICIES_FILE=str(bad)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.returncode != 0
    assert "ingest will not start" in started.stderr
    assert f"line {BAD_LINE}: policies[0] (CA0194200).share.release_scheduled.when.any_charge" in started.stderr
    assert "severty is not a key a policy has here" in started.stderr
    assert "Traceback" not in started.stderr


async def test_the_policies_loaded_at_start_are_in_the_audit_trail_with_the_files_digest(
    redis_url: str, redis_client: Redis, names: RedisNames, tmp_path: Path
) -> None:
    path = write_policies(tmp_path)
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="off", policies_file=path)

    async with serving(settings) as api:
        listed = (await api.get("/v1/policies")).json()

    ((action, target, detail),) = await policy_entries(redis_client, names)
    assert (action, target) == ("policies.loaded", sha256_of(POLICIES))
    assert "2 policies in force" in detail
    assert listed["digest"] == sha256_of(POLICIES)
    assert [policy["jurisdiction"] for policy in listed["policies"]] == ["CA019", "CA0194200"]


async def test_sighup_reloads_the_file_and_a_bad_one_leaves_the_policies_in_force(
    redis_url: str, redis_client: Redis, names: RedisNames, tmp_path: Path
) -> None:
    """A real `python -m ingest`, told SIGHUP as an operator would."""
    path = write_policies(tmp_path)
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ingest",
        env=ingest_env(RW_REDIS_URL=redis_url, RW_PORT=str(port), RW_POLICIES_FILE=str(path)),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as api:
            await until(lambda: api.get("/v1/policies"), lambda answer: answer.status_code == 200)

            write_policies(tmp_path, ONE_POLICY)
            process.send_signal(signal.SIGHUP)
            reloaded = await until(
                lambda: api.get("/v1/policies"), lambda answer: answer.json()["digest"] == sha256_of(ONE_POLICY)
            )
            write_policies(tmp_path, BAD_POLICIES)
            process.send_signal(signal.SIGHUP)
            await until(lambda: policy_entries(redis_client, names), lambda entries: len(entries) == 3)
            still = await api.get("/v1/policies")
            texas = await api.get("/v1/policies/TX0010000")
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            _, stderr = await process.communicate()
    errors = stderr.decode()

    assert [policy["jurisdiction"] for policy in reloaded.json()["policies"]] == ["TX"]
    entries = await policy_entries(redis_client, names)
    assert [(action, target) for action, target, _ in entries] == [
        ("policies.loaded", sha256_of(POLICIES)),
        ("policies.reloaded", sha256_of(ONE_POLICY)),
        ("policies.refused", sha256_of(ONE_POLICY)),  # the digest still in force
    ]
    assert f"before: {sha256_of(POLICIES)}" in entries[1][2]
    assert f"line {BAD_LINE}:" in entries[2][2]
    assert still.json()["digest"] == sha256_of(ONE_POLICY)
    assert texas.json()["policy"]["jurisdiction"] == "TX"
    assert "NOT reloaded" in errors
    assert f"line {BAD_LINE}" in errors
    assert "Traceback" not in errors


async def until(probe: Any, done: Any, *, seconds: float = 30.0) -> Any:
    """``probe()`` again until ``done(result)``: for a server started in another process."""
    async with asyncio.timeout(seconds):
        while True:
            try:
                result = await probe()
            except httpx.TransportError:
                result = None
            if result is not None and done(result):
                return result
            await asyncio.sleep(0.05)


# --- GET /v1/policies, by who asks -----------------------------------------------------------------------

KEYS = {
    "strict-jail": ApiKeyEntry(
        name="strict jail", role=Role.SOURCE, key_sha256=digest_of("rwk_strict"), facilities=(STRICT_FACILITY,)
    ),
    "nevada-jail": ApiKeyEntry(
        name="nevada jail", role=Role.SOURCE, key_sha256=digest_of("rwk_nevada"), facilities=(UNCOVERED_FACILITY,)
    ),
    "office": ApiKeyEntry(name="LOS", role=Role.FIELD_OFFICE, field_office="LOS", key_sha256=digest_of("rwk_los")),
    "operator": ApiKeyEntry(name="operator", role=Role.OPERATOR, key_sha256=digest_of("rwk_ops")),
}
AS = {
    "strict-jail": {"Authorization": "Bearer rwk_strict"},
    "nevada-jail": {"Authorization": "Bearer rwk_nevada"},
    "office": {"Authorization": "Bearer rwk_los"},
    "operator": {"Authorization": "Bearer rwk_ops"},
}


@pytest.fixture
async def keyed(redis_url: str, tmp_path: Path) -> Any:
    settings = IngestSettings(
        redis_url=redis_url,
        log_format="text",
        auth="required",
        api_keys=keys_json(KEYS.values()),
        policies_file=write_policies(tmp_path),
    )
    async with serving(settings) as api:
        yield api


async def test_an_operator_reads_every_policy_and_a_source_only_its_own_facilitys(keyed: httpx.AsyncClient) -> None:
    every = await keyed.get("/v1/policies", headers=AS["operator"])
    own = await keyed.get("/v1/policies", headers=AS["strict-jail"])
    none = await keyed.get("/v1/policies", headers=AS["nevada-jail"])
    office = await keyed.get("/v1/policies", headers=AS["office"])

    assert [p["jurisdiction"] for p in every.json()["policies"]] == ["CA019", "CA0194200"]
    assert [p["jurisdiction"] for p in own.json()["policies"]] == [STRICT_FACILITY]
    assert own.json()["policies"][0]["share"]["booking"] is False
    assert own.json()["policies"][0]["share"]["release"] == {"when": {"any_charge": {"severity": ["felony"]}}}
    assert none.json()["policies"] == []
    assert_problem(office, 403, "forbidden")


async def test_a_facilitys_policy_is_the_most_specific_and_explained_in_words(keyed: httpx.AsyncClient) -> None:
    strict = await keyed.get(f"/v1/policies/{STRICT_FACILITY}", headers=AS["strict-jail"])
    county = await keyed.get(f"/v1/policies/{COUNTY_FACILITY}", headers=AS["operator"])

    assert strict.status_code == 200, strict.text
    assert strict.json()["facility_ori"] == STRICT_FACILITY
    assert strict.json()["policy"]["jurisdiction"] == STRICT_FACILITY
    assert any("[CA0194200 share.booking]" in line for line in strict.json()["explained"])
    assert county.json()["policy"]["jurisdiction"] == "CA019"


async def test_another_facilitys_policy_is_refused_to_a_source_and_an_uncovered_one_is_404(
    keyed: httpx.AsyncClient,
) -> None:
    other = await keyed.get(f"/v1/policies/{COUNTY_FACILITY}", headers=AS["strict-jail"])
    uncovered = await keyed.get(f"/v1/policies/{UNCOVERED_FACILITY}", headers=AS["operator"])
    malformed = await keyed.get("/v1/policies/not-an-ori", headers=AS["operator"])

    assert pointers(assert_problem(other, 403, "forbidden")) == ["#/path/ori"]
    problem = assert_problem(uncovered, 404, "not-found")
    assert pointers(problem) == ["#/path/ori"]
    assert "shares everything" in problem["detail"]
    assert malformed.status_code == 422
