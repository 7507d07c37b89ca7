"""`releasewatch audit` against a running API: the trail filtered, on the terminal or exported to a file."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from releasewatch.cli import main
from store.audit import AuditTrail
from tests.integration.serving import ServedApi, keys_json, served_over_http

OPERATOR_KEY = "rwk_operator-key-for-the-audit-tests"


@pytest.fixture
def keyed_api(redis_url: str) -> Iterator[ServedApi]:
    keys = keys_json([ApiKeyEntry(name="ops desk", role=Role.OPERATOR, key_sha256=digest_of(OPERATOR_KEY))])
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="required", api_keys=keys)
    with served_over_http(settings) as served:
        yield served


@pytest.fixture
def trail(redis_url: str) -> None:
    """Three entries: two days ago, an hour ago, now."""
    now = datetime.now(UTC)

    async def record() -> None:
        client = Redis.from_url(redis_url)
        try:
            for at, action, target in (
                (now - timedelta(days=2), "detainer.lodged", "LOS/D-1"),
                (now - timedelta(hours=1), "dead_letter.replayed", "1-0"),
                (now, "dead_letter.discarded", "2-0"),
            ):
                await AuditTrail(client, RedisNames(), clock=lambda at=at: at).record(
                    actor="ops desk", action=action, target=target, detail="=cmd|' /C calc'!A0"
                )
        finally:
            await client.aclose()

    asyncio.run(record())


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, " ".join(captured.err.split())


@pytest.mark.usefixtures("trail")
def test_a_csv_export_since_a_day_ago_goes_to_the_file(
    capsys: pytest.CaptureFixture[str], keyed_api: ServedApi, tmp_path: Path
) -> None:
    out = tmp_path / "audit.csv"

    code, _, said = _run(
        capsys, "audit", "--api", keyed_api.url, "--api-key", OPERATOR_KEY, "--since", "24h", "--format", "csv",
        "--out", str(out),
    )  # fmt: skip

    assert code == 0
    assert f"2 audit entries written to {out}" in said
    with out.open(encoding="utf-8", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["target"] for row in rows] == ["1-0", "2-0"]
    assert rows[0]["detail"].startswith("'=")


@pytest.mark.usefixtures("trail")
def test_an_ndjson_export_by_action_family_goes_to_standard_output(
    capsys: pytest.CaptureFixture[str], keyed_api: ServedApi
) -> None:
    code, out, _ = _run(
        capsys, "audit", "--api", keyed_api.url, "--api-key", OPERATOR_KEY, "--action", "dead_letter", "--format",
        "ndjson",
    )  # fmt: skip

    assert code == 0
    assert [json.loads(line)["action"] for line in out.splitlines()] == [
        "dead_letter.replayed",
        "dead_letter.discarded",
    ]


@pytest.mark.usefixtures("trail")
def test_the_table_shows_the_newest_first(capsys: pytest.CaptureFixture[str], keyed_api: ServedApi) -> None:
    code, out, _ = _run(capsys, "audit", "--api", keyed_api.url, "--api-key", OPERATOR_KEY, "--target", "LOS/D-1")

    assert code == 0
    assert "detainer.lodged" in out
    assert "dead_letter" not in out


@pytest.mark.parametrize("since", ["yesterday", "2026-11-20T08:00:00", "2026-13-01"])
def test_a_time_the_command_cannot_read_is_a_plain_error(capsys: pytest.CaptureFixture[str], since: str) -> None:
    code, _, said = _run(capsys, "audit", "--api", "http://127.0.0.1:9", "--since", since)

    assert code == 2
    assert f"--since {since!r} is not a time" in said
    assert "Traceback" not in said


def test_without_a_key_it_says_how_to_give_one(
    capsys: pytest.CaptureFixture[str], keyed_api: ServedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RW_API_KEY", raising=False)

    code, _, said = _run(capsys, "audit", "--api", keyed_api.url, "--format", "csv")

    assert code == 1
    assert "wants an API key" in said
