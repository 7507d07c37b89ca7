"""`releasewatch audit`: the audit trail, filtered, as a table on the terminal or exported as CSV or NDJSON."""

from __future__ import annotations

import re
import sys
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table

from releasewatch.api_client import ApiOption, KeyOption, answer, api_client
from runtime import clock

__all__ = ["audit_command", "parse_when"]

_errors = Console(stderr=True, soft_wrap=True)
_AGO = re.compile(r"(\d+)\s*([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class Output(StrEnum):
    TABLE = "table"
    CSV = "csv"
    NDJSON = "ndjson"


def parse_when(text: str, *, option: str) -> datetime:
    """``2026-11-20`` (midnight UTC), an RFC 3339 time with an offset, or a span back from now (``30m``, ``24h``,
    ``7d``). Anything else is a plain error naming the option."""
    text = text.strip()
    ago = _AGO.fullmatch(text)
    if ago:
        return clock.utc_now() - timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        _errors.print(
            f"{option} {text!r} is not a time: give a date (2026-11-20, midnight UTC), a time with its offset "
            "(2026-11-20T08:00:00-08:00) or a span back from now (30m, 24h, 7d).",
            markup=False,
        )
        raise typer.Exit(2)
    return moment


def audit_command(
    api: ApiOption,
    api_key: KeyOption = None,
    since: Annotated[
        str | None, typer.Option(help="From: 2026-11-20, 2026-11-20T08:00:00-08:00, or 24h / 7d ago.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (same forms as --since).")] = None,
    actor: Annotated[str | None, typer.Option(help="Who acted: an API key's name.")] = None,
    action: Annotated[
        str | None, typer.Option(help="An action (dead_letter.replayed) or a family of them (dead_letter).")
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="The id acted on (a detainer as OFFICE/ID, or its ID in every office; an ORI).")
    ] = None,
    output_format: Annotated[Output, typer.Option("--format", help="table (newest 100), csv or ndjson (all).")] = (
        Output.TABLE
    ),
    out: Annotated[Path | None, typer.Option(help="Write the export to this file instead of the terminal.")] = None,
) -> None:
    """The audit trail: who did what, when; filtered, and exported as CSV or NDJSON oldest first."""
    params: dict[str, str] = {
        name: value for name, value in (("actor", actor), ("action", action), ("target", target)) if value
    }
    if since:
        params["since"] = parse_when(since, option="--since").isoformat()
    if until:
        params["until"] = parse_when(until, option="--until").isoformat()
    with api_client(api, api_key, timeout=60.0) as client:
        if output_format is Output.TABLE:
            page = answer(client.get("/v1/ops/audit", params={**params, "limit": "100"}))
            _print_table(page["entries"], more=page["next_before"] is not None)
            return
        with client.stream("GET", "/v1/ops/audit", params={**params, "format": output_format.value}) as response:
            if not response.is_success:
                response.read()
                answer(response)
            with ExitStack() as files:
                sink: TextIO = files.enter_context(out.open("w", encoding="utf-8", newline="")) if out else sys.stdout
                written = 0
                for line in response.iter_lines():
                    sink.write(line + ("\r\n" if output_format is Output.CSV else "\n"))
                    written += 1
    if out is not None:
        entries = written - 1 if output_format is Output.CSV else written
        _errors.print(f"{entries} audit entries written to {out}", markup=False)


def _print_table(entries: list[dict[str, str]], *, more: bool) -> None:
    console = Console(soft_wrap=True)
    if not entries:
        console.print("No audit entries match.")
        return
    table = Table(title="releasewatch audit trail, newest first")
    for column in ("at", "actor", "action", "target", "detail"):
        table.add_column(column)
    for entry in entries:
        table.add_row(entry["at"], entry["actor"], entry["action"], entry["target"], entry["detail"])
    console.print(table)
    if more:
        console.print("Older entries match too: narrow with --since/--until, or export them all with --format csv.")
