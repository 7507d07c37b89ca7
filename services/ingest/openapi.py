"""OpenAPI for routes that validate their raw body themselves.

Routes read bodies as bytes and validate them with pydantic in strict JSON
mode; these helpers put the same schemas into ``/openapi.json`` so the
document describes exactly what is validated.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, TypeAdapter

from contracts import LiftDetainer, LodgeDetainer, ResolveAlert, Roster, custody_event_adapter

__all__ = ["install_openapi", "problem_responses", "request_body_schema"]

_REF = "#/components/schemas/{model}"

_REQUEST_SCHEMAS: dict[str, TypeAdapter[Any] | type[BaseModel]] = {
    "CustodyEvent": custody_event_adapter,
    "LodgeDetainer": LodgeDetainer,
    "LiftDetainer": LiftDetainer,
    "ResolveAlert": ResolveAlert,
    "Roster": Roster,
}

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
        schema = {"type": "array", "maxItems": 10_000, "items": schema}
    return {"requestBody": {"required": True, "content": {media: {"schema": schema} for media in media_types}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": "Problem details (RFC 9457).",
            "content": {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}},
        }
        for status in statuses
    }


def _document_problems_everywhere(document: dict[str, Any]) -> None:
    """FastAPI documents its own 422 shape; ours is problem+json, and any call can meet a 503."""
    problem = problem_responses(422)[422]
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = problem
            if path.startswith("/v1/") or path == "/readyz":
                responses.setdefault("503", problem_responses(503)[503])
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
        _document_problems_everywhere(document)
        for name, source in _REQUEST_SCHEMAS.items():
            adapter = source if isinstance(source, TypeAdapter) else TypeAdapter(source)
            schema = adapter.json_schema(ref_template=_REF, mode="validation")
            components.update(schema.pop("$defs", {}))
            components[name] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
