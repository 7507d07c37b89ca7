"""`releasewatch ingest FILE` against the real API over HTTP: what a vendor importing a batch file sees."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from typer.testing import CliRunner, Result

from contracts import RedisNames, custody_event_adapter
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from releasewatch.cli import app
from tests import samples
from tests.integration.serving import ServedApi, keys_json, served_over_http

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_CSV = ROOT / "docs" / "examples" / "custody-events.csv"

PERSONAL_VALUES = ("GARCIA", "LOPEZ", "JOSE", "1990-04-17", "A012345678", "123456AB9", "A1234567")


def ingest(served: ServedApi, *args: str, stdin: str | None = None) -> Result:
    """The command as a terminal runs it, output wide enough that table cells do not wrap."""
    return CliRunner().invoke(app, ["ingest", *args, "--api", served.url], input=stdin, env={"COLUMNS": "240"})


@pytest.fixture
def published(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        client.close()


def stream_events(client: redis.Redis) -> list[dict[str, Any]]:
    return [json.loads(fields[b"__data__"]) for _, fields in client.xrange(RedisNames().custody_events)]


def write_ndjson(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def reported(stdout: str, line: int, event_id: str, column: str) -> bool:
    """Whether a summary table names the row starting at ``line`` with ``event_id`` and ``column``."""
    return any(
        row.split()[:3] == ["│", str(line), "│"] and event_id in row and column in row for row in stdout.splitlines()
    )


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def release_row(number: int, **overrides: str) -> dict[str, str]:
    return {
        "event_id": f"evt-{number}",
        "type": "release_scheduled",
        "occurred_at": "2026-11-21T10:00:00-08:00",
        "facility_ori": "CA0194200",
        "booking_number": f"B-{number}",
        "scheduled_release_at": "2026-11-24T09:00:00-08:00",
        "release_reason": "bail_posted",
        **overrides,
    }


def booking_row(number: int, **overrides: str) -> dict[str, str]:
    return {
        **release_row(number, type="booking", scheduled_release_at="", release_reason=""),
        "last_name": "GARCIA LOPEZ",
        "first_name": "JOSE",
        "date_of_birth": "1990-04-17",
        "sex": "M",
        "a_number": "A012345678",
        **overrides,
    }


def test_the_documented_sample_csv_imports_cleanly_from_the_installed_command(
    served_api: ServedApi, published: redis.Redis
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "releasewatch", "ingest", str(SAMPLE_CSV), "--api", served_api.url],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "accepted: 7" in done.stdout
    assert "rejected: 0" in done.stdout
    events = stream_events(published)
    assert [event["event_id"] for event in events] == [f"sample-000{number}" for number in range(1, 8)]
    booking = events[0]
    assert booking["person"]["state_id"] == {"state": "CA", "number": "A1234567"}
    assert booking["person"]["middle_name"] == "LUIS"
    assert booking["charges"] == [
        {"statute": "PC 459", "description": "Burglary, second degree", "severity": "felony", "ncic_code": "2299"}
    ]
    assert [charge["statute"] for charge in events[1]["charges"]] == ["PC 484", "VC 14601"]
    assert events[1]["person"]["middle_name"] is None  # an empty cell is an absent field
    assert events[5]["to_facility_ori"] == "CA0190000"


def test_an_ndjson_file_of_every_event_type_is_accepted_and_published_as_sent(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    sent = [builder() for builder in samples.EVENT_BUILDERS.values()]
    file = write_ndjson(tmp_path / "events.ndjson", *sent)

    result = ingest(served_api, str(file))

    assert result.exit_code == 0, result.output
    assert "accepted: 6" in result.stdout
    events = stream_events(published)
    assert [event["event_id"] for event in events] == [event["event_id"] for event in sent]
    as_published = [custody_event_adapter.validate_json(json.dumps(event)) for event in events]
    assert as_published == [custody_event_adapter.validate_json(json.dumps(event)) for event in sent]


def test_bad_csv_rows_are_reported_by_line_and_column_while_the_good_rows_are_accepted(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(
        tmp_path / "feed.csv",
        [
            booking_row(1),  # line 2
            booking_row(2, date_of_birth="17/04/1990"),  # line 3: wrong date
            release_row(3, type="arrest"),  # line 4: unknown type
            release_row(4, facility_ori="CA01942"),  # line 5: bad ORI
            booking_row(5, charges="[{statute: PC 459}"),  # line 6: cannot be turned into JSON
            release_row(6),  # line 7
        ],
    )

    result = ingest(served_api, str(file))

    assert result.exit_code == 1, result.output
    assert "accepted: 2" in result.stdout
    assert "rejected: 4" in result.stdout
    assert reported(result.stdout, 3, "evt-2", "date_of_birth")
    assert reported(result.stdout, 4, "evt-3", "type")
    assert reported(result.stdout, 5, "evt-4", "facility_ori")
    assert reported(result.stdout, 6, "evt-5", "charges")
    assert "is not JSON" in result.stdout
    assert not any(value in result.output for value in PERSONAL_VALUES)
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1", "evt-6"]


def test_the_rejects_file_holds_the_rejected_rows_and_reasons_and_imports_once_fixed(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [release_row(1), release_row(2, release_reason="inferred_from_roster")])
    rejects = tmp_path / "rejects.csv"

    first = ingest(served_api, str(file), "--rejects", str(rejects))

    assert first.exit_code == 1, first.output
    with rejects.open(newline="") as rejected:
        (row,) = list(csv.DictReader(rejected))
    assert row["event_id"] == "evt-2"
    assert row["rejected_line"] == "3"
    assert row["rejected_reason"].startswith("release_reason: ")
    fixed = rejects.read_text().replace("inferred_from_roster", "court_order")
    rejects.write_text(fixed)

    second = ingest(served_api, str(rejects))

    assert second.exit_code == 0, second.output
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1", "evt-2"]


def test_bad_ndjson_lines_are_reported_by_line_and_pointer_while_the_good_lines_are_accepted(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_ndjson(
        tmp_path / "feed.jsonl",
        samples.release(event_id="evt-1"),
        '{"event_id": "evt-2", "type": ',  # line 2: not JSON
        "",  # a blank line is skipped but counted
        samples.booking(event_id="evt-3", person=samples.person(date_of_birth="1990-02-30")),  # line 4
        samples.transfer(event_id="evt-4"),
    )
    rejects = tmp_path / "rejects.ndjson"

    result = ingest(served_api, str(file), "--rejects", str(rejects))

    assert result.exit_code == 1, result.output
    assert "accepted: 2" in result.stdout
    assert "rejected: 2" in result.stdout
    assert "#/person/date_of_birth" in result.stdout
    assert not any(value in result.output for value in PERSONAL_VALUES)
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(record["line"], record["event_id"]) for record in written] == [(2, None), (4, "evt-3")]
    assert written[0]["raw"] == '{"event_id": "evt-2", "type": '
    assert written[1]["errors"][0]["field"] == "#/person/date_of_birth"
    assert written[1]["event"]["event_id"] == "evt-3"
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1", "evt-4"]


def test_importing_the_same_file_again_replays_every_row_and_publishes_nothing_twice(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [booking_row(1), release_row(2), release_row(3)])
    assert ingest(served_api, str(file)).exit_code == 0

    again = ingest(served_api, str(file))

    assert again.exit_code == 0, again.output
    assert "accepted: 0" in again.stdout
    assert "replayed (accepted before): 3" in again.stdout
    assert len(stream_events(published)) == 3


def test_a_chunk_the_busy_api_refuses_with_503_is_sent_again_and_accepted(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [release_row(number) for number in range(5)])
    served_api.gate.refuse_next = 1

    result = ingest(served_api, str(file))

    assert result.exit_code == 0, result.output
    assert served_api.gate.batch_posts == 2
    assert "sending again" in result.stderr
    assert "accepted: 5" in result.stdout
    assert len(stream_events(published)) == 5


def test_an_api_that_stays_busy_stops_the_import_with_exit_2_and_nothing_counted_as_accepted(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [release_row(number) for number in range(3)])
    served_api.gate.refuse_next = 10

    result = ingest(served_api, str(file), "--retries", "2")

    assert result.exit_code == 2, result.output
    assert served_api.gate.batch_posts == 3
    assert "accepted: 0" in result.stdout
    assert "run the same command again" in result.stderr
    assert stream_events(published) == []


def test_more_rows_than_one_chunk_go_in_several_requests_and_all_arrive_in_order(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [release_row(number) for number in range(25)])

    result = ingest(served_api, str(file), "--chunk", "10")

    assert result.exit_code == 0, result.output
    assert served_api.gate.batch_posts == 3
    assert "accepted: 25" in result.stdout
    assert [event["event_id"] for event in stream_events(published)] == [f"evt-{number}" for number in range(25)]


def test_ndjson_from_stdin_is_imported_when_the_format_is_named(served_api: ServedApi, published: redis.Redis) -> None:
    lines = "".join(json.dumps(samples.release(event_id=f"evt-{number}")) + "\n" for number in range(3))

    result = ingest(served_api, "-", "--format", "ndjson", stdin=lines)

    assert result.exit_code == 0, result.output
    assert len(stream_events(published)) == 3


def test_a_csv_header_with_an_unknown_column_is_refused_before_anything_is_sent(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [{**release_row(1), "anumber": "A012345678"}])

    result = ingest(served_api, str(file))

    assert result.exit_code == 2, result.output
    assert "unknown column(s) 'anumber'" in result.stderr
    assert served_api.gate.batch_posts == 0
    assert stream_events(published) == []


def test_an_api_that_does_not_answer_is_exit_2(tmp_path: Path) -> None:
    from releasewatch.redis_server import free_port

    file = write_csv(tmp_path / "feed.csv", [release_row(1)])
    nobody = ServedApi(f"http://127.0.0.1:{free_port()}", gate=None)  # type: ignore[arg-type]

    result = ingest(nobody, str(file), "--retries", "0")

    assert result.exit_code == 2, result.output
    assert "could not take the import" in result.stderr


def test_a_source_key_imports_its_facilities_rows_and_the_others_are_rejected_on_facility_ori(
    redis_url: str, published: redis.Redis, tmp_path: Path
) -> None:
    key = "source-key-for-the-test"
    entry = ApiKeyEntry(name="jail", role=Role.SOURCE, key_sha256=digest_of(key), facilities=("CA0194200",))
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json([entry]))
    file = write_csv(tmp_path / "feed.csv", [release_row(1), release_row(2, facility_ori="NY0303000")])

    with served_over_http(settings) as served:
        without_key = ingest(served, str(file))
        with_key = CliRunner().invoke(
            app, ["ingest", str(file), "--api", served.url], env={"COLUMNS": "240", "RW_API_KEY": key}
        )

    assert without_key.exit_code == 2, without_key.output
    assert "401" in without_key.stderr
    # Sending it again unchanged would be refused again: it says what to change first.
    assert "give an API key (--api-key or RW_API_KEY), then run the same command again" in " ".join(
        without_key.stderr.split()
    )
    assert with_key.exit_code == 1, with_key.output
    assert "accepted: 1" in with_key.stdout
    assert "is not a facility this key submits for" in with_key.stdout
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1"]


def test_rows_accepted_without_an_unreadable_identifier_are_reported_by_line_and_column_never_the_value(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(
        tmp_path / "feed.csv",
        [
            booking_row(1, a_number="A-012-345-678"),  # a written form: read, no warning
            booking_row(2, a_number="ZX-99-QQ"),  # line 3: cannot be read
            booking_row(3, a_number="UNKNOWN", place_of_birth="Atlantis"),  # line 4: a placeholder, and unreadable
        ],
    )

    result = ingest(served_api, str(file))

    assert result.exit_code == 0, result.output
    assert "accepted: 3" in result.stdout
    assert "accepted with warnings: 2" in result.stdout
    assert reported(result.stdout, 3, "evt-2", "a_number")
    assert reported(result.stdout, 4, "evt-3", "place_of_birth")
    assert not reported(result.stdout, 4, "evt-3", "a_number")  # a placeholder is dropped silently
    assert not reported(result.stdout, 2, "evt-1", "a_number")
    assert "ZX-99-QQ" not in result.output
    assert "Atlantis" not in result.output
    assert [event["person"].get("a_number") for event in stream_events(published)] == ["A012345678", None, None]


def test_no_rejects_file_is_written_when_nothing_was_rejected(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [release_row(1), release_row(2)])
    rejects = tmp_path / "rejects.csv"

    result = ingest(served_api, str(file), "--rejects", str(rejects))

    assert result.exit_code == 0, result.output
    assert not rejects.exists()
    assert f"nothing was rejected: {rejects} was not written" in " ".join(result.stdout.split())


def test_a_row_that_is_not_utf8_is_rejected_naming_its_line_and_the_rest_is_imported(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "feed.csv", [release_row(1), release_row(2), release_row(3)])
    lines = file.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b"evt-2", b"evt-\xe92")  # latin-1, as an old export writes it
    file.write_bytes(b"".join(lines))

    result = ingest(served_api, str(file))

    assert result.exit_code == 1, result.output
    assert "line 3 is not UTF-8" in " ".join(result.stdout.split())
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1", "evt-3"]


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_ndjson_lines_nested_too_deeply_or_holding_nan_are_rejected_alone_and_the_rejects_file_stays_json(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    deep = "[" * 5000 + "]" * 5000
    nan = '{"event_id": "evt-3", "type": "release", "release_reason": NaN}'
    file = write_ndjson(
        tmp_path / "feed.jsonl", samples.release(event_id="evt-1"), deep, nan, samples.release(event_id="evt-4")
    )
    rejects = tmp_path / "rejects.ndjson"

    result = ingest(served_api, str(file), "--rejects", str(rejects))

    assert result.exit_code == 1, result.output
    assert "accepted: 2" in result.stdout
    assert "rejected: 2" in result.stdout
    written = [strict_json(line) for line in rejects.read_text().splitlines()]
    assert [(record["line"], record["raw"]) for record in written] == [(2, deep), (3, nan)]
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1", "evt-4"]


def test_a_csv_charges_cell_nested_too_deeply_or_holding_nan_rejects_its_row_alone(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    rows = [
        booking_row(1),
        booking_row(2, charges="[" * 5000 + "]" * 5000),
        booking_row(3, charges='[{"statute": NaN}]'),
        booking_row(4),
    ]
    file = write_csv(tmp_path / "feed.csv", rows)

    result = ingest(served_api, str(file))

    assert result.exit_code == 1, result.output
    assert "accepted: 2" in result.stdout
    assert "rejected: 2" in result.stdout
    assert reported(result.stdout, 3, "evt-2", "charges")
    assert reported(result.stdout, 4, "evt-3", "charges")
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1", "evt-4"]


def test_an_aliases_cell_that_is_not_a_json_array_costs_a_warning_never_the_row(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    rows = [booking_row(1, aliases="GARCIA, PEPE"), booking_row(2, aliases="[" * 5000 + "]" * 5000)]
    file = write_csv(tmp_path / "feed.csv", rows)

    result = ingest(served_api, str(file))

    assert result.exit_code == 0, result.output
    assert "accepted: 2" in result.stdout
    assert "accepted with warnings: 2" in result.stdout
    assert reported(result.stdout, 2, "evt-1", "aliases")
    assert reported(result.stdout, 3, "evt-2", "aliases")
    assert "PEPE" not in result.output
    assert [event["person"]["aliases"] for event in stream_events(published)] == [[], []]


def test_an_ndjson_line_naming_half_a_character_is_rejected_alone_and_kept_in_the_rejects_file(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    half = json.dumps(samples.release(event_id="evt-2")).replace('"bail_posted"', '"bail\\ud800"')
    file = write_ndjson(tmp_path / "feed.jsonl", samples.release(event_id="evt-1"), half)
    rejects = tmp_path / "rejects.ndjson"

    result = ingest(served_api, str(file), "--rejects", str(rejects))

    assert result.exit_code == 1, result.output
    assert "rejected: 1" in result.stdout
    (written,) = [strict_json(line) for line in rejects.read_text().splitlines()]
    assert (written["line"], written["raw"]) == (2, half)
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1"]


def test_ndjson_files_joined_end_to_end_each_with_its_byte_order_mark_import_every_line(
    served_api: ServedApi, published: redis.Redis, tmp_path: Path
) -> None:
    bom = b"\xef\xbb\xbf"
    file = tmp_path / "joined.jsonl"
    file.write_bytes(
        b"".join(bom + json.dumps(samples.release(event_id=f"evt-{n}")).encode() + b"\r\n" for n in (1, 2))
    )

    result = ingest(served_api, str(file))

    assert result.exit_code == 0, result.output
    assert "accepted: 2" in result.stdout
    assert [event["event_id"] for event in stream_events(published)] == ["evt-1", "evt-2"]
