"""Judging a feed: silent by its own usual rate, surging by its own usual releases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.feeds import FeedCounts, FeedHold, FeedStatus
from notifier.domain.feeds import FeedPolicy, in_words, is_surge, judge_feed, should_hold

POLICY = FeedPolicy()  # silent after >= 1 h and 10 entries due, always after a day; surge >= 50 and 10x usual
HOUR_MS = 3_600_000
NOW_MS = 1_764_000_000_000


def counts(**overrides: int) -> FeedCounts:
    values = {
        "now_ms": NOW_MS,
        "first_seen_ms": NOW_MS - 7 * 24 * HOUR_MS,
        "last_sent_ms": NOW_MS - 60_000,
        "entries_in_history": 7 * 24 * 60,  # a busy jail: an entry a minute
        "entries_last_24h": 24 * 60,
        "releases_in_window": 4,
        "releases_before_window": 4 * (7 * 24 - 1),  # four an hour
    }
    values.update(overrides)
    return FeedCounts(facility_ori="CA0194200", **values)


def test_a_busy_feed_sending_as_usual_is_ok_with_its_usual_rate() -> None:
    health = judge_feed(counts(), POLICY)

    assert health.status is FeedStatus.OK
    assert health.usual_entries_per_hour is not None
    assert 59 < health.usual_entries_per_hour < 61
    assert health.alarm_since is None


def test_a_busy_feed_quiet_for_an_hour_is_silent_a_slow_one_is_not() -> None:
    busy = counts(last_sent_ms=NOW_MS - HOUR_MS)
    slow = counts(last_sent_ms=NOW_MS - HOUR_MS, entries_in_history=7 * 4)  # four a day: 0.17 due in an hour

    assert judge_feed(busy, POLICY).status is FeedStatus.SILENT
    assert "were due" in judge_feed(busy, POLICY).reason
    assert judge_feed(slow, POLICY).status is FeedStatus.OK


def test_a_busy_feed_is_not_silent_before_the_shortest_wait() -> None:
    assert judge_feed(counts(last_sent_ms=NOW_MS - 30 * 60_000), POLICY).status is FeedStatus.OK


def test_any_feed_quiet_for_a_day_is_silent_even_a_new_one() -> None:
    slow = counts(last_sent_ms=NOW_MS - 25 * HOUR_MS, entries_in_history=7 * 4)
    new = counts(first_seen_ms=NOW_MS - 26 * HOUR_MS, last_sent_ms=NOW_MS - 25 * HOUR_MS, entries_in_history=1)

    assert judge_feed(slow, POLICY).status is FeedStatus.SILENT
    assert judge_feed(new, POLICY).status is FeedStatus.SILENT
    assert judge_feed(new, POLICY).usual_entries_per_hour is None


def test_a_feed_with_a_few_hours_of_history_is_new() -> None:
    health = judge_feed(counts(first_seen_ms=NOW_MS - 2 * HOUR_MS, entries_in_history=120), POLICY)

    assert health.status is FeedStatus.NEW


def test_an_alarm_keeps_the_time_it_began() -> None:
    first = judge_feed(counts(last_sent_ms=NOW_MS - 2 * HOUR_MS), POLICY)
    later = judge_feed(counts(now_ms=NOW_MS + HOUR_MS, last_sent_ms=NOW_MS - 2 * HOUR_MS), POLICY, previous=first)

    assert later.status is FeedStatus.SILENT
    assert later.alarm_since == first.alarm_since == datetime.fromtimestamp(NOW_MS / 1000, UTC)


def test_a_surge_needs_both_the_minimum_and_ten_times_the_usual() -> None:
    assert not is_surge(counts(releases_in_window=39), POLICY)  # 4 an hour usually: 40 is ten times
    assert not is_surge(counts(releases_in_window=49), POLICY)  # ten times, but under the minimum of 50
    assert is_surge(counts(releases_in_window=50), POLICY)
    big_jail = counts(releases_in_window=120, releases_before_window=20 * (7 * 24 - 1))  # 20 an hour usually
    assert not is_surge(big_jail, POLICY)


def test_without_a_day_of_history_only_the_minimum_counts() -> None:
    # 200 releases in the 4 hours before would make 10x "usual" 500: too little history to trust it.
    young = {"first_seen_ms": NOW_MS - 5 * HOUR_MS, "releases_before_window": 200}

    assert not is_surge(counts(**young, releases_in_window=49), POLICY)
    assert is_surge(counts(**young, releases_in_window=50), POLICY)


def test_after_an_operator_decided_the_same_surge_does_not_hold_again_within_the_window() -> None:
    surging = counts(releases_in_window=80)
    decided_now = counts(releases_in_window=80, last_decided_at_ms=NOW_MS - 10 * 60_000)
    decided_long_ago = counts(releases_in_window=80, last_decided_at_ms=NOW_MS - 2 * HOUR_MS)

    assert should_hold(surging, POLICY)
    assert not should_hold(decided_now, POLICY)
    assert should_hold(decided_long_ago, POLICY)


def test_a_hold_in_force_reads_as_a_surge_with_its_reason() -> None:
    hold = FeedHold(since=datetime.fromtimestamp(NOW_MS / 1000, UTC), reason="80 releases in 1 h")

    health = judge_feed(counts(), POLICY, hold=hold)

    assert health.status is FeedStatus.SURGE
    assert "80 releases in 1 h" in health.reason
    assert health.hold == hold


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (40, "40 seconds"),
        (60, "1 minute"),
        (600, "10 minutes"),
        (3600, "1 hour"),
        (5400, "1.5 hours"),
        (36 * 3600, "36 hours"),
        (3 * 86_400, "3 days"),
        (1.5 * 86_400 * 2, "3 days"),
    ],
)
def test_durations_read_as_an_operator_says_them(seconds: float, said: str) -> None:
    assert in_words(seconds) == said


def test_a_surge_over_a_ten_minute_window_says_ten_minutes_not_a_fraction_of_an_hour() -> None:
    policy = FeedPolicy(surge_window_seconds=600, surge_min_releases=5, surge_factor=1)

    health = judge_feed(counts(releases_in_window=7), policy)

    assert health.reason == "7 releases in 10 minutes"
