"""An alert's evidence names each field's level and weight (rounded to 0.01) as a FieldAgreement; the agreements
are made once for their values and shared, so each must be what making it afresh gives, to the last character
of the stored JSON, a weight that rounds to -0.0 included (a key equal to 0.0's)."""

from __future__ import annotations

from contracts import FieldAgreement, MatchDecision
from notifier.matching.compare import Comparison, FieldScore, compare
from notifier.matching.decide import Thresholds, evidence
from notifier.matching.model import fitted_model
from notifier.matching.record import match_record
from tests.unit.notifier.matching.helpers import someone

_THRESHOLDS = Thresholds(auto=20.0, review=10.0, margin=3.0, detainers=1_000)


def _afresh(comparison: Comparison) -> tuple[FieldAgreement, ...]:
    """The evidence's fields as they were made before they were shared: each one validated anew."""
    fields = [
        *(FieldAgreement(field=name, level=level) for name, level in comparison.identifiers),
        *(FieldAgreement(field=f.field, level=f.level, weight=round(f.weight, 2)) for f in comparison.fields),
    ]
    if comparison.name_form is not None:
        fields.append(FieldAgreement(field="name_form", level=comparison.name_form))
    return tuple(fields)


def test_each_field_is_what_making_it_afresh_gives() -> None:
    subject = match_record(someone(a_number="A055500011"))
    candidates = [
        someone(a_number="A055500011"),
        someone(a_number="A055500012", first_name="JOSEPH"),
        someone(date_of_birth="1990-07-14", last_name="GARCIA"),
        someone(sex="F", aliases=[{"first_name": "JOSE", "last_name": "LOPEZ"}]),
        someone(  # agrees through its alias: the name form is named too
            first_name="PEDRO",
            middle_name=None,
            last_name="RAMIREZ",
            aliases=[{"first_name": "JOSE", "middle_name": "LUIS", "last_name": "GARCIA LOPEZ"}],
        ),
    ]
    named: set[str] = set()
    for candidate in candidates:
        wanted = match_record(candidate)
        comparison = compare(subject, wanted, fitted_model())
        found = evidence(MatchDecision.MATCH, "score", comparison, 4.0, subject, wanted, _THRESHOLDS)
        named.update(f.field for f in found.fields)
        assert found.fields == _afresh(comparison)
        assert [f.model_dump_json() for f in found.fields] == [f.model_dump_json() for f in _afresh(comparison)]
        assert [f.model_fields_set for f in found.fields] == [f.model_fields_set for f in _afresh(comparison)]
    assert {"a_number", "name_form", "surname", "identifier"} <= named  # unweighted and weighted, each seen


def test_a_weight_that_rounds_to_minus_zero_is_written_as_minus_zero_after_a_zero() -> None:
    subject = wanted = match_record(someone())

    def sex_weighing(weight: float) -> str:
        comparison = Comparison((FieldScore("sex", "exact", weight),), weight, ())
        found = evidence(MatchDecision.MATCH, "score", comparison, None, subject, wanted, _THRESHOLDS)
        return found.fields[0].model_dump_json()

    assert sex_weighing(0.0) == '{"field":"sex","level":"exact","weight":0.0}'
    assert sex_weighing(-0.001) == '{"field":"sex","level":"exact","weight":-0.0}'
    assert sex_weighing(0.001) == '{"field":"sex","level":"exact","weight":0.0}'
    assert sex_weighing(-0.0) == '{"field":"sex","level":"exact","weight":-0.0}'
