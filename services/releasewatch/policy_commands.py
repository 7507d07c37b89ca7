"""`releasewatch policy check FILE` and `releasewatch policy dry-run FILE --events FEED`: a sharing policy file,
checked and explained rule by rule, and what it would withhold and strip from a recorded feed, nothing sent.

Both run offline (no API): a county counsel drafting a policy, or an operator about to load one, sees what it
means before any service reads it. Neither prints a person's data: events are named by line, event id, type and
facility; fields by name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from contracts import CustodyEvent, custody_event_adapter
from ingest.intake import read_person_record
from ingest.problems import Problem
from policies import DryRun, LoadedPolicies, PolicyBook, PolicyFileError, dry_run, explain_policy, load_policy_file
from releasewatch.file_import.formats import FORMAT_NAMES, format_for
from releasewatch.file_import.rows import UnusableFile

__all__ = ["policy_app"]

EXIT_OK = 0
EXIT_REFUSED = 2  # the policy file (or the feed) cannot be used

EVENTS_LISTED = 200  # events listed by --details; the counts cover them all

policy_app = typer.Typer(
    help="Sharing policies: check a policy file and explain it, or see what it would withhold from a feed.",
    no_args_is_help=True,
)

PolicyFileArgument = Annotated[Path, typer.Argument(help="The policy file (YAML), as RW_POLICIES_FILE would name it.")]


def _load(console: Console, file: Path) -> LoadedPolicies:
    try:
        return load_policy_file(file)
    except PolicyFileError as refused:
        console.print(refused.describe(), markup=False)
        raise typer.Exit(EXIT_REFUSED) from None


@policy_app.command("check")
def check_command(file: PolicyFileArgument) -> None:
    """Check a policy file and explain each rule in words. Exit 0 when the services would load it; 2, with each
    problem's line and reason, when they would refuse it."""
    out = Console(soft_wrap=True)
    loaded = _load(Console(stderr=True, soft_wrap=True), file)
    book = PolicyBook(loaded.policies)
    count = len(book)
    out.print(
        f"{file}: {count} polic{'ies' if count != 1 else 'y'}, can be loaded (digest {loaded.digest})", markup=False
    )
    if count == 0:
        out.print("No policies: every facility shares everything.", markup=False)
    for policy in sorted(loaded.policies.policies, key=lambda p: p.jurisdiction):
        out.print("", markup=False)
        for line in explain_policy(book, policy):
            out.print(line, markup=False, highlight=False)
    out.print("\nA facility no policy covers shares everything.", markup=False)


def _events(
    console: Console, feed: str, file_format: str | None, refused: list[tuple[int, str]]
) -> Iterator[tuple[int, CustodyEvent]]:
    """The feed's events as intake reads them (an optional field it cannot read dropped, what was sent kept in
    ``as_sent``), each with its line; rows intake would refuse go to ``refused`` with the first reason."""
    chosen = format_for(feed, file_format)
    if chosen is None:
        console.print(f"Cannot tell the format of {feed!r} from its name: say --format csv or --format ndjson.")
        raise typer.Exit(EXIT_REFUSED)
    path = Path(feed)
    if not path.is_file():
        console.print(f"No such file: {feed}", markup=False)
        raise typer.Exit(EXIT_REFUSED)
    with path.open("rb") as stream:
        try:
            for row in chosen.read_rows(stream):
                if row.event_json is None:
                    refused.append((row.line, "; ".join(f"{e.field}: {e.message}" for e in row.unreadable)))
                    continue
                try:
                    reading = read_person_record(custody_event_adapter, row.event_json, tagged_union=True)
                except Problem as problem:
                    first = problem.errors[0] if problem.errors else None
                    field = chosen.field_label(row, first.pointer) if first else "#"
                    refused.append((row.line, f"{field}: {first.detail if first else problem.detail}"))
                    continue
                yield row.line, reading.value
        except UnusableFile as error:
            console.print(f"{feed}: {error}", markup=False)
            raise typer.Exit(EXIT_REFUSED) from None


def _counts_table(title: str, what: str, counts: Counter[str]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(what)
    table.add_column("events", justify="right")
    for name, count in sorted(counts.items()):
        table.add_row(Text(name), str(count))
    return table


def _print_tally(out: Console, tally: DryRun, refused: list[tuple[int, str]], *, details: bool) -> None:
    out.print(f"events read: {tally.events + len(refused)}", markup=False)
    if refused:
        out.print(f"  refused by intake (not judged): {len(refused)}", markup=False)
    out.print(f"  at facilities no policy covers (shared as they came): {tally.not_covered}", markup=False)
    out.print(f"  shared under a policy: {tally.shared}", markup=False)
    out.print(f"  withheld: {tally.withheld_total}", markup=False)
    if tally.held_then_published:
        out.print(
            f"    of which held and published later, with an event the policy shares: {tally.held_then_published}",
            markup=False,
        )
    if tally.bookings_still_held:
        out.print(f"  bookings whose identity was never published: {tally.bookings_still_held}", markup=False)
    if tally.withheld:
        out.print(_counts_table("withheld, by rule", "rule", tally.withheld))
    if tally.stripped:
        out.print(_counts_table("stripped from the people published (kept nowhere)", "field", tally.stripped))
    if details:
        _print_details(out, tally, refused)


def _print_details(out: Console, tally: DryRun, refused: list[tuple[int, str]]) -> None:
    """One line per event withheld or stripped (long reasons wrap, a table would cut them)."""
    out.print("\nevents withheld or stripped:", markup=False)
    for judged in tally.judged[:EVENTS_LISTED]:
        verdict = "shared" if judged.shared else f"withheld by {judged.rule}"
        stripped = f"; stripped: {', '.join(judged.stripped)}" if judged.stripped else ""
        out.print(
            f"  line {judged.line} {judged.event_id} ({judged.event_type}, {judged.facility_ori}): {verdict}{stripped}"
            + ("" if judged.shared else f"\n    why: {judged.reason}"),
            markup=False,
            highlight=False,
        )
    if len(tally.judged) > EVENTS_LISTED:
        out.print(f"  ... and {len(tally.judged) - EVENTS_LISTED} more", markup=False)
    if refused:
        out.print("\nrows intake would refuse:", markup=False)
        for line, why in refused[:EVENTS_LISTED]:
            out.print(f"  line {line}: {why}", markup=False, highlight=False)


@policy_app.command("dry-run")
def dry_run_command(
    file: PolicyFileArgument,
    events: Annotated[
        str, typer.Option("--events", help="A recorded feed: a .csv, .ndjson or .jsonl file of custody events.")
    ],
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or ndjson (default: by the feed's extension).")
    ] = None,
    details: Annotated[
        bool, typer.Option(help="List every event withheld or stripped, with the rule and why.")
    ] = False,
) -> None:
    """Show what a policy file would withhold and strip from a recorded feed, per rule, sending nothing.

    The feed's events are judged in the file's order, as intake would judge them arriving in that order.
    """
    err = Console(stderr=True, soft_wrap=True)
    if file_format is not None and file_format not in FORMAT_NAMES:
        err.print(f"--format must be one of: {', '.join(FORMAT_NAMES)}", markup=False)
        raise typer.Exit(EXIT_REFUSED)
    loaded = _load(err, file)
    refused: list[tuple[int, str]] = []
    tally = dry_run(PolicyBook(loaded.policies), _events(err, events, file_format, refused))
    out = Console(soft_wrap=True)
    out.print(f"dry run of {file} (digest {loaded.digest}) on {events}, nothing sent", markup=False)
    _print_tally(out, tally, refused, details=details)
    raise typer.Exit(EXIT_OK)
