"""The OpenAPI document, fuzzed: schemathesis generates requests from it (valid ones and broken ones) with
the key of each role, and checks that no answer is a server error, every answer is one the document
describes (its status, media type, headers and schema), and every request the document calls invalid is
refused. The live feed never ends, so it is left out.

Not checked: that every request the document calls valid is accepted. Some rules cannot be said in a
JSON schema (the letters a name may hold, printable text, a time within a window around now), so a
schema-valid request can still be refused with 422, as documented."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from tests.integration.serving import keys_json, served_over_tcp

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


@pytest.mark.timeout(RUN_LIMIT + 30)
@pytest.mark.parametrize("role", list(KEYS), ids=str)
async def test_fuzzing_the_openapi_document_finds_no_server_error_and_no_answer_it_does_not_describe(
    redis_url: str, role: Role, tmp_path: Path
) -> None:
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(KEYS.values()))
    async with served_over_tcp(settings) as served:
        base = str(served.client.base_url).rstrip("/")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(REPOSITORY / "tests" / "fuzzing" / "schemathesis.toml"),
            "run",
            f"{base}/openapi.json",
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
            str(tmp_path),
            "--no-color",
            # Run from the test's own folder: schemathesis keeps a cache where it runs.
            cwd=tmp_path,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzzing.schemathesis_hooks", "PYTHONPATH": str(REPOSITORY)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), RUN_LIMIT)

    report = output.decode(errors="replace")
    failures = report[max(report.find("= FAILURES ="), 0) :]  # what failed, then the summary
    assert process.returncode == 0, failures[:12_000] + "\n...\n" + failures[-4_000:]
