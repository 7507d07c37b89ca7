"""A body is parsed once: the objects ``json.loads`` built (refusing a key given twice) are what pydantic
validates, in its Python mode without ``strict``. That must accept and refuse exactly what strict JSON
validation does, naming the same fields, which holds while what the API takes has no number or boolean."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from contracts import LodgeDetainer, Roster, custody_event_adapter
from ingest.app import create_app
from ingest.body import message_of, parse_json_document, validate_document
from ingest.problems import Problem
from ingest.settings import IngestSettings
from tests import samples

# What a JSON value can be, each a type the strict and the lax reading could treat differently.
REPLACEMENTS: list[Any] = [
    None,
    0,
    1,
    1.5,
    True,
    False,
    "",
    "x",
    "1",
    "M",
    "felony",
    "2026-11-20",
    "2026-11-20T08:15:00-08:00",
    "1990-04-17T00:00:00",
    [],
    ["x"],
    [{}],
    {},
    {"x": 1},
]


def _paths(document: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield path
    children = (
        document.items() if isinstance(document, dict) else enumerate(document) if isinstance(document, list) else ()
    )
    for key, child in children:
        yield from _paths(child, (*path, key))


def _with(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(document)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


def _outcome(read: Any, *, json_words: bool = False) -> Any:
    """The value read, or each error: where, what kind, and the message (strict JSON's own, or ``message_of``)."""
    try:
        return ("valid", read().model_dump(mode="json"))
    except ValidationError as error:
        details = error.errors(include_url=False)
        return ("invalid", [(d["loc"], d["msg"] if json_words else message_of(d)) for d in details])


def _full_booking() -> dict[str, Any]:
    return samples.booking(
        person=samples.person(
            aliases=[{"last_name": "GARCIA", "first_name": "PEPE", "middle_name": "L", "date_of_birth": "1990-04-17"}]
        )
    )


def _full_detainer() -> dict[str, Any]:
    return samples.detainer(judicial_warrant={"court": "U.S. District Court, C.D. Cal.", "reference": "2:26-mj-01234"})


@pytest.mark.parametrize(
    ("adapter", "document"),
    [
        (custody_event_adapter, _full_booking()),
        (custody_event_adapter, samples.release_scheduled()),
        (TypeAdapter(LodgeDetainer), _full_detainer()),
        (TypeAdapter(Roster), {"roster_id": "r-1", "as_of": "2026-11-20T08:15:00-08:00", "booking_numbers": ["A-1"]}),
    ],
    ids=["booking", "release_scheduled", "detainer", "roster"],
)
def test_validating_the_parsed_document_answers_as_strict_json_would(adapter: TypeAdapter[Any], document: Any) -> None:
    differences = []
    tried = 0
    for path in _paths(document):
        for value in REPLACEMENTS:
            changed = _with(document, path, value)
            text = json.dumps(changed)
            strict = _outcome(lambda text=text: adapter.validate_json(text, strict=True), json_words=True)
            once = _outcome(lambda text=text: validate_document(adapter, json.loads(text)))
            tried += 1
            if strict != once:
                differences.append((path, value, strict, once))
    assert tried >= 19 * len(document)  # every field, each changed to every kind of JSON value
    assert differences == []


def test_the_sample_documents_are_valid_as_sent() -> None:
    assert _outcome(lambda: validate_document(custody_event_adapter, _full_booking()))[0] == "valid"
    assert _outcome(lambda: validate_document(TypeAdapter(LodgeDetainer), _full_detainer()))[0] == "valid"


def _types(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield node["type"]
        for child in node.values():
            yield from _types(child)
    elif isinstance(node, list):
        for child in node:
            yield from _types(child)


def _referenced(node: Any, schemas: dict[str, Any], seen: set[str]) -> None:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.rsplit("/", 1)[1] not in seen:
            seen.add(reference.rsplit("/", 1)[1])
            _referenced(schemas[reference.rsplit("/", 1)[1]], schemas, seen)
        for child in node.values():
            _referenced(child, schemas, seen)
    elif isinstance(node, list):
        for child in node:
            _referenced(child, schemas, seen)


def test_no_request_body_takes_a_number_or_a_boolean() -> None:
    """Where a body field is a number or a boolean, the lax Python reading would take "1" or "true" for it that
    strict JSON refuses: such a field needs the strict reading (``Strict()`` on it) before it is added."""
    specification = create_app(IngestSettings(redis_url="redis://127.0.0.1:1", auth="off")).openapi()
    schemas = specification["components"]["schemas"]
    found: dict[str, set[str]] = {}
    for path, operations in specification["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            seen: set[str] = set()
            _referenced(body, schemas, seen)
            found[f"{method} {path}"] = set(_types(body)).union(*(set(_types(schemas[name])) for name in seen))
    assert "post /v1/custody-events" in found
    assert "post /v1/detainers:batch" in found
    assert {
        route: types & {"integer", "number", "boolean"}
        for route, types in found.items()
        if types & {"integer", "number", "boolean"}
    } == {}


def test_half_a_character_is_not_json_but_a_pair_is_one() -> None:
    """json.loads keeps a lone ``\\ud800`` as half a character, where pydantic's parser refused the body: still
    refused, as malformed (400)."""
    with pytest.raises(Problem) as refused:
        parse_json_document(b'{"a": ["x\\ud800"]}')
    assert refused.value.type.status == 400
    assert "half of a character" in refused.value.detail
    assert parse_json_document(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
