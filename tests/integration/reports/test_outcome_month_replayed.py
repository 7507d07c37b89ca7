"""The synthetic month replayed through the real services: every custody event, detainer, lift and roster of its
feed sent to the ingest API at its time (the month's sharing policies in force), processed by the notifier on a
clock moved with it, the feeds judged on the hour; then `GET /v1/reports/outcomes` against the month's truth.

Every figure must be the truth, except those a replay cannot bring about (``DIFFERENCES``, with why): those must
still differ, so the list is kept true.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.outcome_month import SyntheticMonth
from redis.asyncio import Redis

from contracts import RedisNames
from tests.support.outcome_month_replayed import replayed_month
from tests.support.outcome_month_stored import expected, says

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
READ_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

FEED_TIMED_BY_REDIS = (
    "the feed monitor times what a facility sent by the custody stream's entry ids, which Redis stamps with its "
    "own clock on acceptance: the replay moves ingest's and the notifier's clocks, not Redis's, so no silence or "
    "surge can be judged in November (the surge's three releases, discarded by an operator, are not sent either: "
    "unheld, they would count as releases)"
)

# (facility ORI or "total", section of the row, figure) -> why the replayed month differs there from its truth.
DIFFERENCES: dict[tuple[str, str, str], str] = {
    ("TX2270000", "why_no_notice", ""): FEED_TIMED_BY_REDIS,
    ("TX2270000", "feed", "hours_silent"): FEED_TIMED_BY_REDIS,
    ("TX2270000", "feed", "surges_held"): FEED_TIMED_BY_REDIS,
    ("total", "why_no_notice", ""): FEED_TIMED_BY_REDIS,
    ("total", "feed", "hours_silent"): FEED_TIMED_BY_REDIS,
    ("total", "feed", "surges_held"): FEED_TIMED_BY_REDIS,
}


def _differing(row: str, said: dict[str, Any], truth: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Where the report's figures (``says``) are not the truth's (``expected``): by figure in the counts and the
    feed, by section elsewhere."""
    found = set()
    for section, wanted in truth.items():
        if section in ("counts", "feed"):
            found |= {(row, section, figure) for figure in wanted if said[section][figure] != wanted[figure]}
        elif said[section] != wanted:
            found.add((row, section, ""))
    return found


async def test_the_replayed_month_is_the_truth_wherever_its_feed_carries_the_story(
    redis_url: str, redis_client: Redis, names: RedisNames, month: SyntheticMonth, tmp_path: Path
) -> None:
    async with replayed_month(redis_url, redis_client, names, month, tmp_path) as replay:
        await replay.check_feeds_until(READ_AT)
        replay.move_to(READ_AT)
        answer = await replay.api.get("/v1/reports/outcomes", params=NOVEMBER)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()

    assert [row["facility_ori"] for row in report["facilities"]] == sorted(month.truth)
    differing = set()
    for row in report["facilities"]:
        truth = month.truth[row["facility_ori"]]
        differing |= _differing(row["facility_ori"], says(row, truth), expected(truth))
    differing |= _differing("total", says(report["total"], month.total), expected(month.total))
    if [b["releases"] for b in report["lead_times"]] != month.lead_time_bins:
        differing.add(("lead_times", "", ""))
    assert report["unattributed_detainers_lifted"] == month.unattributed_detainers_lifted

    assert sorted(differing) == sorted(DIFFERENCES)
