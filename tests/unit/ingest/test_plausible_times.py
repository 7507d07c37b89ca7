"""The window of plausible times, as a pure rule: what happened may lie in the past and a little ahead,
a scheduled release further ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts import ReleaseScheduled, custody_event_adapter
from ingest.plausible_times import TimeWindow
from tests import samples

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = TimeWindow(past=timedelta(days=10), future=timedelta(days=30), ahead=timedelta(hours=24))


def scheduled(occurred_at: datetime, release_at: datetime) -> ReleaseScheduled:
    event = custody_event_adapter.validate_python(
        samples.release_scheduled(occurred_at=occurred_at.isoformat(), scheduled_release_at=release_at.isoformat()),
        strict=False,
    )
    assert isinstance(event, ReleaseScheduled)
    return event


@pytest.mark.parametrize(
    ("occurred", "release", "refused"),
    [
        pytest.param(NOW, NOW + timedelta(days=30), [], id="both-at-their-edges"),
        pytest.param(NOW - timedelta(days=10), NOW - timedelta(days=10), [], id="both-at-the-past-edge"),
        pytest.param(NOW + timedelta(hours=25), NOW + timedelta(days=2), ["occurred_at"], id="happened-tomorrow-plus"),
        pytest.param(NOW, NOW + timedelta(days=31), ["scheduled_release_at"], id="release-too-far"),
        pytest.param(NOW - timedelta(days=11), NOW, ["occurred_at"], id="happened-too-long-ago"),
    ],
)
def test_times_are_judged_against_their_own_edge_of_the_window(
    occurred: datetime, release: datetime, refused: list[str]
) -> None:
    assert [name for name, _ in WINDOW.refusals(scheduled(occurred, release), NOW)] == refused


def test_the_reason_names_the_window_without_the_value() -> None:
    ((name, reason),) = WINDOW.refusals(scheduled(NOW, NOW + timedelta(days=400)), NOW)

    assert (name, reason) == (
        "scheduled_release_at",
        "must be a plausible time: no more than 10 days before now and 30 days after it",
    )
