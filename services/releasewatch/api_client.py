"""How the `releasewatch` commands call a running API, and how they say what went wrong, in plain words.

A command that cannot reach the API, or is refused, prints one sentence saying what to do and exits
non-zero; never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console

from releasewatch.settings import local_api_url

__all__ = ["ApiOption", "KeyOption", "answer", "answer_text", "api_client"]

ApiOption = Annotated[
    str,
    typer.Option(
        "--api",
        envvar="RW_API",
        default_factory=local_api_url,
        show_default="the API `make run` starts (RW_HOST, RW_PORT)",
        help="The running API.",
    ),
]
KeyOption = Annotated[str | None, typer.Option(envvar="RW_API_KEY", help="An operator's API key.")]

_errors = Console(stderr=True, soft_wrap=True)
_MAKE_A_KEY = "make one with `releasewatch api-key --name NAME --role operator`"


@contextmanager
def api_client(api: str, api_key: str | None, *, timeout: float = 10.0) -> Iterator[httpx.Client]:  # seconds
    """A client of the API at ``api``; when it cannot be reached, says so and exits with status 2."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with httpx.Client(base_url=api, headers=headers, timeout=timeout) as client:
            yield client
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        _errors.print(f"{api!r} is not a URL: give the API as --api http://HOST:PORT (or RW_API).", markup=False)
        raise typer.Exit(2) from None
    except httpx.TransportError as error:
        _errors.print(
            f"No releasewatch API answers at {api} ({_reason(error)}). Start it with `make run`, "
            "or say where it runs with --api or RW_API.",
            markup=False,
        )
        raise typer.Exit(2) from None


def answer(response: httpx.Response) -> Any:
    """The JSON of a successful answer; otherwise the problem in one line, and exit status 1."""
    if response.is_success:
        return response.json()
    return _refused(response)


def answer_text(response: httpx.Response) -> str:
    """The body of a successful answer as text (CSV, HTML); otherwise as ``answer``."""
    if response.is_success:
        return response.text
    return _refused(response)


def _refused(response: httpx.Response) -> NoReturn:
    if response.status_code == 401:
        message = f"The API at {response.url.host}:{response.url.port} wants an API key: pass --api-key or set "
        message += f"RW_API_KEY ({_MAKE_A_KEY})."
    elif response.status_code == 403:
        message = f"Your API key may not do this: {_problem_detail(response)} Use an operator's key ({_MAKE_A_KEY})."
    else:
        message = f"{_problem_title(response)}: {_problem_detail(response)}"
    _errors.print(message, markup=False)
    raise typer.Exit(1)


def _reason(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.ConnectError):
        return "connection refused or host not found"
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    return type(error).__name__


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _problem_title(response: httpx.Response) -> str:
    return str(_problem(response).get("title") or f"HTTP {response.status_code}")


def _problem_detail(response: httpx.Response) -> str:
    problem = _problem(response)
    detail = str(problem.get("detail") or response.reason_phrase)
    errors = problem.get("errors") or []
    if errors:
        detail += " " + "; ".join(f"{e.get('pointer', '')} {e.get('detail', '')}".strip() for e in errors[:5])
    return detail
