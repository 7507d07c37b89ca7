"""`releasewatch report` against a running API holding the synthetic month: each format, to a file or the
terminal, and what goes wrong said in plain words."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.outcome_month import FACILITIES, SyntheticMonth
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from releasewatch.cli import main
from tests.integration.serving import ServedApi, keys_json, served_over_http
from tests.support.outcome_month_stored import expected, says, store_month

OPERATOR_KEY = "rwk_operator-key-for-the-report-tests"
HOUSTON_KEY = "rwk_houston-key-for-the-report-tests"
NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")


async def _store(redis_url: str, month: SyntheticMonth) -> None:
    client = Redis.from_url(redis_url)
    try:
        await store_month(client, RedisNames(), month)
    finally:
        await client.aclose()


@pytest.fixture
def month_api(redis_url: str, month: SyntheticMonth) -> Iterator[ServedApi]:
    asyncio.run(_store(redis_url, month))
    keys = keys_json(
        [
            ApiKeyEntry(name="ops desk", role=Role.OPERATOR, key_sha256=digest_of(OPERATOR_KEY)),
            ApiKeyEntry(name="HOU desk", role=Role.FIELD_OFFICE, key_sha256=digest_of(HOUSTON_KEY), field_office="HOU"),
        ]
    )
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="required", api_keys=keys)
    with served_over_http(settings) as served:
        yield served


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())


def test_the_report_as_json_on_the_terminal_says_what_the_month_was(
    capsys: pytest.CaptureFixture[str], month_api: ServedApi, month: SyntheticMonth
) -> None:
    code, out, _ = _run(capsys, "report", *NOVEMBER, "--api", month_api.url, "--api-key", OPERATOR_KEY)

    assert code == 0
    report = json.loads(out)
    # No reader of the sharing policies' counts is plugged into this API: nothing withheld is counted.
    assert says(report["total"], month.total) == {**expected(month.total), "events_withheld_by_policy": {}}
    assert [row["facility_ori"] for row in report["facilities"]] == sorted(FACILITIES)


@pytest.mark.parametrize("report_format", ["csv", "html"])
def test_the_report_written_to_a_file(
    capsys: pytest.CaptureFixture[str], month_api: ServedApi, tmp_path: Path, report_format: str
) -> None:
    target = tmp_path / f"november.{report_format}"

    code, out, err = _run(
        capsys, "report", *NOVEMBER, "--state", "tx", "--format", report_format, "--out", str(target),
        "--api", month_api.url, "--api-key", OPERATOR_KEY,
    )  # fmt: skip

    assert code == 0
    assert out == ""
    assert str(target) in err
    text = target.read_text()
    if report_format == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [row["facility_ori"] for row in rows] == ["TX1810000", "TX2270000", "TOTAL"]
    else:
        assert text.startswith("<!DOCTYPE html>") or text.lower().startswith("<!doctype html>")
        assert "TX2270000" in text
        assert "CA0300000" not in text


def test_a_field_office_reads_its_own_and_hears_why_not_another_s(
    capsys: pytest.CaptureFixture[str], month_api: ServedApi
) -> None:
    code, out, _ = _run(capsys, "report", *NOVEMBER, "--api", month_api.url, "--api-key", HOUSTON_KEY)
    assert code == 0
    assert {row["facility_ori"] for row in json.loads(out)["facilities"]} == {"TX1810000", "TX2270000"}

    code, out, err = _run(
        capsys, "report", *NOVEMBER, "--field-office", "LOS", "--api", month_api.url, "--api-key", HOUSTON_KEY
    )
    assert code == 1
    assert out == ""
    assert "Your API key may not do this" in err
    assert "field_office" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--from", "2026-11-30", "--to", "2026-11-01"), "#/query/to must not be before from"),
        (("--from", "2025-01-01", "--to", "2026-11-30"), "at most 400 days"),
        (("--from", "30/11/2026", "--to", "2026-11-30"), "--from"),
    ],
)
def test_a_bad_period_is_said_plainly(
    capsys: pytest.CaptureFixture[str], month_api: ServedApi, argv: tuple[str, ...], said: str
) -> None:
    code, out, err = _run(capsys, "report", *argv, "--api", month_api.url, "--api-key", OPERATOR_KEY)

    assert code in (1, 2)
    assert said in err
    assert "Traceback" not in err + out
