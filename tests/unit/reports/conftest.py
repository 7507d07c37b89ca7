"""The synthetic month and its report, made once for the module's tests (both are pure and deterministic)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bench.outcome_month import MONTH_END, MONTH_START, SyntheticMonth, synthetic_month

from reports import OutcomeReport, Scope, outcome_report

GENERATED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def month() -> SyntheticMonth:
    return synthetic_month()


@pytest.fixture(scope="module")
def november(month: SyntheticMonth) -> OutcomeReport:
    return outcome_report(month.records, Scope(period_from=MONTH_START, period_to=MONTH_END), generated_at=GENERATED_AT)
