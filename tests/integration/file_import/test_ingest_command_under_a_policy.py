"""`releasewatch ingest FILE` for a facility a sharing policy covers: what it withholds is counted per rule and
never published."""

from __future__ import annotations

import csv
from pathlib import Path

import redis
from typer.testing import CliRunner

from contracts import RedisNames
from ingest.settings import IngestSettings
from releasewatch.cli import app
from tests.integration.serving import served_over_http
from tests.policy_samples import STRICT_FACILITY, write_policies


def test_a_csv_import_counts_what_the_policy_withheld_by_rule_and_publishes_only_the_rest(
    redis_url: str, tmp_path: Path
) -> None:
    rows = [
        {  # booking: false at this facility
            "event_id": "evt-1",
            "type": "booking",
            "occurred_at": "2026-11-20T08:15:00-08:00",
            "facility_ori": STRICT_FACILITY,
            "booking_number": "B-1",
            "last_name": "GARCIA LOPEZ",
            "first_name": "JOSE",
            "date_of_birth": "1990-04-17",
            "sex": "M",
            "place_of_birth": "MX",
        },
        {  # transfers never shared there
            "event_id": "evt-2",
            "type": "transfer",
            "occurred_at": "2026-11-21T08:15:00-08:00",
            "facility_ori": STRICT_FACILITY,
            "booking_number": "B-1",
            "to_facility_ori": "CA0190000",
        },
    ]
    file = tmp_path / "events.csv"
    with file.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(c for row in rows for c in row)))
        writer.writeheader()
        writer.writerows(rows)
    settings = IngestSettings(
        redis_url=redis_url, log_format="text", auth="off", policies_file=write_policies(tmp_path)
    )

    with served_over_http(settings) as served:
        result = CliRunner().invoke(app, ["ingest", str(file), "--api", served.url], env={"COLUMNS": "240"})

    assert result.exit_code == 0, result.output
    assert "accepted: 0" in result.output
    assert "rejected: 0" in result.output
    assert "withheld by sharing policies (taken, never published): 2" in result.output
    assert f"{STRICT_FACILITY} share.booking: 1" in result.output
    assert f"{STRICT_FACILITY} share.transfer: 1" in result.output
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.xlen(RedisNames().custody_events) == 0
    finally:
        client.close()
