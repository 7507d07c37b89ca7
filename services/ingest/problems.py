"""Every error the API answers is RFC 9457 ``application/problem+json``.

A problem names its type (a relative URI under ``/problems/``, served as a
short explanation), a title, the HTTP status, a detail for this occurrence,
and, for input errors, ``errors``: one entry per offending field with a JSON
pointer to it (``#/person/date_of_birth``), as in RFC 9457 section 3.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "PROBLEM_TYPES",
    "FieldError",
    "Problem",
    "field_errors_from_details",
    "field_errors_from_validation",
    "install_problem_handlers",
    "json_pointer",
    "problem_response",
]

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    title: str
    status: int
    explanation: str

    @property
    def uri(self) -> str:
        return f"/problems/{self.slug}"


PROBLEM_TYPES: dict[str, ProblemType] = {
    problem.slug: problem
    for problem in (
        ProblemType(
            "validation-error",
            "The request failed validation",
            422,
            "The body is well-formed JSON but one or more fields break the contract, or a path or query "
            "parameter is not one this endpoint takes. Each entry of `errors` points at one offending field "
            "(`#/header/...`, `#/query/...` and `#/path/...` for parameters); fix those and send it again.",
        ),
        ProblemType(
            "malformed-body",
            "The request body could not be read",
            400,
            "The body is not UTF-8, not JSON (or NDJSON), or not the shape this endpoint takes.",
        ),
        ProblemType(
            "body-too-large",
            "The request body is too large",
            413,
            "The body exceeds this endpoint's limit; split it (batches take up to 10,000 events or detainers).",
        ),
        ProblemType(
            "unsupported-media-type",
            "Unsupported media type",
            415,
            "Send `application/json` (or `application/x-ndjson` to the batch endpoint).",
        ),
        ProblemType(
            "event-id-conflict",
            "This event_id was already used for a different event",
            409,
            "An event_id identifies one event of its facility for good. The same body again is accepted as a retry; "
            "a different body under the facility's used event_id is refused. Give the new event a new event_id. "
            "Other facilities' event ids are their own: the same id from another facility is another event.",
        ),
        ProblemType(
            "roster-id-conflict",
            "This roster_id was already used for a different roster",
            409,
            "A roster_id identifies one roster of its facility for good. The same roster again is accepted as a "
            "retry; a different body under the facility's used roster_id is refused. Give the new roster a new "
            "roster_id.",
        ),
        ProblemType(
            "detainer-conflict",
            "This detainer conflicts with the one on record",
            409,
            "A detainer_id identifies one detainer of its field office. Lodging it again with a different body, "
            "lodging again a detainer that was lifted (a detainer lodged anew needs a new detainer_id), or lifting "
            "it again for a different reason, is refused. Other offices' ids are their own.",
        ),
        ProblemType(
            "detainer-id-shared",
            "Several offices lodged a detainer under this id",
            409,
            "A detainer_id is unique within its field office only. Name the office with `field_office` "
            "(the answer's `field_offices` lists those that hold the id).",
        ),
        ProblemType(
            "not-reviewable",
            "Only a possible match is confirmed or rejected",
            409,
            "Confirming and rejecting decide whether a `possible_match` alert names the detainer's subject; "
            "every other alert already rests on a match.",
        ),
        ProblemType(
            "review-conflict",
            "This possible match was already decided the other way",
            409,
            "A possible match is confirmed or rejected once. The same decision again answers the alert as it is; "
            "the opposite one is refused. The answer's `review` says who decided, and when.",
        ),
        ProblemType(
            "alert-lifecycle-conflict",
            "This alert is past that step",
            409,
            "An alert goes open, acknowledged, resolved, and never back. Acknowledging a resolved alert, or "
            "resolving it again with another outcome, is refused; the same step again answers the alert as it is. "
            "The answer's `alert` shows where it stands.",
        ),
        ProblemType(
            "unauthenticated",
            "An API key is needed",
            401,
            "Send the API key you were given as `Authorization: Bearer <key>`.",
        ),
        ProblemType(
            "forbidden",
            "This API key may not do that",
            403,
            "Sources submit custody events for their own facilities; field offices lodge, lift and read "
            "their own office's detainers and alerts, review its possible matches, and acknowledge and resolve its "
            "alerts; operators read everything.",
        ),
        ProblemType("not-found", "Not found", 404, "Nothing exists at this path."),
        ProblemType(
            "redis-unavailable",
            "The service cannot store anything right now",
            503,
            "Redis did not answer, so nothing was accepted. Retry after the number of seconds in `Retry-After`.",
        ),
        ProblemType(
            "backlog-full",
            "Too many events are waiting to be processed",
            503,
            "The notifiers are behind. The events were not accepted (of a large batch, those the detail counts "
            "were, before the limit was reached); send the same events again after the number of seconds in "
            "`Retry-After` (retries are safe: events already accepted come back as replays).",
        ),
        ProblemType(
            "dead-letter-handled",
            "This dead letter was already handled",
            409,
            "A dead letter is replayed once or discarded once; the answer says what was done, by whom and when.",
        ),
        ProblemType(
            "dead-letter-policy-changed",
            "The facility's sharing policy changed since this event was accepted",
            409,
            "Intake judges a custody event by the sharing policy covering its facility before it is published; a "
            "dead letter judged under another policy (or none) is not replayed past the one in force. It stays "
            "open: discard it with a reason, and have the source send the event again under a new event_id.",
        ),
        ProblemType(
            "dead-letter-superseded",
            "What this dead letter says was overtaken since",
            409,
            "A replay appends the message as it was. A detainer's lodge whose detainer was lifted since would make "
            "it active again: it is not replayed. It stays open: discard it; the lift stands.",
        ),
        ProblemType(
            "no-hold",
            "The facility's alerts are not held",
            409,
            "Only a hold in force, not yet decided, can be decided: the answer says the feed's current state.",
        ),
        ProblemType("method-not-allowed", "Method not allowed", 405, "This path does not take that method."),
        ProblemType("internal-error", "Internal error", 500, "Something failed on our side; it has been logged."),
    )
}


@dataclass(frozen=True, slots=True)
class FieldError:
    pointer: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "detail": self.detail}


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.type = PROBLEM_TYPES[slug]
        self.detail = detail
        self.errors = tuple(errors)
        self.headers = headers or {}
        self.extra = extra or {}


def problem_response(problem: Problem, instance: str) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem.type.uri,
        "title": problem.type.title,
        "status": problem.type.status,
        "detail": problem.detail,
        "instance": instance,
    }
    if problem.errors:
        body["errors"] = [error.as_json() for error in problem.errors]
    body.update(problem.extra)
    return JSONResponse(body, status_code=problem.type.status, headers=problem.headers, media_type=PROBLEM_MEDIA_TYPE)


def json_pointer(path: Iterable[str | int]) -> str:
    """A JSON pointer (RFC 6901) in URI fragment form, as RFC 9457's examples use."""
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return "#/" + "/".join(escaped) if escaped else "#"


_UNION_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})


def _error_path(error: ErrorDetails, *, tagged_union: bool) -> list[str | int]:
    location = list(error["loc"])
    if error["type"] in _UNION_TAG_ERRORS:
        return ["type"]
    if tagged_union and location and isinstance(location[0], str):
        # pydantic puts the union member's tag first ("booking"); it is not in the body.
        location = location[1:]
    # A failed model-level check (e.g. "needs person or charges") has no field of its own.
    return location


_IN_PLAIN_WORDS = {
    "missing": "is required",
    "union_tag_not_found": "is required",  # the `type` that says which kind of message this is
    "extra_forbidden": "is not a field of this object",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a JSON array",
    "tuple_type": "must be a JSON array",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
}


def _choices(expected: object) -> str:
    """pydantic's "'a', 'b' or 'c'" as "a, b, c"."""
    return ", ".join(re.findall(r"'([^']*)'", str(expected)))


def _counted(count: object, unit: str) -> str:
    return f"{count} {unit}" + ("" if str(count) == "1" else "s")


def _error_detail(error: ErrorDetails) -> str:
    """What pydantic found, in the words a source's developer reads (never the input itself)."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind in _IN_PLAIN_WORDS:
        return _IN_PLAIN_WORDS[kind]
    if kind in ("enum", "literal_error"):
        return f"must be one of: {_choices(context.get('expected', ''))}"
    if kind == "union_tag_invalid":
        return f"must be one of: {_choices(context.get('expected_tags', ''))}"
    if kind == "too_short":
        minimum = context.get("min_length")
        return "must not be empty" if minimum == 1 else f"must have at least {_counted(minimum, 'item')}"
    if kind == "too_long":
        return f"must have at most {_counted(context.get('max_length'), 'item')}"
    if kind == "string_too_short":
        return f"must be at least {_counted(context.get('min_length'), 'character')} long"
    if kind == "string_too_long":
        return f"must be at most {_counted(context.get('max_length'), 'character')} long"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {"greater_than_equal": "at least", "greater_than": "more than"}.get(kind)
        bound = bound or {"less_than_equal": "at most", "less_than": "less than"}[kind]
        limit = next(iter(value for key, value in context.items() if key in ("ge", "gt", "le", "lt")), "")
        return f"must be {bound} {limit}"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def field_errors_from_validation(
    error: ValidationError | RequestValidationError,
    *,
    prefix: Sequence[str | int] = (),
    tagged_union: bool = False,
) -> list[FieldError]:
    """Turn pydantic's errors into pointers, without echoing the input (it may be personal data)."""
    details: Sequence[Any] = (
        error.errors(include_input=False, include_url=False) if isinstance(error, ValidationError) else error.errors()
    )
    return field_errors_from_details(details, prefix=prefix, tagged_union=tagged_union)


def field_errors_from_details(
    details: Sequence[ErrorDetails], *, prefix: Sequence[str | int] = (), tagged_union: bool = False
) -> list[FieldError]:
    """pydantic's error details (read without their input) as pointers and messages. A list too short only for the
    items refused within it (pydantic counts the items it kept: a roster whose one booking number is refused is
    "empty" too) is not reported as such: the items are."""
    return [
        FieldError(json_pointer([*prefix, *_error_path(detail, tagged_union=tagged_union)]), _error_detail(detail))
        for detail in details
        if detail["type"] != "too_short" or not _holds_another(detail, details)
    ]


def _holds_another(detail: ErrorDetails, details: Sequence[ErrorDetails]) -> bool:
    """Whether another error lies within ``detail``'s location."""
    location = tuple(detail["loc"])
    return any(
        len(other["loc"]) > len(location) and tuple(other["loc"][: len(location)]) == location for other in details
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error path of ``app`` answer problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, problem: Problem) -> JSONResponse:
        return problem_response(problem, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, error: RequestValidationError) -> JSONResponse:
        # Only path and query parameters reach here: bodies are validated by the routes themselves.
        errors = [
            FieldError(
                json_pointer([str(part) for part in detail["loc"]]),
                _error_detail(detail),
            )
            for detail in error.errors()
        ]
        problem = Problem("validation-error", "Invalid path or query parameters.", errors=errors)
        return problem_response(problem, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code)
        if slug is None:
            body = {
                "type": "about:blank",
                "title": str(error.detail),
                "status": error.status_code,
                "instance": request.url.path,
            }
            return JSONResponse(body, status_code=error.status_code, media_type=PROBLEM_MEDIA_TYPE)
        detail = "Nothing exists at this path." if slug == "not-found" else f"{request.method} is not allowed here."
        return problem_response(Problem(slug, detail, headers=dict(error.headers or {})), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path, "error": type(error).__name__})
        return problem_response(Problem("internal-error", "An unexpected error occurred."), request.url.path)
