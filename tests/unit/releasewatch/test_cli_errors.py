"""Every `releasewatch` command answers a user's mistake with a plain sentence and a non-zero status.

Missing and unknown arguments, settings that cannot be read, an API that is not there, a port that is
taken: each ends in a message saying what to do, never a traceback.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from releasewatch.cli import app, main

UNREACHABLE_API = "http://127.0.0.1:9"  # discard: nothing answers HTTP there


def _leaf_commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if hasattr(command, "commands"):  # a group (typer's own click)
        for name, sub in command.commands.items():
            yield from _leaf_commands(sub, (*path, name))
    else:
        yield path


COMMANDS = sorted(_leaf_commands(typer.main.get_command(app)))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    captured = capsys.readouterr()
    code = exited.value.code
    # rich may box and wrap an error message: read it as one line of words
    words = " ".join((captured.out + captured.err).replace("│", " ").split())
    return (code if isinstance(code, int) else 1), words


def test_every_command_is_covered() -> None:
    assert {"run", "demo", "api-key", "ingest", "queue", "roster"} <= {path[0] for path in COMMANDS}
    assert ("dlq", "replay") in COMMANDS
    assert ("feeds", "hold") in COMMANDS
    assert {("policy", "check"), ("policy", "dry-run")} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    code, output = _run(capsys, *command, "--no-such-option")

    assert code == 2
    assert "No such option" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != ("run",)], ids=" ".join)
def test_no_arguments_say_what_is_missing_or_that_no_api_answers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.setenv("RW_API", UNREACHABLE_API)

    code, output = _run(capsys, *command)

    assert code == 2
    assert "Traceback" not in output
    assert "Missing" in output or f"No releasewatch API answers at {UNREACHABLE_API}" in output


@pytest.mark.parametrize(
    "argv",
    [("queue",), ("dlq", "list"), ("dlq", "show", "1-0"), ("feeds", "list"), ("roster", "CA0194200"), ("demo",)],
    ids=" ".join,
)
def test_an_api_that_does_not_answer_is_named_with_what_to_do(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, output = _run(capsys, *argv, "--api", UNREACHABLE_API)

    assert code == 2
    assert f"No releasewatch API answers at {UNREACHABLE_API}" in output
    assert "make run" in output
    assert "Traceback" not in output


def test_an_api_that_is_not_a_url_is_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _run(capsys, "queue", "--api", "localhost-8000")

    assert code == 2
    assert "is not a URL" in output


def test_the_commands_call_the_api_make_run_serves_on_rw_port(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RW_API", raising=False)
    monkeypatch.setenv("RW_PORT", "9")

    _, output = _run(capsys, "queue")

    assert "No releasewatch API answers at http://127.0.0.1:9" in output


def test_a_setting_that_cannot_be_read_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RW_API", raising=False)
    monkeypatch.setenv("RW_PORT", "eighty")

    code, output = _run(capsys, "queue")

    assert code == 2
    assert "RW_PORT" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("argv", "option", "says"),
    [
        (("--role", "field_office"), "--office", "add --office"),
        (("--role", "field_office", "--office", "los"), "--office", "3-letter"),
        (("--role", "operator", "--office", "LOS"), "--office", "only a field_office key"),
        (("--role", "source", "--facility", "CA01"), "--facility", "ORI"),
        (("--role", "operator", "--facility", "CA0194200"), "--facility", "only a source key"),
        (
            (
                "--role",
                "admin",
            ),
            "--role",
            "admin",
        ),
    ],
)
def test_a_key_that_could_not_be_used_is_refused_naming_the_option(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], option: str, says: str
) -> None:
    code, output = _run(capsys, "api-key", "--name", "LOS duty desk", *argv)

    assert code == 2
    assert option in output
    assert says in output
    assert "Traceback" not in output
    assert "rwk_" not in output  # no key was made


def test_a_good_field_office_key_is_printed_with_its_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = _run(capsys, "api-key", "--name", "LOS duty desk", "--role", "field_office", "--office", "LOS")

    assert code == 0
    assert "rwk_" in output
    assert '"field_office":"LOS"' in output


def test_run_on_a_taken_port_says_which_before_starting_anything(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        code, output = _run(capsys, "run", "--port", str(port))

    assert code == 2
    assert f"Port {port} on 127.0.0.1 (for the API) is taken" in output
    assert "RW_PORT=" in output
    assert "releasewatch is running" not in output
