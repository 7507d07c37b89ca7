"""`releasewatch queue`, `releasewatch roster` and `releasewatch dlq ...`: the operator's API, from a terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from releasewatch.api_client import ApiOption, KeyOption, answer, api_client

__all__ = ["dlq_app", "feeds_app", "queue_command", "roster_command"]

console = Console(soft_wrap=True)

dlq_app = typer.Typer(help="Dead letters: list, show, replay, discard.", no_args_is_help=True)
feeds_app = typer.Typer(help="Facilities' feeds: health, alarms, and decisions on held alerts.", no_args_is_help=True)


def queue_command(api: ApiOption, api_key: KeyOption = None) -> None:
    """Per stream: length, each group's lag and pending, the oldest pending age, each consumer's idle time."""
    with api_client(api, api_key) as client:
        report = answer(client.get("/v1/ops/queues"))
    table = Table(title="releasewatch streams")
    for column in ("stream", "length", "group", "lag", "pending", "oldest pending", "consumers (pending, idle)"):
        table.add_column(column)
    for stream in report["streams"]:
        groups = stream["groups"] or [None]
        for group in groups:
            consumers = ", ".join(
                f"{c['name']} ({c['pending']}, {c['idle_seconds']:.0f}s)" for c in (group or {}).get("consumers", [])
            )
            age = (group or {}).get("oldest_pending_age_seconds")
            table.add_row(
                stream["role"],
                str(stream["length"]),
                group["name"] if group else "-",
                "-" if not group else str(group["lag"]),
                str(group["pending"]) if group else "-",
                "-" if age is None else f"{age:.0f}s",
                consumers or "-",
            )
    console.print(table)
    console.print(f"dead letters waiting for an operator: {report['dead_letters_open']}")


def roster_command(
    ori: Annotated[str, typer.Argument(help="The facility's ORI, e.g. CA0194200.")],
    api: ApiOption,
    api_key: KeyOption = None,
) -> None:
    """What the facility's latest roster showed: releases inferred from it, booking numbers we do not know."""
    with api_client(api, api_key) as client:
        report = answer(client.get(f"/v1/ops/rosters/{ori}"))
    console.print(f"roster {report['roster_id']} of {report['facility_ori']} as of {report['as_of']}")
    console.print(f"listed: {report['listed']}   processed at {report['processed_at']}")
    for label, count, numbers in (
        ("released (inferred_from_roster)", "released", "released_booking_numbers"),
        ("unknown to us", "unknown", "unknown_booking_numbers"),
        ("listed after leaving, by our state", "listed_after_leaving", "listed_after_leaving_booking_numbers"),
        ("listed again (an inferred release withdrawn)", "listed_again", "listed_again_booking_numbers"),
    ):
        shown = ", ".join(report[numbers])
        more = report[count] - len(report[numbers])
        console.print(f"{label}: {report[count]}" + (f"  {shown}" if shown else "") + (f" (+{more})" if more else ""))


@dlq_app.command("list")
def dlq_list(
    api: ApiOption,
    api_key: KeyOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Include those already replayed or discarded.")] = False,
    limit: int = 50,
) -> None:
    """Dead letters, newest first."""
    with api_client(api, api_key) as client:
        page = answer(client.get("/v1/ops/dead-letters", params={"open": not all_, "limit": limit}))
    table = Table(title="dead letters")
    for column in ("id", "from stream", "message id", "attempts", "reason", "done"):
        table.add_column(column)
    for view in page["dead_letters"]:
        letter, done = view["dead_letter"], view.get("disposition")
        table.add_row(
            view["id"],
            letter["stream"],
            letter["message_id"],
            str(letter["attempts"]),
            letter["reason"],
            f"{done['state']} by {done['by']}" if done else "",
        )
    console.print(table)


@dlq_app.command("show")
def dlq_show(entry_id: str, api: ApiOption, api_key: KeyOption = None) -> None:
    """One dead letter, whole: the message's fields, where it came from, why, what was done."""
    with api_client(api, api_key) as client:
        console.print_json(json.dumps(answer(client.get(f"/v1/ops/dead-letters/{entry_id}"))))


@dlq_app.command("replay")
def dlq_replay(
    entry_id: str,
    api: ApiOption,
    api_key: KeyOption = None,
    force: Annotated[bool, typer.Option(help="Finish a replay that was interrupted.")] = False,
) -> None:
    """Put the message back on its stream, once."""
    with api_client(api, api_key) as client:
        view = answer(client.post(f"/v1/ops/dead-letters/{entry_id}/replay", params={"force": force}))
    console.print(f"replayed {entry_id} as {view['disposition']['replayed_as']} on {view['dead_letter']['stream']}")


@dlq_app.command("discard")
def dlq_discard(
    entry_id: str,
    reason: Annotated[str, typer.Option(help="Why it will not be processed (recorded).")],
    api: ApiOption,
    api_key: KeyOption = None,
) -> None:
    """Record that the message will not be processed, and why."""
    with api_client(api, api_key) as client:
        answer(client.post(f"/v1/ops/dead-letters/{entry_id}/discard", json={"reason": reason}))
    console.print(f"discarded {entry_id}")


_STATUS_STYLE = {"surge": "bold red", "silent": "red", "new": "yellow", "ok": "green"}


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


@feeds_app.command("list")
def feeds_list(
    api: ApiOption,
    status: Annotated[str | None, typer.Option(help="Only feeds in this status (surge, silent, new, ok).")] = None,
    api_key: KeyOption = None,
) -> None:
    """Every facility's feed, alarms first: status, last sent, usual rate, releases in the window, held alerts."""
    with api_client(api, api_key) as client:
        page = answer(client.get("/v1/ops/feeds", params={"status": status} if status else None))
    table = Table(title="releasewatch feeds")
    for column in ("facility", "status", "quiet for", "entries 24 h", "usual / h", "releases (usual)", "held", "why"):
        table.add_column(column)
    for feed in page["feeds"]:
        usual = feed["usual_entries_per_hour"]
        usual_releases = feed["usual_releases_per_window"]
        table.add_row(
            feed["facility_ori"],
            f"[{_STATUS_STYLE.get(feed['status'], '')}]{feed['status']}[/]",
            _hours(feed["silent_seconds"]),
            str(feed["entries_last_24h"]),
            "-" if usual is None else f"{usual:.1f}",
            f"{feed['releases_in_window']} ({'-' if usual_releases is None else f'{usual_releases:.1f}'})",
            str(feed["held_alerts"]),
            feed["reason"],
        )
    console.print(table)


@feeds_app.command("hold")
def feeds_hold(
    ori: Annotated[str, typer.Argument(help="The facility's ORI.")],
    action: Annotated[str, typer.Argument(help="deliver (the releases are real) or discard (a data error).")],
    note: Annotated[str, typer.Option(help="Why: what you found out (kept in the audit trail).")],
    api: ApiOption,
    api_key: KeyOption = None,
) -> None:
    """Decide on a facility's held alerts; the notifier carries it out at its next feed check."""
    with api_client(api, api_key) as client:
        feed = answer(client.post(f"/v1/ops/feeds/{ori}/hold", json={"action": action, "note": note}))
    console.print(f"{ori}: {action} decided; {feed['held_alerts']} alert(s) held now, settled at the next check.")
