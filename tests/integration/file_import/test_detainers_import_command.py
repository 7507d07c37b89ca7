"""`releasewatch detainers import FILE` against the real API over HTTP: what a field office moving its existing
detainers sees."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from typer.testing import CliRunner, Result

from contracts import RedisNames
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from releasewatch.cli import app
from releasewatch.redis_server import free_port
from tests import samples
from tests.integration.serving import ServedApi, keys_json, served_over_http

PERSONAL_VALUES = ("GARCIA", "LOPEZ", "JOSE", "1990-04-17", "A012345678", "123456AB9", "A1234567")


def run(served: ServedApi, *args: str, key: str | None = None) -> Result:
    """The command as a terminal runs it, output wide enough that table cells do not wrap."""
    env = {"COLUMNS": "240", **({"RW_API_KEY": key} if key else {})}
    return CliRunner().invoke(app, ["detainers", "import", *args, "--api", served.url], env=env)


def said(result: Result) -> str:
    """Everything the command printed, on one line (rich wraps long sentences)."""
    return " ".join(result.output.split())


@pytest.fixture
def stored(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        client.close()


def lodged(client: redis.Redis) -> list[str]:
    """The references of the detainers on the changelog, in order: one entry per detainer lodged."""
    return [fields[b"detainer_ref"].decode() for _, fields in client.xrange(RedisNames().detainer_changes)]


def write_ndjson(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def detainer_row(number: int, **overrides: str) -> dict[str, str]:
    return {
        "detainer_id": f"LOS-2026-{number:06d}",
        "form": "I-247A",
        "field_office": "LOS",
        "issued_at": "2026-11-01T10:00:00-07:00",
        "lodged_with_ori": "CA0194200",
        "last_name": "GARCIA LOPEZ",
        "first_name": "JOSE",
        "date_of_birth": "1990-04-17",
        "sex": "M",
        "a_number": "A012345678",
        "state_id": "A1234567",
        "state_id_state": "CA",
        **overrides,
    }


def reported(stdout: str, line: int, detainer_id: str, column: str) -> bool:
    """Whether a summary table names the row starting at ``line`` with ``detainer_id`` and ``column``."""
    return any(
        row.split()[:3] == ["│", str(line), "│"] and detainer_id in row and column in row for row in stdout.splitlines()
    )


def test_a_csv_of_detainers_is_lodged_and_bad_rows_are_reported_by_line_and_column(
    served_api: ServedApi, stored: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(
        tmp_path / "detainers.csv",
        [
            detainer_row(1, judicial_warrant_court="U.S. District Court, C.D. Cal.", judicial_warrant_reference="2:26"),
            detainer_row(2, date_of_birth="17/04/1990"),  # line 3
            detainer_row(3, judicial_warrant_court="A court"),  # line 4: a warrant needs its reference
            detainer_row(4, aliases="[{last_name: X}"),  # line 5: not JSON: lodged without its aliases, warned
            detainer_row(5),
        ],
    )

    result = run(served_api, str(file))

    assert result.exit_code == 1, result.output
    assert "lodged: 3" in result.stdout
    assert "rejected: 2" in result.stdout
    assert reported(result.stdout, 3, "LOS-2026-000002", "date_of_birth")
    assert reported(result.stdout, 4, "LOS-2026-000003", "judicial_warrant")
    assert reported(result.stdout, 5, "LOS-2026-000004", "aliases")
    assert not any(value in result.output for value in PERSONAL_VALUES)
    assert lodged(stored) == ["LOS/LOS-2026-000001", "LOS/LOS-2026-000004", "LOS/LOS-2026-000005"]
    record = json.loads(stored.get(RedisNames().detainer("LOS/LOS-2026-000001")) or b"{}")
    assert record["person"]["state_id"] == {"state": "CA", "number": "A1234567"}
    assert record["judicial_warrant"] == {"court": "U.S. District Court, C.D. Cal.", "reference": "2:26"}


def test_an_ndjson_file_is_lodged_as_sent_and_the_rejects_file_holds_each_refused_line(
    served_api: ServedApi, stored: redis.Redis, tmp_path: Path
) -> None:
    file = write_ndjson(
        tmp_path / "detainers.ndjson",
        samples.detainer(detainer_id="D-1"),
        '{"detainer_id": "D-2", ',  # line 2: not JSON
        samples.detainer(detainer_id="D-3", form="I-999"),  # line 3
        samples.detainer(detainer_id="D-4"),
    )
    rejects = tmp_path / "rejects.ndjson"

    result = run(served_api, str(file), "--rejects", str(rejects))

    assert result.exit_code == 1, result.output
    assert "lodged: 2" in result.stdout
    assert reported(result.stdout, 3, "D-3", "#/form")
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(record["line"], record["detainer_id"]) for record in written] == [(2, None), (3, "D-3")]
    assert written[0]["raw"] == '{"detainer_id": "D-2", '
    assert written[1]["detainer"]["form"] == "I-999"
    assert written[1]["errors"][0]["field"] == "#/form"
    assert lodged(stored) == ["LOS/D-1", "LOS/D-4"]


def test_importing_the_same_file_again_lodges_nothing_twice(
    served_api: ServedApi, stored: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "detainers.csv", [detainer_row(number) for number in range(3)])
    rejects = tmp_path / "rejects.csv"
    assert run(served_api, str(file)).exit_code == 0

    again = run(served_api, str(file), "--rejects", str(rejects))

    assert again.exit_code == 0, again.output
    assert "lodged: 0" in again.stdout
    assert "unchanged (lodged before): 3" in again.stdout
    assert len(lodged(stored)) == 3
    assert not rejects.exists()
    assert f"nothing was rejected: {rejects} was not written" in said(again)


def test_a_row_changed_since_it_was_lodged_is_rejected_as_a_conflict_on_its_id(
    served_api: ServedApi, stored: redis.Redis, tmp_path: Path
) -> None:
    run(served_api, str(write_csv(tmp_path / "first.csv", [detainer_row(1)])))
    file = write_csv(tmp_path / "second.csv", [detainer_row(1, form="I-247N")])
    rejects = tmp_path / "rejects.csv"

    result = run(served_api, str(file), "--rejects", str(rejects))

    assert result.exit_code == 1, result.output
    assert reported(result.stdout, 2, "LOS-2026-000001", "detainer_id")
    assert "already lodged with a different body" in result.stdout
    with rejects.open(newline="") as rejected:
        (row,) = list(csv.DictReader(rejected))
    assert row["rejected_reason"] == "detainer_id: already lodged with a different body"
    assert len(lodged(stored)) == 1


def test_more_rows_than_one_chunk_go_in_several_requests_and_all_are_lodged(
    served_api: ServedApi, stored: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "detainers.csv", [detainer_row(number) for number in range(7)])

    result = run(served_api, str(file), "--chunk", "3")

    assert result.exit_code == 0, result.output
    assert "lodged: 7" in result.stdout
    assert lodged(stored) == [f"LOS/LOS-2026-{number:06d}" for number in range(7)]


def test_a_csv_column_that_is_no_detainer_field_refuses_the_file_before_anything_is_sent(
    served_api: ServedApi, stored: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "detainers.csv", [{**detainer_row(1), "booking_number": "B-1"}])

    result = run(served_api, str(file))

    assert result.exit_code == 2, result.output
    assert "unknown column(s) 'booking_number'" in said(result)
    assert lodged(stored) == []


def test_an_api_that_does_not_answer_is_exit_2_saying_the_same_command_finishes_it(tmp_path: Path) -> None:
    file = write_csv(tmp_path / "detainers.csv", [detainer_row(1)])
    nobody = ServedApi(f"http://127.0.0.1:{free_port()}", gate=None)  # type: ignore[arg-type]

    result = run(nobody, str(file), "--retries", "0")

    assert result.exit_code == 2, result.output
    assert "could not take the import" in said(result)
    assert "run the same command again to finish" in said(result)
    assert "rows already lodged come back as unchanged, never lodged twice" in said(result)


def test_a_field_office_key_lodges_its_own_rows_and_another_offices_are_rejected_on_field_office(
    redis_url: str, stored: redis.Redis, tmp_path: Path
) -> None:
    keys = {"los": ("field_office", "LOS"), "jail": ("source", None)}
    entries = [
        ApiKeyEntry(name=name, role=Role(role), key_sha256=digest_of(f"key-{name}"), field_office=office)
        for name, (role, office) in keys.items()
    ]
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries))
    mixed = write_csv(tmp_path / "mixed.csv", [detainer_row(1), detainer_row(2, field_office="NYC")])
    theirs = write_csv(tmp_path / "theirs.csv", [detainer_row(3, field_office="NYC")])

    with served_over_http(settings) as served:
        by_office = run(served, str(mixed), key="key-los")
        only_theirs = run(served, str(theirs), key="key-los")
        by_a_jail = run(served, str(mixed), key="key-jail")

    assert by_office.exit_code == 1, by_office.output
    assert "lodged: 1" in by_office.stdout
    assert reported(by_office.stdout, 3, "LOS-2026-000002", "field_office")
    assert "must be LOS for this key" in by_office.stdout
    assert only_theirs.exit_code == 1, only_theirs.output
    assert "rejected: 1" in only_theirs.stdout
    assert by_a_jail.exit_code == 2, by_a_jail.output
    assert "403" in said(by_a_jail)
    assert "use the key of the office that lodges them" in said(by_a_jail)
    assert lodged(stored) == ["LOS/LOS-2026-000001"]
