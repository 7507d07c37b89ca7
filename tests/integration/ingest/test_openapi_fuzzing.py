"""The OpenAPI document, fuzzed: schemathesis generates requests from it (valid ones and broken ones) with
the key of each role, and checks that no answer is a server error, every answer is one the document
describes (its status, media type, headers and schema), and every request the document calls invalid is
refused. The live feed never ends, so it is left out.

Not checked: that every request the document calls valid is accepted. Some rules cannot be said in a
JSON schema (the letters a name may hold, printable text, a time within a window around now), so a
schema-valid request can still be refused with 422, as documented.

The roles' runs are independent: each fuzzes its own API process (``python -m ingest``) on its own empty
Redis database. So they run side by side: the module starts all three, and each role's test judges its own."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from bench.chaos.harness import ServiceProcess

from ingest.auth import ApiKeyEntry, Role, digest_of
from releasewatch.redis_server import free_port
from tests.integration.serving import keys_json
from tests.redis_for_tests import RedisForTests

REPOSITORY = Path(__file__).resolve().parents[3]
KEYS = {
    Role.SOURCE: ApiKeyEntry(name="fuzzing jail", role=Role.SOURCE, key_sha256=digest_of("rwk_fuzz_source")),
    Role.FIELD_OFFICE: ApiKeyEntry(
        name="fuzzing office", role=Role.FIELD_OFFICE, field_office="LOS", key_sha256=digest_of("rwk_fuzz_office")
    ),
    Role.OPERATOR: ApiKeyEntry(name="fuzzing operator", role=Role.OPERATOR, key_sha256=digest_of("rwk_fuzz_operator")),
}
SECRETS = {Role.SOURCE: "rwk_fuzz_source", Role.FIELD_OFFICE: "rwk_fuzz_office", Role.OPERATOR: "rwk_fuzz_operator"}
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
EXAMPLES = 12  # per operation and phase: bounded, so the three roles take a minute or two in all
RUN_LIMIT = 240  # seconds: only if schemathesis hangs


@dataclass
class FuzzingRun:
    api: ServiceProcess
    process: subprocess.Popen[bytes]
    output: Path
    started: float

    def finish(self) -> tuple[int, str]:
        """Wait for schemathesis to end (killed ``RUN_LIMIT`` s after it started): its exit code and output."""
        try:
            code = self.process.wait(max(self.started + RUN_LIMIT - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return code, self.output.read_text(errors="replace") + f"\n(the API's log: {self.api.log_path})"


def in_database(url: str, database: int) -> str:
    """``url`` naming another database of the same Redis."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def flush(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()


@contextlib.contextmanager
def api_process(redis_url: str, folder: Path) -> Iterator[ServiceProcess]:
    """The API as it is deployed (``python -m ingest``), keys required, on a free port."""
    port = free_port()
    env = {
        "REDIS_URL": redis_url,
        "RW_HOST": "127.0.0.1",
        "RW_PORT": str(port),
        "RW_LOG_FORMAT": "text",
        "RW_API_KEYS": keys_json(KEYS.values()),
    }
    api = ServiceProcess(
        name="ingest", module="ingest", port=port, env=env, log_path=folder / "ingest.log", workdir=folder
    )
    try:
        api.start()
        yield api
    finally:
        api.terminate(timeout=20)


@contextlib.contextmanager
def fuzzing(api: ServiceProcess, role: Role, folder: Path) -> Iterator[FuzzingRun]:
    """schemathesis started against ``api`` with ``role``'s key; killed on the way out if it has not ended."""
    output = folder / "schemathesis.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(REPOSITORY / "tests" / "fuzzing" / "schemathesis.toml"),
                "run",
                f"{api.base_url}/openapi.json",
                "--checks",
                ",".join(CHECKS),
                "--header",
                f"Authorization: Bearer {SECRETS[role]}",
                "--exclude-path",
                "/v1/alerts/live",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                "20261205",
                "--workers",
                "1",
                "--phases",
                "examples,coverage,fuzzing",
                "--report-dir",
                str(folder),
                "--no-color",
            ],
            # Run from the run's own folder: schemathesis keeps a cache where it runs.
            cwd=folder,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzzing.schemathesis_hooks", "PYTHONPATH": str(REPOSITORY)},
            stdin=subprocess.DEVNULL,
            stdout=sink,  # a file, not a pipe: a run nobody reads yet must not stall on a full pipe
            stderr=subprocess.STDOUT,
        )
    try:
        yield FuzzingRun(api, process, output, time.monotonic())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def fuzzing_runs(
    redis_server: RedisForTests, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[Role, FuzzingRun]]:
    """Every role's run, started together, each against its own API on its own empty Redis database."""
    with contextlib.ExitStack() as stack:
        apis: dict[Role, tuple[ServiceProcess, Path]] = {}
        for database, role in enumerate(KEYS, start=1):  # database 0 is the other tests'
            redis_url = in_database(redis_server.url, database)
            flush(redis_url)
            stack.callback(flush, redis_url)  # left empty, as found
            folder = tmp_path_factory.mktemp(f"fuzzing-{role}")
            apis[role] = (stack.enter_context(api_process(redis_url, folder)), folder)
        for api, _ in apis.values():
            api.wait_until("/readyz")
        yield {role: stack.enter_context(fuzzing(api, role, folder)) for role, (api, folder) in apis.items()}


@pytest.mark.timeout(RUN_LIMIT + 60)
@pytest.mark.parametrize("role", list(KEYS), ids=str)
def test_fuzzing_the_openapi_document_finds_no_server_error_and_no_answer_it_does_not_describe(
    fuzzing_runs: dict[Role, FuzzingRun], role: Role
) -> None:
    code, report = fuzzing_runs[role].finish()

    failures = report[max(report.find("= FAILURES ="), 0) :]  # what failed, then the summary
    assert code == 0, failures[:12_000] + "\n...\n" + failures[-4_000:]
