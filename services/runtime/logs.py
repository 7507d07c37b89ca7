"""Structured logs. Callers log event ids and counts, never personal data."""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

from pydantic import ValidationError
from pythonjsonlogger.json import JsonFormatter

from runtime.validation import describe_validation_error

__all__ = ["configure_logging"]

LogFormat = Literal["json", "text"]


class _RedactValidationErrors(logging.Filter):
    """pydantic's error text quotes the input it refused, which may be a name or a date of birth.

    A logged ValidationError keeps its locations and messages, never the input.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ValidationError):
            error = record.exc_info[1]
            redacted = _RedactedValidationError(describe_validation_error(error, limit=None, max_length=None))
            record.exc_info = (_RedactedValidationError, redacted, record.exc_info[2])
            record.exc_text = None
        return True


class _RedactedValidationError(ValueError):
    """Stands in for a pydantic ValidationError in logs."""


class _DropTerminalColours(logging.Filter):
    """uvicorn adds a ``color_message`` copy of each message for terminals; logs keep the plain one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        return True


_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class _TextWithFields(logging.Formatter):
    """One readable line, with the record's extra fields (ids, counts) as key=value at the end."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {key: value for key, value in record.__dict__.items() if key not in _RECORD_ATTRIBUTES}
        return line + "".join(f" {key}={value}" for key, value in fields.items())


def configure_logging(
    level: str = "INFO", log_format: LogFormat = "json", *, service: str, stream: TextIO | None = None
) -> None:
    """Route every logger to ``stream`` (stderr), one JSON object (or one readable line) per record."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_DropTerminalColours())
    handler.addFilter(_RedactValidationErrors())
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                static_fields={"service": service},
            )
        )
    else:
        handler.setFormatter(_TextWithFields(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(max(root.level, logging.WARNING))
