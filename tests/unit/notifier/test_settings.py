"""Notifier settings that are refused or read before anything runs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier.settings import NotifierSettings


def test_match_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RW_MATCH_AUTO_MIN_SCORE", "31.5")
    monkeypatch.setenv("RW_MATCH_REVIEW_MIN_SCORE", "20")

    config = NotifierSettings().match_config()

    assert (config.auto_min_score, config.review_min_score, config.min_margin) == (31.5, 20.0, None)


def test_a_review_threshold_above_the_automatic_one_is_refused_naming_both() -> None:
    with pytest.raises(ValidationError) as refused:
        NotifierSettings(match_auto_min_score=20.0, match_review_min_score=25.0)

    assert "RW_MATCH_REVIEW_MIN_SCORE" in str(refused.value)
    assert "RW_MATCH_AUTO_MIN_SCORE" in str(refused.value)
