"""Per-office channel configuration (webhooks, e-mail recipients) read from JSON documents."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from runtime.validation import describe_validation_error

__all__ = ["parse_per_office"]

Model = TypeVar("Model", bound=BaseModel)


def parse_per_office(model: type[Model], documents: tuple[str | bytes | None, ...], *, what: str) -> dict[str, Model]:
    """``{"LOS": {...}, ...}`` documents, later ones overriding earlier ones per office. Errors name where,
    never what (secrets and officers' addresses must not reach a start-up log): ``"<what> are not valid: ..."``."""
    adapter: TypeAdapter[dict[str, Model]] = TypeAdapter(dict[str, model])  # type: ignore[valid-type]
    offices: dict[str, Model] = {}
    for document in documents:
        if not document:
            continue
        try:
            offices.update(adapter.validate_json(document))
        except ValidationError as error:
            problems = describe_validation_error(error, max_length=None)
            raise ValueError(f"{what} are not valid: {problems}") from None
    return offices
