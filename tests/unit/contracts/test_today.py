"""A birth date is checked against today: ``date.today()``, kept while the clock stays within the day it gave.

Here the day given is ``date.today()``'s (``date.fromtimestamp`` of the clock) at instants around midnight, across
daylight saving changes (one of them at midnight), with the clock set back, and in several time zones.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic_core import PydanticCustomError

from contracts import fields
from contracts.fields import _Today


@pytest.fixture
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    name = request.param
    if not Path("/usr/share/zoneinfo", name).exists():
        pytest.skip(f"no time zone data for {name}")
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    yield name
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def instants() -> list[float]:
    """Every 20 minutes over days around DST changes, forward and back again, and some far jumps."""
    days = [datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 9, 5, tzinfo=UTC)]
    days += [datetime(2027, 4, 3, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)]
    out: list[float] = []
    for start in days:
        forward = [(start + timedelta(minutes=20 * step)).timestamp() for step in range(3 * 72)]
        out += forward + forward[::-7]  # and the clock set back
    return [*out, 0.0, 4_102_444_800.0, 1_000_000_000.0, 4_102_444_799.999]


@pytest.mark.parametrize(
    "zone", ["UTC", "America/Los_Angeles", "America/Havana", "America/Santiago", "Asia/Kolkata"], indirect=True
)
def test_today_is_the_clocks_day(zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    today = _Today()
    clock = iter(instants())
    now = 0.0

    def tick() -> float:
        return now

    monkeypatch.setattr(fields.time, "time", tick)
    for now in clock:  # read by tick
        assert today() == date.fromtimestamp(now), (zone, now)


def test_a_birth_date_after_today_is_refused_today_and_not_tomorrow(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.combine(date(2026, 11, 22), datetime.min.time()).timestamp() + 3600
    monkeypatch.setattr(fields.time, "time", lambda: now)
    tomorrow = date.fromtimestamp(now) + timedelta(days=1)
    with pytest.raises(PydanticCustomError) as refused:
        fields._check_plausible_birth(tomorrow)
    assert refused.value.type == "date_of_birth_range"
    now += 24 * 3600
    assert fields._check_plausible_birth(tomorrow) == tomorrow
