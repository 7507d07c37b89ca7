"""The operator's commands against an API that requires keys: a missing or weak key is explained."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from releasewatch.cli import main
from tests.integration.serving import ServedApi, keys_json, served_over_http

OPERATOR_KEY = "rwk_operator-key-for-the-cli-tests"
SOURCE_KEY = "rwk_source-key-for-the-cli-tests"


@pytest.fixture
def keyed_api(redis_url: str) -> Iterator[ServedApi]:
    keys = keys_json(
        [
            ApiKeyEntry(name="ops desk", role=Role.OPERATOR, key_sha256=digest_of(OPERATOR_KEY)),
            ApiKeyEntry(name="county jail", role=Role.SOURCE, key_sha256=digest_of(SOURCE_KEY)),
        ]
    )
    settings = IngestSettings(redis_url=redis_url, log_format="text", auth="required", api_keys=keys)
    with served_over_http(settings) as served:
        yield served


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), " ".join((captured.out + captured.err).split())


@pytest.mark.parametrize("command", [("demo",), ("queue",), ("dlq", "list"), ("feeds", "list")], ids=" ".join)
def test_without_a_key_the_command_says_how_to_give_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, keyed_api: ServedApi, command: tuple[str, ...]
) -> None:
    monkeypatch.delenv("RW_API_KEY", raising=False)

    code, output = _run(capsys, *command, "--api", keyed_api.url)

    assert code == 1
    assert "wants an API key" in output
    assert "RW_API_KEY" in output
    assert "Traceback" not in output


def test_the_demo_with_a_key_that_may_not_lodge_detainers_stops_before_changing_anything(
    capsys: pytest.CaptureFixture[str], keyed_api: ServedApi
) -> None:
    code, output = _run(capsys, "demo", "--api", keyed_api.url, "--api-key", SOURCE_KEY)

    assert code == 1
    assert "Your API key may not do this" in output
    assert "lodging" not in output
    assert "Traceback" not in output


def test_the_demo_with_an_operator_key_plays_and_points_at_the_office_pages(
    capsys: pytest.CaptureFixture[str], keyed_api: ServedApi
) -> None:
    code, output = _run(capsys, "demo", "--api", keyed_api.url, "--api-key", OPERATOR_KEY, "--pause", "0")

    assert code == 0
    assert "events accepted" in output
    assert f"{keyed_api.url}/offices/LOS" in output
