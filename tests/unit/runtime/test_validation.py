"""What pydantic refused, said without the input: dead-letter reasons, configuration errors, redacted logs."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from runtime.validation import describe_validation_error, validation_problems


class _Person(BaseModel):
    last_name: str
    date_of_birth: date


class _Record(BaseModel):
    person: _Person
    count: int


def _refusal(document: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        _Record.model_validate(document)
    return refused.value


def test_each_problem_is_named_by_its_dotted_location_and_never_quotes_the_input() -> None:
    error = _refusal({"person": {"last_name": "GARCIA", "date_of_birth": "17/04/1990"}, "count": "many"})

    described = describe_validation_error(error)

    assert described.startswith("person.date_of_birth: ")
    assert "; count: " in described
    assert "17/04/1990" not in described
    assert "many" not in described


def test_a_document_refused_as_a_whole_is_named_root() -> None:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(int).validate_python("seven")

    assert validation_problems(refused.value)[0][0] == "(root)"


def test_the_description_is_bounded_in_problems_and_length() -> None:
    error = _refusal({"person": {}, "count": None})

    assert len(validation_problems(error)) == 3
    assert describe_validation_error(error, limit=1).count(": ") == 1
    assert len(describe_validation_error(error, max_length=12)) == 12
    assert describe_validation_error(error, limit=None, max_length=None).count(";") == 2
