"""The base every wire model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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
