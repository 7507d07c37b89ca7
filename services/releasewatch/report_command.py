"""`releasewatch report`: the outcome report of a period from a running API, as JSON, CSV or an HTML page."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from releasewatch.api_client import ApiOption, KeyOption, answer, answer_text, api_client


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


_DAY = ["%Y-%m-%d"]


def report(
    period_from: Annotated[
        datetime, typer.Option("--from", formats=_DAY, help="First day of the period (YYYY-MM-DD).", show_default=False)
    ],
    period_to: Annotated[
        datetime, typer.Option("--to", formats=_DAY, help="Last day, included (YYYY-MM-DD).", show_default=False)
    ],
    api: ApiOption,
    api_key: KeyOption = None,
    state: Annotated[list[str] | None, typer.Option(help="Only facilities of this state (repeatable).")] = None,
    facility_ori: Annotated[list[str] | None, typer.Option(help="Only this facility, by ORI (repeatable).")] = None,
    field_office: Annotated[str | None, typer.Option(help="Only this office's detainers.")] = None,
    report_format: Annotated[ReportFormat, typer.Option("--format", help="json, csv or html.")] = ReportFormat.JSON,
    out: Annotated[Path | None, typer.Option(help="Write it to this file (default: standard output).")] = None,
) -> None:
    """The outcome report of a period: per facility (by ORI) and a total (see docs/outcome-report.md)."""
    params: dict[str, str | list[str]] = {
        "from": period_from.date().isoformat(),
        "to": period_to.date().isoformat(),
        "format": report_format.value,
    }
    if state:
        params["state"] = [code.upper() for code in state]
    if facility_ori:
        params["facility_ori"] = list(facility_ori)
    if field_office:
        params["field_office"] = field_office
    with api_client(api, api_key, timeout=120.0) as client:
        response = client.get("/v1/reports/outcomes", params=params)
        if report_format is ReportFormat.JSON:
            text = json.dumps(answer(response), indent=2) + "\n"
        else:
            text = answer_text(response)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        typer.echo(f"Could not write {out}: {error.strerror or error}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"report of {params['from']} to {params['to']} written to {out} ({report_format.value})", err=True)


__all__ = [report.__name__]  # `releasewatch report`
