"""OpenAPI for routes that validate their raw body themselves.

Routes read bodies as bytes and validate them with pydantic in strict JSON
mode; these helpers put the same schemas into ``/openapi.json`` so the
document describes exactly what is validated.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field, TypeAdapter

from contracts import LiftDetainer, LodgeDetainer, ResolveAlert, Roster, custody_event_adapter
from contracts.feeds import HoldDecision

__all__ = ["DiscardDeadLetter", "install_openapi", "problem_responses", "request_body_schema"]

_REF = "#/components/schemas/{model}"

_REQUEST_SCHEMAS: dict[str, TypeAdapter[Any] | type[BaseModel]] = {
    "CustodyEvent": custody_event_adapter,
    "LodgeDetainer": LodgeDetainer,
    "LiftDetainer": LiftDetainer,
    "ResolveAlert": ResolveAlert,
    "Roster": Roster,
    "HoldDecision": HoldDecision,
}


class DiscardDeadLetter(BaseModel):
    """What an operator sends to discard a dead letter: why it will not be processed."""

    reason: str = Field(min_length=1, max_length=500)


_REQUEST_SCHEMAS["DiscardDeadLetter"] = DiscardDeadLetter

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {
                    "pointer": {"type": "string", "description": "JSON pointer to the offending field."},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}


def request_body_schema(name: str, media_types: list[str], *, array: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": _REF.format(model=name)}
    if array:
        schema = {"type": "array", "minItems": 1, "maxItems": 10_000, "items": schema}
    return {"requestBody": {"required": True, "content": {media: {"schema": schema} for media in media_types}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": "Problem details (RFC 9457).",
            "content": {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}},
        }
        for status in statuses
    }


_BODY_PROBLEMS = (400, 413, 415, 422)  # not UTF-8 JSON, too large, another media type, fields that break the rules
_KEY_PROBLEMS = (401, 403)  # no key or an unknown one; a role (or office, or facility) that may not


def _document_problems_everywhere(document: dict[str, Any]) -> None:
    """Every status an operation can answer, documented where the routes cannot say it each: FastAPI
    documents its own 422 shape (ours is problem+json); every `/v1` call takes an API key (401, 403) and
    can meet a Redis outage (503); every body can be unreadable, too large or of another media type."""
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = [int(status) for status in responses if status.isdigit() and int(status) >= 400]
            if path.startswith("/v1/"):
                statuses += [*_KEY_PROBLEMS, 503]
                operation.setdefault("security", [{"apiKey": []}])
            if path == "/readyz":
                statuses.append(503)
            if "requestBody" in operation:
                statuses += _BODY_PROBLEMS
            for status, answer in problem_responses(*sorted(set(statuses))).items():
                responses[str(status)] = answer
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = _PROBLEM_SCHEMA
        document["components"]["securitySchemes"] = {
            "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key made by `releasewatch api-key`, as `Authorization: Bearer <key>`.",
            }
        }
        _document_problems_everywhere(document)
        for name, source in _REQUEST_SCHEMAS.items():
            adapter = source if isinstance(source, TypeAdapter) else TypeAdapter(source)
            schema = adapter.json_schema(ref_template=_REF, mode="validation")
            components.update(schema.pop("$defs", {}))
            components[name] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
