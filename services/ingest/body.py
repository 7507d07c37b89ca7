"""Reading request bodies: bounded in size, UTF-8, JSON or NDJSON.

Routes read the raw body and validate it with pydantic in JSON mode, so
strictness is the contract's (a JSON number is never a string, a time
without an offset is refused) rather than whatever a lax parse allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_json

from ingest.problems import FieldError, Problem, field_errors_from_validation

__all__ = ["BodyItem", "media_type_of", "read_body", "split_batch", "validate_json_body"]

T = TypeVar("T")

JSON_TYPES = frozenset({"application/json"})
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines"})


_UTF8_BOM = b"\xef\xbb\xbf"


def media_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(request: Request, *, limit: int, accept: frozenset[str] = JSON_TYPES) -> bytes:
    """The body as bytes, refused early when over ``limit`` bytes or of another media type."""
    media_type = media_type_of(request)
    if media_type not in accept:
        raise Problem(
            "unsupported-media-type",
            f"Content-Type must be one of: {', '.join(sorted(accept))}.",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem("body-too-large", f"The body is {declared} bytes; this endpoint takes at most {limit}.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem("body-too-large", f"The body exceeds this endpoint's limit of {limit} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks).removeprefix(_UTF8_BOM)  # RFC 8259 lets a parser ignore it; Windows tools add it
    _require_utf8(body)
    return body


def _require_utf8(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem("malformed-body", f"The body is not valid UTF-8 (bad byte at offset {error.start}).") from None


def _is_malformed_json(error: ValidationError) -> str | None:
    for detail in error.errors(include_input=False, include_url=False):
        if detail["type"] == "json_invalid":
            return detail["msg"]
    return None


def validate_json_body(adapter: TypeAdapter[T], body: bytes, *, tagged_union: bool = False) -> T:
    """Validate one JSON document, answering 400 for broken JSON and 422 for broken fields."""
    try:
        return adapter.validate_json(body)
    except ValidationError as error:
        malformed = _is_malformed_json(error)
        if malformed is not None:
            raise Problem("malformed-body", malformed) from None
        raise Problem(
            "validation-error",
            f"{error.error_count()} field(s) failed validation.",
            errors=field_errors_from_validation(error, tagged_union=tagged_union),
        ) from None


@dataclass(frozen=True, slots=True)
class BodyItem:
    """One event of a batch: where it stood, and its JSON text."""

    index: int
    raw: bytes


_any_json: TypeAdapter[Any] = TypeAdapter(Any)


def split_batch(body: bytes, media_type: str) -> list[BodyItem]:
    """The items of a JSON array or of NDJSON lines (blank lines skipped, indexes are line numbers)."""
    if media_type in NDJSON_TYPES:
        return [BodyItem(index, line) for index, line in enumerate(body.split(b"\n")) if line.strip()]
    try:
        document = _any_json.validate_json(body)
    except ValidationError as error:
        raise Problem("malformed-body", _is_malformed_json(error) or "The body is not JSON.") from None
    if not isinstance(document, list):
        raise Problem(
            "malformed-body",
            "The batch must be a JSON array of events (or NDJSON, one event per line).",
            errors=[FieldError("#", "must be an array")],
        )
    return [BodyItem(index, to_json(item)) for index, item in enumerate(document)]
