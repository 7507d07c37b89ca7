"""`releasewatch policy check` explains a policy file or names its problems; `policy dry-run` shows what it would
withhold and strip from a recorded feed, naming events and fields, never a person."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests import samples

RunCommand = Callable[..., tuple[int, str]]  # the `releasewatch` fixture: exit status, and what it printed

EXAMPLE_POLICIES = Path(__file__).parents[3] / "docs" / "examples" / "policies.yaml"
EXAMPLE_FEED = Path(__file__).parents[3] / "docs" / "examples" / "custody-events.csv"


def test_check_explains_every_rule_of_a_good_file(releasewatch: RunCommand) -> None:
    code, output = releasewatch("policy", "check", str(EXAMPLE_POLICIES))

    assert code == 0
    assert "3 policies, can be loaded (digest sha256:" in output
    assert "[CA0194200 share.booking] in-custody notices (booking): never shared" in output
    assert (
        "[CA0194200 share.release_scheduled] release schedules (release_scheduled): shared only when a charge known "
        "for the booking is a felony"
    ) in output
    assert "[CA019 never_share[0]] nothing about a booking is shared when the person was under 18 when booked" in output
    assert "[WA require_judicial_warrant] alerts only for detainers backed by a judicial warrant" in output
    assert "A facility no policy covers shares everything." in output


def test_check_refuses_a_bad_file_naming_each_line_and_reason(releasewatch: RunCommand, tmp_path: Path) -> None:
    bad = tmp_path / "policies.yaml"
    bad.write_text(
        "policies:\n"
        "  - jurisdiction: CA0194200\n"
        "    name: x\n"
        "    share: {booking: false, release_scheduled: true, release: ture, transfer: true}\n"
    )

    code, output = releasewatch("policy", "check", str(bad))

    assert code == 2
    assert f"{bad}: 1 problem, the policy file is refused" in output
    assert "line 4: policies[0] (CA0194200).share.release: must be true (always shared), false" in output
    assert "Traceback" not in output


def test_check_of_a_missing_file_says_so(releasewatch: RunCommand, tmp_path: Path) -> None:
    code, output = releasewatch("policy", "check", str(tmp_path / "absent.yaml"))

    assert code == 2
    assert "cannot be read" in output


def _feed(path: Path, *events: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    return path


def test_dry_run_counts_what_each_rule_withholds_and_what_is_stripped_without_naming_anyone(
    releasewatch: RunCommand, tmp_path: Path
) -> None:
    misdemeanor = samples.charge(statute="PC 484", severity="misdemeanor", ncic_code="2399")
    feed = _feed(
        tmp_path / "feed.ndjson",
        samples.booking(charges=[samples.charge()]),  # a felony: its schedule and release are shared
        samples.release_scheduled(),
        samples.release(),
        samples.booking(event_id="b2", booking_number="2026-000002", charges=[misdemeanor]),
        samples.release(event_id="r2", booking_number="2026-000002"),
        samples.booking(event_id="b3", booking_number="2026-000003", facility_ori="TX2270000"),  # no policy there
    )

    code, output = releasewatch("policy", "dry-run", str(EXAMPLE_POLICIES), "--events", str(feed), "--details")

    assert code == 0
    assert "events read: 6" in output
    assert "at facilities no policy covers (shared as they came): 1" in output
    assert "shared under a policy: 2" in output
    assert "withheld: 3" in output
    assert "of which held and published later, with an event the policy shares: 1" in output
    assert "bookings whose identity was never published: 1" in output
    assert "│ CA0194200 share.booking │      2 │" in output
    assert "│ CA0194200 share.release │      1 │" in output
    assert "│ place_of_birth │      2 │" in output
    assert "│ aliases        │      2 │" in output
    assert "line 5 r2 (release, CA0194200): withheld by CA0194200 share.release" in output
    assert "no charge is a felony (1 charge known: misdemeanor PC 484 (NCIC 2399))" in output
    person = samples.person()
    for personal in (person["last_name"], person["date_of_birth"], person["a_number"], person["fbi_number"]):
        assert personal not in output


def test_dry_run_lists_rows_intake_would_refuse_and_judges_the_rest(releasewatch: RunCommand, tmp_path: Path) -> None:
    feed = _feed(tmp_path / "feed.ndjson", samples.booking(occurred_at="yesterday"), samples.release())
    (tmp_path / "feed.ndjson").write_text((tmp_path / "feed.ndjson").read_text() + "not json\n")

    code, output = releasewatch("policy", "dry-run", str(EXAMPLE_POLICIES), "--events", str(feed), "--details")

    assert code == 0
    assert "refused by intake (not judged): 2" in output
    assert "line 1: #/occurred_at: must be an RFC 3339 date-time" in output
    assert "line 3: #: is not JSON" in output
    assert "withheld: 1" in output


def test_dry_run_reads_the_csv_files_ingest_reads(releasewatch: RunCommand) -> None:
    code, output = releasewatch("policy", "dry-run", str(EXAMPLE_POLICIES), "--events", str(EXAMPLE_FEED))

    assert code == 0
    assert "events read: 7" in output
    assert "│ CA0194200 share.booking │      3 │" in output


def test_dry_run_with_a_bad_policy_file_or_feed_exits_2_saying_why(releasewatch: RunCommand, tmp_path: Path) -> None:
    bad = tmp_path / "policies.yaml"
    bad.write_text("policies: {}\n")

    bad_policy = releasewatch("policy", "dry-run", str(bad), "--events", str(EXAMPLE_FEED))
    unknown_format = releasewatch("policy", "dry-run", str(EXAMPLE_POLICIES), "--events", str(tmp_path / "feed.txt"))
    no_feed = releasewatch("policy", "dry-run", str(EXAMPLE_POLICIES), "--events", str(tmp_path / "absent.csv"))

    assert bad_policy[0] == unknown_format[0] == no_feed[0] == 2
    assert "line 1: policies: Input should be a valid tuple" in bad_policy[1]
    assert "Cannot tell the format" in unknown_format[1]
    assert "No such file" in no_feed[1]
