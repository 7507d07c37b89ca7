"""Times a source or an office sends must be plausible: within a window around now.

``9999-12-31T23:59:59-08:00`` is a valid RFC 3339 time that no computation
downstream can add an hour to, and ``0001-01-01`` raises alerts dated year 1.
A time something happened (``occurred_at``, ``as_of``, ``issued_at``) may lie
up to ``past`` before now and ``ahead`` after it (clocks and time zones set
wrong); a scheduled release up to ``past`` before and ``future`` after. Pure:
the caller brings the record and the time now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from pydantic import BaseModel

from ingest.problems import FieldError, Problem, json_pointer

__all__ = ["TimeWindow"]

_HAPPENED = ("occurred_at", "as_of", "issued_at")
_SCHEDULED = ("scheduled_release_at",)


@cache
def _times_of(model: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields of ``model`` among ``_HAPPENED`` and among ``_SCHEDULED`` (looked up once a model)."""
    fields = model.model_fields
    return tuple(n for n in _HAPPENED if n in fields), tuple(n for n in _SCHEDULED if n in fields)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    past: timedelta  # how far before now any time may be
    future: timedelta  # how far after now a scheduled time may be
    ahead: timedelta  # how far after now a time something happened may be

    def refusals(self, record: BaseModel, now: datetime) -> list[tuple[str, str]]:
        """(field, reason) for each time of ``record`` outside the window around ``now``."""
        found: list[tuple[str, str]] = []
        happened, scheduled = _times_of(type(record))
        for names, after in ((happened, self.ahead), (scheduled, self.future)):
            for name in names:
                value = getattr(record, name)
                if isinstance(value, datetime) and not now - self.past <= value <= now + after:
                    found.append((name, self._reason(after)))
        return found

    def refuse_implausible(self, record: BaseModel, *, now: datetime, prefix: tuple[str | int, ...] = ()) -> None:
        """422 naming each time of ``record`` outside the window (``prefix``: where the record stands)."""
        refusals = self.refusals(record, now)
        if refusals:
            raise Problem(
                "validation-error",
                f"{len(refusals)} field(s) failed validation.",
                errors=[FieldError(json_pointer([*prefix, name]), reason) for name, reason in refusals],
            )

    def _reason(self, after: timedelta) -> str:
        return f"must be a plausible time: no more than {_span(self.past)} before now and {_span(after)} after it"


def _span(length: timedelta) -> str:
    if length >= timedelta(days=2):
        return f"{length.days} days"
    return f"{int(length.total_seconds() // 3600)} hours"
