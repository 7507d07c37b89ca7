"""What pydantic refused, in words that carry no input.

pydantic's own error text quotes the value it refused, which may be a name or a date of birth. Dead-letter
reasons, configuration errors and redacted log lines say where and why instead: ``person.date_of_birth:
Input should be a valid date``.
"""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["describe_validation_error", "validation_problems"]


def validation_problems(error: ValidationError) -> list[tuple[str, str]]:
    """Each problem as (where, why): the dotted location (``(root)`` for the document itself) and pydantic's
    message, never the input."""
    return [
        (".".join(str(part) for part in detail["loc"]) or "(root)", detail["msg"])
        for detail in error.errors(include_input=False, include_url=False)
    ]


def describe_validation_error(error: ValidationError, *, limit: int | None = 10, max_length: int | None = 1000) -> str:
    """``where: why; where: why`` for the first ``limit`` problems (None: all), cut at ``max_length`` characters
    (None: whole)."""
    problems = validation_problems(error)
    text = "; ".join(f"{where}: {why}" for where, why in (problems if limit is None else problems[:limit]))
    return text if max_length is None else text[:max_length]
