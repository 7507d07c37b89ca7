"""`releasewatch ingest FILE` and `releasewatch detainers import FILE`: import a CSV or NDJSON file of custody
events, or of detainers, through its batch API."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from releasewatch.api_client import ApiOption
from releasewatch.file_import.formats import FORMAT_NAMES, format_for
from releasewatch.file_import.importer import ImportTally, import_rows
from releasewatch.file_import.kinds import CUSTODY_EVENTS, DETAINERS, RecordKind
from releasewatch.file_import.report import print_summary
from releasewatch.file_import.rows import UnusableFile
from releasewatch.file_import.upload import ApiRefused, ApiUnavailable, BatchUploader

__all__ = ["EXIT_ALL_ACCEPTED", "EXIT_FAILED", "EXIT_SOME_REJECTED", "detainers_import_command", "ingest_command"]

EXIT_ALL_ACCEPTED = 0
EXIT_SOME_REJECTED = 1
EXIT_FAILED = 2  # usage, an unreadable file, or an API that could not be reached or refused the import

REQUEST_TIMEOUT = httpx.Timeout(120, connect=10)  # seconds; a full chunk of 10,000 records takes a while


_AGAIN = "run the same command again to finish"

# The options both imports take, named once.
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv or ndjson (default: by the file's extension; needed for stdin)."),
]
RejectsOption = Annotated[
    Path | None,
    typer.Option(help="Write the rejected rows with their reasons here (same format as FILE), to fix and resend."),
]
RetriesOption = Annotated[
    int, typer.Option(min=0, help="Retries of a chunk when the API is busy (503) or does not answer.")
]


def _after_refusal(status: int | None, kind: RecordKind) -> str:
    """What to do once the API refused a whole chunk: sending it again unchanged would be refused again."""
    if status == 401:
        return "give an API key (--api-key or RW_API_KEY), then run the same command again"
    if status == 403:
        return f"{kind.forbidden_hint}, then run the same command again"
    return "nothing more was sent; once the API's answer is understood, run the same command again"


def _fail(console: Console, message: str) -> typer.Exit:
    console.print(message, style="red", markup=False)
    return typer.Exit(EXIT_FAILED)


def ingest_command(
    file: Annotated[str, typer.Argument(help="A .csv, .ndjson or .jsonl file of custody events; - reads stdin.")],
    api: ApiOption,
    api_key: Annotated[
        str | None, typer.Option(envvar="RW_API_KEY", help="A source's (or an operator's) API key.")
    ] = None,
    file_format: FormatOption = None,
    chunk: Annotated[int, typer.Option(min=1, max=10_000, help="Events per request.")] = 1000,
    rejects: RejectsOption = None,
    retries: RetriesOption = 6,
) -> None:
    """Import custody events from a CSV or NDJSON file: accepted, replayed and rejected rows, with reasons.

    Exit code 0 when every row was accepted (or had been before), 1 when some were
    rejected, 2 when the import could not run (usage, file, API unreachable or refusing).
    """
    run_import(
        CUSTODY_EVENTS,
        file,
        api=api,
        api_key=api_key,
        file_format=file_format,
        chunk=chunk,
        rejects=rejects,
        retries=retries,
    )


def detainers_import_command(
    file: Annotated[str, typer.Argument(help="A .csv, .ndjson or .jsonl file of detainers; - reads stdin.")],
    api: ApiOption,
    api_key: Annotated[
        str | None, typer.Option(envvar="RW_API_KEY", help="A field office's (or an operator's) API key.")
    ] = None,
    file_format: FormatOption = None,
    chunk: Annotated[int, typer.Option(min=1, max=10_000, help="Detainers per request.")] = 1000,
    rejects: RejectsOption = None,
    retries: RetriesOption = 6,
) -> None:
    """Lodge detainers from a CSV or NDJSON file: lodged, unchanged (lodged before) and rejected rows, with
    reasons. Stopped part way, the same command again finishes it: rows lodged already come back unchanged.

    Exit code 0 when every row was lodged (or had been before), 1 when some were
    rejected, 2 when the import could not run (usage, file, API unreachable or refusing).
    """
    run_import(
        DETAINERS,
        file,
        api=api,
        api_key=api_key,
        file_format=file_format,
        chunk=chunk,
        rejects=rejects,
        retries=retries,
    )


def run_import(
    kind: RecordKind,
    file: str,
    *,
    api: str,
    api_key: str | None,
    file_format: str | None,
    chunk: int,
    rejects: Path | None,
    retries: int,
) -> None:
    """Import ``file`` of ``kind`` and exit with the import's code."""
    out = Console(soft_wrap=False)
    err = Console(stderr=True, soft_wrap=True)
    if file_format is not None and file_format not in FORMAT_NAMES:
        raise _fail(err, f"--format must be one of: {', '.join(FORMAT_NAMES)}")
    chosen = format_for(file, file_format, kind)
    if chosen is None:
        what = "standard input" if file == "-" else f"{file!r} from its name"
        raise _fail(err, f"Cannot tell the format of {what}: say --format csv or --format ndjson.")
    source = "stdin" if file == "-" else file
    total: int | None = None
    if file != "-":
        path = Path(file)
        if not path.is_file():
            raise _fail(err, f"No such file: {file}")
        try:
            with path.open("rb") as counting:
                total = chosen.count_rows(counting)
        except UnusableFile as error:
            raise _fail(err, f"{file}: {error}") from None

    tally = ImportTally()
    failure: str | None = None
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with ExitStack() as stack:
        stream = sys.stdin.buffer if file == "-" else stack.enter_context(Path(file).open("rb"))
        client = stack.enter_context(httpx.Client(base_url=api, headers=headers, timeout=REQUEST_TIMEOUT))
        progress = stack.enter_context(
            Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                TimeElapsedColumn(),
                console=err,
                disable=not err.is_terminal,
            )
        )
        task = progress.add_task(f"importing {source}", total=total)
        uploader = BatchUploader(
            client,
            kind=kind,
            retries=retries,
            on_wait=lambda why, seconds: err.print(f"{why}; sending again in {seconds:.1f} s", markup=False),
        )
        try:
            import_rows(
                chosen.read_rows(stream),
                chosen,
                uploader,
                tally,
                chunk_size=chunk,
                on_progress=lambda done: progress.advance(task, done),
            )
        except UnusableFile as error:
            failure, next_step = f"{source}: {error}", "fix the file, then run the same command again"
        except ApiUnavailable as error:
            failure, next_step = f"The API at {api} could not take the import: {error}", _AGAIN
        except ApiRefused as error:
            failure, next_step = f"The API at {api} refused the import: {error}", _after_refusal(error.status, kind)

    written = rejects is not None and bool(tally.rejected)
    if rejects is not None and written:
        chosen.write_rejects(rejects, tally.rejected)
    print_summary(out, tally, source=source, rejects_file=str(rejects) if written else None, kind=kind)
    if rejects is not None and not written:
        out.print(f"nothing was rejected: {rejects} was not written", markup=False)
    if failure is not None:
        err.print(failure, style="red", markup=False)
        of_total = "" if total is None else f" of {total}"
        err.print(
            f"Stopped with {tally.answered}{of_total} rows answered ({tally.unconfirmed} sent without an answer): "
            f"{next_step} ({_resume_note(kind)}).",
            markup=False,
        )
        raise typer.Exit(EXIT_FAILED)
    raise typer.Exit(EXIT_SOME_REJECTED if tally.rejected else EXIT_ALL_ACCEPTED)


def _resume_note(kind: RecordKind) -> str:
    """Why running the same command again is safe."""
    if kind is DETAINERS:
        return "rows already lodged come back as unchanged, never lodged twice"
    return "rows already accepted come back as replayed, never twice"
