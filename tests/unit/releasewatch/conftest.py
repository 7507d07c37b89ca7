"""Running the `releasewatch` command as a user does, reading what it printed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from releasewatch.cli import main

RunCommand = Callable[..., tuple[int, str]]


@pytest.fixture
def releasewatch(capsys: pytest.CaptureFixture[str]) -> RunCommand:
    """``releasewatch(*argv)``: the exit status and everything printed (stdout and stderr), as one text."""

    def run(*argv: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exited:
            main(list(argv))
        captured = capsys.readouterr()
        code = exited.value.code
        return (code if isinstance(code, int) else 1), captured.out + captured.err

    return run
