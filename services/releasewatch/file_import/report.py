"""The summary an import ends with: counts, the rejected rows with the field and the reason, and the rows
accepted without an optional field the API could not read (the same way: field and reason).

It names rows by line and id (``event_id``, ``detainer_id``) and fields by column or pointer, and
never shows a field's value: the terminal (and whatever records it) gets no
names, dates of birth or identifiers.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from releasewatch.file_import.importer import ImportTally
from releasewatch.file_import.kinds import CUSTODY_EVENTS, RecordKind
from releasewatch.file_import.rows import FieldError, SourceRow

__all__ = ["REJECTS_SHOWN", "print_summary"]

REJECTS_SHOWN = 100  # rejected rows listed on the terminal; --rejects writes them all


def print_summary(
    console: Console, tally: ImportTally, *, source: str, rejects_file: str | None, kind: RecordKind = CUSTODY_EVENTS
) -> None:
    accepted = kind.accepted_word
    console.print(  # no markup: a file name or an API's message may hold [brackets]
        f"{source}: {tally.read} rows read   {accepted}: {tally.accepted}   "
        f"{kind.replayed_word}: {tally.replayed}   rejected: {len(tally.rejected)}   "
        f"{accepted} with warnings: {len(tally.warned)}",
        markup=False,
    )
    if tally.withheld:
        console.print(
            f"withheld by sharing policies (taken, never published): {sum(tally.withheld.values())}", markup=False
        )
        for rule, events in sorted(tally.withheld.items()):
            console.print(f"  {rule}: {events}", markup=False)
    if tally.rejected:
        rejected = [(reject.row, reject.errors) for reject in tally.rejected]
        _print_rows(console, "rejected rows", rejected, kind.id_field)
        hidden = len(tally.rejected) - REJECTS_SHOWN
        if hidden > 0:
            hint = "" if rejects_file else " (--rejects FILE lists them all)"
            console.print(f"... and {hidden} more rejected rows{hint}")
    if tally.warned:
        title = f"{accepted} without fields the API could not read"
        _print_rows(console, title, [(warned.row, warned.warnings) for warned in tally.warned], kind.id_field)
        hidden = len(tally.warned) - REJECTS_SHOWN
        if hidden > 0:
            console.print(f"... and {hidden} more rows {accepted} with warnings")
    if rejects_file is not None:
        console.print(f"rejected rows and their reasons written to {rejects_file}", markup=False)


def _print_rows(
    console: Console, title: str, rows: list[tuple[SourceRow, tuple[FieldError, ...]]], id_field: str
) -> None:
    table = Table(title=title, title_justify="left")
    for column, justify in (("line", "right"), (id_field, "left"), ("field", "left"), ("message", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row, errors in rows[:REJECTS_SHOWN]:
        for error in errors:
            cells = (str(row.line), row.event_id or "-", error.field, error.message)
            table.add_row(*(Text(cell) for cell in cells))
    console.print(table)
