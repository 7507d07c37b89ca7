"""Judging a facility's feed from what it sent: silent, surging, or fine. Pure: counts in, verdict out.

*Silent*: jails send at very different rates (a big county jail several events
a minute, a small one a few a day), so one fixed wait is either too slow for
the first or too noisy for the second. A feed is silent once the time since its
last entry would, at its usual rate, have brought ``silent_expected_entries``
entries (for a Poisson feed of that rate, a gap that long with none happens by
chance with probability e^-10, about 1 in 22,000) — never sooner than
``silent_min_seconds``, and always by ``silent_max_seconds`` whatever the rate
(a feed with too little history for a rate, too).

*Surge*: more releases in the last ``surge_window_seconds`` than
``surge_factor`` times the facility's usual number per window, and at least
``surge_min_releases``: a big jail's ordinary morning of releases is not a
surge; a roster export that lost half the jail is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from contracts.feeds import FeedCounts, FeedHealth, FeedHold, FeedStatus

__all__ = ["FeedPolicy", "in_words", "is_surge", "judge_feed", "should_hold"]

_HOUR = 3600.0  # seconds
_MIN_HISTORY_FOR_RATE = 6 * _HOUR  # seconds of sending before a usual rate is trusted


@dataclass(frozen=True, slots=True)
class FeedPolicy:
    silent_min_seconds: float = 3600.0
    silent_max_seconds: float = 86_400.0
    silent_expected_entries: float = 10.0
    history_seconds: float = 7 * 86_400.0  # how far back "usual" looks
    surge_window_seconds: float = 3600.0
    surge_min_releases: int = 50
    surge_factor: float = 10.0


def _usual_entries_per_second(counts: FeedCounts, policy: FeedPolicy) -> float | None:
    """The rate while the feed was sending: from the start of the history (or the first entry) to the last."""
    start_ms = max(counts.first_seen_ms, counts.now_ms - policy.history_seconds * 1000)
    span = (counts.last_sent_ms - start_ms) / 1000
    if span < _MIN_HISTORY_FOR_RATE or counts.entries_in_history < 2:
        return None
    return counts.entries_in_history / span


def _usual_releases_per_window(counts: FeedCounts, policy: FeedPolicy) -> float | None:
    """Releases per surge window over the history before the current window; None with under a day of it."""
    window_start_ms = counts.now_ms - policy.surge_window_seconds * 1000
    start_ms = max(counts.first_seen_ms, counts.now_ms - policy.history_seconds * 1000)
    span = (window_start_ms - start_ms) / 1000
    if span < 24 * _HOUR:
        return None
    return counts.releases_before_window * policy.surge_window_seconds / span


def is_surge(counts: FeedCounts, policy: FeedPolicy) -> bool:
    """Far more releases in the window than usual (and at least the minimum)."""
    usual = _usual_releases_per_window(counts, policy) or 0.0
    return counts.releases_in_window >= max(policy.surge_min_releases, policy.surge_factor * usual)


def should_hold(counts: FeedCounts, policy: FeedPolicy) -> bool:
    """Whether a batch's releases should hold the facility's alerts: a surge no operator decided on within
    the window (after "deliver", the rest of the same surge goes out; a new one trips a hold again later)."""
    decided_recently = (
        counts.last_decided_at_ms is not None
        and counts.now_ms - counts.last_decided_at_ms < policy.surge_window_seconds * 1000
    )
    return not decided_recently and is_surge(counts, policy)


def _silence(counts: FeedCounts, policy: FeedPolicy, rate: float | None) -> str | None:
    """Why the feed is silent, or None while it is not."""
    gap = max(0.0, (counts.now_ms - counts.last_sent_ms) / 1000)
    if gap < policy.silent_min_seconds:
        return None
    if gap >= policy.silent_max_seconds:
        longest = in_words(policy.silent_max_seconds)
        return f"nothing for {in_words(gap)} (the longest any feed may be quiet: {longest})"
    if rate is not None and rate * gap >= policy.silent_expected_entries:
        return f"nothing for {in_words(gap)}; at its usual {rate * _HOUR:.1f} an hour, about {rate * gap:.0f} were due"
    return None


def in_words(seconds: float) -> str:
    """A duration as an operator would say it: "40 seconds", "1 minute", "10 minutes", "1 hour", "1.5 hours",
    "3 days" (one decimal at most, none when it is whole)."""
    for limit, size, unit in ((60, 1, "second"), (_HOUR, 60, "minute"), (2 * 86_400, _HOUR, "hour")):
        if seconds < limit:
            return _counted(seconds / size, unit, decimals=1 if unit == "hour" else 0)
    return _counted(seconds / 86_400, "day", decimals=1)


def _counted(value: float, unit: str, *, decimals: int) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    return f"{text} {unit}" + ("" if text == "1" else "s")


def _at(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def judge_feed(
    counts: FeedCounts, policy: FeedPolicy, *, hold: FeedHold | None = None, previous: FeedHealth | None = None
) -> FeedHealth:
    """The feed's health at ``counts.now_ms``. A hold in force makes it ``surge`` until an operator lifts it;
    ``previous`` carries when the current alarm began."""
    rate = _usual_entries_per_second(counts, policy)
    usual_releases = _usual_releases_per_window(counts, policy)
    silence = _silence(counts, policy, rate)
    if hold is not None:
        status, reason = FeedStatus.SURGE, f"alerts held since {hold.since.isoformat()}: {hold.reason}"
    elif should_hold(counts, policy):
        status = FeedStatus.SURGE
        reason = f"{counts.releases_in_window} releases in {in_words(policy.surge_window_seconds)}"
    elif silence is not None:
        status, reason = FeedStatus.SILENT, silence
    elif rate is None:
        status, reason = FeedStatus.NEW, "too little history for a usual rate yet"
    else:
        status, reason = FeedStatus.OK, f"last sent {in_words((counts.now_ms - counts.last_sent_ms) / 1000)} ago"
    alarmed = status in (FeedStatus.SILENT, FeedStatus.SURGE)
    alarm_since: datetime | None = None
    if alarmed:
        same_alarm = previous is not None and previous.status is status and previous.alarm_since is not None
        alarm_since = previous.alarm_since if same_alarm and previous is not None else _at(counts.now_ms)
    return FeedHealth(
        facility_ori=counts.facility_ori,
        status=status,
        reason=reason,
        first_seen_at=_at(counts.first_seen_ms),
        last_sent_at=_at(counts.last_sent_ms),
        silent_seconds=max(0.0, (counts.now_ms - counts.last_sent_ms) / 1000),
        entries_last_24h=counts.entries_last_24h,
        usual_entries_per_hour=None if rate is None else round(rate * _HOUR, 3),
        releases_in_window=counts.releases_in_window,
        usual_releases_per_window=None if usual_releases is None else round(usual_releases, 3),
        hold=hold,
        alarm_since=alarm_since,
        checked_at=_at(counts.now_ms),
    )
