"""The base every wire model shares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class WireModel(BaseModel):
    """Frozen and strict; unknown fields are refused at the API edge.

    Services reading their own streams validate with ``extra="ignore"`` so an
    older notifier keeps working beside a newer ingest that added a field
    (new fields are only ever added with a default).
    """

    model_config = ConfigDict(
        frozen=True,
        strict=True,
        extra="forbid",
        str_strip_whitespace=False,
        validate_default=False,
        use_enum_values=False,
    )


# For a wire model whose stray fields intake drops with a warning rather than refuse (a custody event, a person, a
# charge): its schema says other properties may come, and ``ingest.intake`` says what becomes of them.
STRAY_FIELDS_IGNORED = ConfigDict(
    json_schema_extra={
        "additionalProperties": True,
        "x-stray-fields": "A field this object does not have is dropped, and the answer warns with a pointer to it.",
    }
)


def _empty_for_null(value: Any) -> Any:
    """Null, as many systems write an empty list, is an empty one. (An array, parsed as a list before this runs, is
    handed on as the tuple a strict reading takes.)"""
    if value is None:
        return ()
    return tuple(value) if type(value) is list else value


def _also_null(schema: dict[str, Any]) -> None:
    schema["type"] = [schema["type"], "null"]


EMPTY_FOR_NULL = BeforeValidator(_empty_for_null)
"""For an optional list field (a tuple, empty by default): null reads as empty. With ``ALSO_NULL`` in its
``Field(json_schema_extra=...)``, so its schema admits null."""
ALSO_NULL = _also_null
