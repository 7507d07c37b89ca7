"""Validating payloads the way the API does (from JSON text) and reading the errors a user sees."""

from __future__ import annotations

import copy
import json
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel, ValidationError

from contracts import CustodyEvent, custody_event_adapter

__all__ = ["FieldError", "event_errors", "model_errors", "only_error", "validate_event", "with_value"]

Path = tuple[str | int, ...]


class FieldError(NamedTuple):
    """One error as a user reads it: where (loc), what kind (type) and the message."""

    loc: Path
    type: str
    msg: str


def with_value(payload: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A deep copy of ``payload`` with the value at ``path`` replaced (a new key is added)."""
    changed = copy.deepcopy(payload)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def validate_event(payload: Any) -> CustodyEvent:
    return custody_event_adapter.validate_json(json.dumps(payload))


def _errors(error: ValidationError, *, drop_tag: str | None) -> list[FieldError]:
    found = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        if drop_tag is not None and loc[:1] == (drop_tag,):
            loc = loc[1:]  # pydantic names the union member first; the body has no such level
        found.append(FieldError(loc, detail["type"], detail["msg"]))
    return found


def event_errors(payload: Any) -> list[FieldError]:
    """The errors of an event that must not validate, locations relative to the event."""
    with pytest.raises(ValidationError) as caught:
        validate_event(payload)
    tag = payload.get("type") if isinstance(payload, dict) else None
    return _errors(caught.value, drop_tag=tag if isinstance(tag, str) else None)


def model_errors(model: type[BaseModel], payload: Any) -> list[FieldError]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(json.dumps(payload))
    return _errors(caught.value, drop_tag=None)


def only_error(errors: list[FieldError]) -> FieldError:
    assert len(errors) == 1, f"expected exactly one error, got {errors}"
    return errors[0]
