"""Faults, for real: processes killed and Redis crashed in the middle of a feed (`make chaos`, smaller).

Each test runs one scenario of ``bench.chaos`` at the small scale (about 600
custody events against 60 detainers): its own ``redis-server``, ``python -m
ingest`` and ``python -m notifier`` processes, a source that retries as the
API asks, and a fault injected while work is in flight. Then it reads what a
field office reads (``GET /v1/alerts``) and what an operator reads
(``GET /v1/ops/dead-letters``) and compares the alerts with those the feed
must raise, computed from the feed's stories, not by the service's code:
every expected alert exactly once, nothing else, and every event answered
202 still in the custody stream.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.chaos.feed import SMALL
from bench.chaos.scenarios import (
    ScenarioReport,
    backlog,
    kill_notifier,
    poison,
    redis_down_at_start,
    restart_redis,
    stop_notifier,
)

pytestmark = pytest.mark.chaos


def assert_every_alert_once(report: ScenarioReport) -> None:
    where = f"{report.problems} {report.facts} (logs in {report.workdir})"
    assert report.events_sent > 500
    assert report.accepted == report.events_sent, where
    assert report.lost_events == 0, where
    assert report.expected_alerts > 50
    assert report.lost == 0, f"{report.samples} {where}"
    assert report.duplicates == 0, f"{report.samples} {where}"
    assert report.unexpected == 0, f"{report.samples} {where}"
    assert report.seen_alerts == report.expected_alerts
    assert report.problems == [], where


def test_a_notifier_killed_with_a_batch_in_flight_loses_and_repeats_no_alert(tmp_path: Path) -> None:
    report = kill_notifier(tmp_path, SMALL)

    left_pending = report.facts["left pending by each SIGKILL"]
    assert isinstance(left_pending, list)
    assert len(left_pending) == 2
    assert all(entries > 0 for entries in left_pending), report.facts  # each died holding unacknowledged entries
    assert_every_alert_once(report)
    assert report.dead_letters == 0


def test_a_notifier_stopped_and_started_again_loses_and_repeats_no_alert(tmp_path: Path) -> None:
    report = stop_notifier(tmp_path, SMALL)

    assert report.facts["graceful"] is True
    assert_every_alert_once(report)


def test_redis_crashing_mid_feed_loses_nothing_answered_202(tmp_path: Path) -> None:
    report = restart_redis(tmp_path, SMALL)

    assert report.facts["503 answers"] or report.facts["connection errors"]  # the source saw the outage
    assert_every_alert_once(report)


def test_poison_goes_to_the_dead_letters_and_the_rest_flows_past_it(tmp_path: Path) -> None:
    report = poison(tmp_path, SMALL)

    assert report.dead_letters == report.expected_dead_letters == 6
    assert report.facts["unreadable entries"] == 4  # dead-lettered at the first attempt
    assert report.facts["attempts of failing events"] == [3]  # RW_MAX_DELIVERIES
    assert_every_alert_once(report)


def test_a_notifier_started_before_redis_waits_unready_then_catches_up(tmp_path: Path) -> None:
    report = redis_down_at_start(tmp_path, SMALL, redis_after=3.0)

    answers = report.facts["notifier /readyz while Redis was down"]
    assert isinstance(answers, dict)
    assert set(answers) == {"503"}
    assert report.facts["services alive while Redis was down"] is True
    assert_every_alert_once(report)


def test_a_full_backlog_answers_503_with_retry_after_and_drains(tmp_path: Path) -> None:
    report = backlog(tmp_path, SMALL)

    assert report.facts["503 answers"]
    assert report.facts["Retry-After"] == ["1"]
    assert report.facts["503 problem types"] == {"/problems/backlog-full": report.facts["503 answers"]}
    assert_every_alert_once(report)
