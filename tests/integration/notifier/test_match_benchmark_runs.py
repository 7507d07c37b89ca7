"""`make bench-match` keeps working: every step runs end to end at a tiny size.

Nothing here looks at accuracy figures or timings (the benchmark reports
those); it checks that each step still runs against the current matcher and
produces what the report needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.match import fit as fitting
from bench.match import speed
from bench.match.evaluate import evaluate
from bench.match.generator import synthetic_dataset
from bench.match.report import render
from bench.match.splink_reference import splink_reference

from notifier.matching import MatchModel


async def test_fitting_reporting_and_the_speed_run_all_work_at_a_tiny_size(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(fitting, "U_PAIRS", 2_000)
    monkeypatch.setattr(fitting, "NAMESAKE_PAIRS", 500)
    monkeypatch.setattr(speed, "EVENTS", 40)
    monkeypatch.setattr(speed, "FILED_BOOKINGS", 30)
    # Small, but not so small that Splink's EM drives some level's m to 0, which it refuses (120 people did).
    data = synthetic_dataset(detainers=200, other_bookings=600)

    model = MatchModel.from_document(fitting.fit([data.half(0)]))
    ours = evaluate(data.half(1), model=model)
    reference = splink_reference(data.half(1))
    measured = await speed.run(redis_url, scales=(150,), workdir=tmp_path, more_others=60)
    conflicting = evaluate(data.half(1).with_conflicting_numbers("a_number"), model=model)

    assert ours.subject_bookings > 0
    assert ours.auto_true > 0
    assert reference.f1_at_half > 0
    (scale,) = measured["scales"]
    assert scale["detainers"] == 150
    assert scale["events_timed"] == 40
    assert scale["accuracy"]["bookings_of_subjects"] + scale["accuracy"]["bookings_of_others"] == 40 + 60
    assert measured["booking_index"]["bookings_filed"] == 30
    assert conflicting.subject_bookings > 0
    assert conflicting.auto_true + conflicting.auto_false == 0
    report = render(
        {
            "thresholds": dict(model.thresholds),
            "prevalence": 0.02,
            "accuracy": [
                {"data": data.name, "identifiers": True, "ours": ours.summary(), "splink": reference.summary()}
            ],
            "conflicts": [{"data": "another A-number", "field": "a_number", "ours": conflicting.summary()}],
            "speed": measured,
            "seconds": 1,
            "machine": {"cpu_count": 2, "python": "3.11"},
        }
    )
    assert "## Targets" in report
