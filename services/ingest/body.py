"""Reading request bodies: bounded in size, UTF-8, JSON or NDJSON.

Routes read the raw body and parse it once (``json.loads``): an object
with a key twice (which value was meant? pydantic's parser keeps the last
without a word) is refused with a pointer to the repeated key, and the
objects the parse built are what pydantic validates (``validate_document``),
so no body is parsed twice.

Strictness stays the contract's: a parsed document holds only JSON's types
(str, None, list, dict; numbers and booleans too, which no request body takes:
tests/unit/ingest/test_one_parse.py checks the OpenAPI request schemas). For
those, pydantic's Python mode without ``strict`` accepts exactly what its
strict JSON mode does (an enum by its value, a tuple from an array, a model
from an object, a str only from a str; the contract's times and dates parse
their strings themselves), and the same test compares the two on every field
of a booking and a detainer changed to each JSON type.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, PydanticSerializationError, to_json

from ingest.problems import FieldError, Problem, field_errors_from_validation, json_pointer

__all__ = [
    "MAX_NESTING",
    "NOT_PARSED",
    "BodyItem",
    "holds_a_lone_surrogate",
    "media_type_of",
    "message_of",
    "nesting_refusal",
    "parse_json_document",
    "read_batch",
    "read_body",
    "split_batch",
    "validate_document",
    "validate_json_body",
]

T = TypeVar("T")

JSON_TYPES = frozenset({"application/json"})
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines"})


_UTF8_BOM = b"\xef\xbb\xbf"

NOT_PARSED: Any = object()
"""A batch item whose text is still to be parsed."""


def media_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(
    request: Request, *, limit: int, accept: frozenset[str] = JSON_TYPES, whole_utf8: bool = True
) -> bytes:
    """The body as bytes, refused early when over ``limit`` bytes or of another media type.

    ``whole_utf8=False`` leaves the UTF-8 check to the caller: NDJSON is read line by line, and one
    line that is not UTF-8 refuses only itself."""
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
    if whole_utf8:
        _text(body, what="The body")
    return body


def _text(raw: bytes, *, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem("malformed-body", f"{what} is not valid UTF-8 (bad byte at offset {error.start}).") from None


class _Repeated(dict[str, Any]):
    """A JSON object in which ``key`` appeared more than once."""

    key: str


def _first_repeated_key(document: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    if isinstance(document, _Repeated):
        return (*path, document.key)
    children: Any = ()
    if isinstance(document, dict):
        children = document.items()
    elif isinstance(document, list):
        children = enumerate(document)
    for key, child in children:
        found = _first_repeated_key(child, (*path, key))
        if found is not None:
            return found
    return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _repeated_key_refusal(path: tuple[str | int, ...]) -> Problem:
    return Problem(
        "validation-error",
        "A key appears twice in one object.",
        errors=[FieldError(json_pointer(path), "appears more than once in its object")],
    )


MAX_NESTING = 32
"""The deepest arrays and objects of a request body may nest (a custody event nests four levels): deeper, a value
kept as sent (``Person.as_sent``) would make a stream entry a notifier's JSON parser refuses (past 200 levels), or
one that cannot be written at all (past 255)."""


def _too_deep_at(document: Any) -> tuple[str | int, ...] | None:
    """Where ``document`` nests arrays and objects more than ``MAX_NESTING`` levels deep: the path of the field
    (the last object key on the way) holding the first such value; None when it does not. Walked without recursion,
    however deep."""
    stack: list[tuple[Any, tuple[str | int, ...], int]] = [(document, (), 1)]
    while stack:
        node, path, depth = stack.pop()
        children: Any = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            if not isinstance(child, dict | list):
                continue
            if depth >= MAX_NESTING:
                field = (*path, key)
                while field and not isinstance(field[-1], str):
                    field = field[:-1]
                return field
            stack.append((child, (*path, key), depth + 1))
    return None


def nesting_refusal(raw: bytes, document: Any, prefix: tuple[str | int, ...] = ()) -> Problem | None:
    """422 naming the field that nests more than ``MAX_NESTING`` levels deep, if one does. (A document holding
    fewer brackets than that, in strings or not, nests no deeper: it is not walked.)"""
    if raw.count(b"[") + raw.count(b"{") <= MAX_NESTING:
        return None
    path = _too_deep_at(document)
    if path is None:
        return None
    return Problem(
        "validation-error",
        f"Arrays and objects nest more than {MAX_NESTING} levels deep.",
        errors=[
            FieldError(json_pointer((*prefix, *path)), f"nests arrays or objects more than {MAX_NESTING} levels deep")
        ],
    )


def parse_json_document(raw: bytes, *, what: str = "The body", prefix: tuple[str | int, ...] = ()) -> Any:
    """The document as Python values: 400 when it is not UTF-8 JSON, 422 naming a key given twice in one
    object (the parsers on the way would each keep a different one) or a field nested more than
    ``MAX_NESTING`` levels deep."""
    document, repeated = _parse(raw, what=what)
    if repeated:
        raise _repeated_key_refusal((*prefix, *(_first_repeated_key(document) or ())))
    too_deep = nesting_refusal(raw, document, prefix)
    if too_deep is not None:
        raise too_deep
    return document


class _KeyRepeated(Exception):
    """An object of the document has a key twice: it is read again, marking where."""


def _object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _KeyRepeated
    return document


# One decoder for every document (json.loads given a hook makes a decoder, and its scanner, a call): a document with
# no key twice (almost all) is read once by it; one with a key twice is read again, marked, by ``_parse_marked``.
_DECODER = json.JSONDecoder(object_pairs_hook=_object_once, parse_constant=_no_constant)
_BOM = "\ufeff"


def _parse(raw: bytes, *, what: str, halves_refused: bool = True) -> tuple[Any, bool]:
    """The document, and whether some object in it has a key twice (marked for ``_first_repeated_key``).
    ``halves_refused=False`` leaves a \\u escape naming half of a character to the caller (a batch's items,
    each refused alone)."""
    text = _text(raw, what=what)
    if text.startswith(_BOM):  # json.loads refuses it (as a JSONDecodeError); the decoder alone would not
        return _parse_marked(text, what=what, halves_refused=halves_refused)
    try:
        document = _DECODER.decode(text)
    except _KeyRepeated:
        return _parse_marked(text, what=what, halves_refused=halves_refused)
    except (json.JSONDecodeError, ValueError, RecursionError) as error:
        raise _malformed(error, what=what) from None
    if halves_refused:
        _refuse_lone_surrogates(text, document, what=what)
    return document, False


def _parse_marked(text: str, *, what: str, halves_refused: bool = True) -> tuple[Any, bool]:
    """``_parse`` of ``text`` by ``json.loads``, each object with a key twice marked (``_Repeated``)."""
    repeated: list[_Repeated] = []

    def object_of(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        document = dict(pairs)
        if len(document) == len(pairs):
            return document
        marked = _Repeated(document)
        seen: set[str] = set()
        marked.key = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        repeated.append(marked)
        return marked

    try:
        document = json.loads(text, object_pairs_hook=object_of, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as error:
        raise _malformed(error, what=what) from None
    if halves_refused:
        _refuse_lone_surrogates(text, document, what=what)
    return document, bool(repeated)


def _malformed(error: ValueError | RecursionError, *, what: str) -> Problem:
    reason = (
        f"{error.msg} at line {error.lineno} column {error.colno}"
        if isinstance(error, json.JSONDecodeError)
        else str(error)
    )
    return Problem("malformed-body", f"{what} is not JSON: {reason}.")


def _refuse_lone_surrogates(text: str, document: Any, *, what: str) -> None:
    if _SURROGATE_ESCAPE.search(text) and holds_a_lone_surrogate(document):
        # json.loads keeps "\\ud800" as half a character, which no UTF-8 can carry (pydantic's parser refuses it).
        raise _half_a_character(what)


def _half_a_character(what: str) -> Problem:
    return Problem("malformed-body", f"{what} is not JSON: a \\u escape names half of a character.")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # a surrogate written as an escape; a pair is one character


def holds_a_lone_surrogate(document: Any) -> bool:
    """Whether a key or a string of ``document`` holds half a character (walked without recursion, however deep)."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if any("\ud800" <= character <= "\udfff" for character in node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def validate_document(adapter: TypeAdapter[T], document: Any) -> T:
    """Validate what ``parse_json_document`` read (see the module's docstring for why not in strict mode)."""
    return adapter.validate_python(document, strict=False)


# pydantic words a wrong container type after its Python reading ("a valid tuple", "a valid dictionary or instance
# of Person"); the strict JSON reading says what the sender sent. Answers use the JSON words.
_JSON_WORDS = {
    "tuple_type": "Input should be a valid array",
    "list_type": "Input should be a valid array",
    "model_type": "Input should be an object",
    "model_attributes_type": "Input should be an object",
    "dict_type": "Input should be an object",
}


def message_of(detail: ErrorDetails) -> str:
    """pydantic's message for one error of ``validate_document``, worded as its strict JSON reading words it."""
    return _JSON_WORDS.get(detail["type"], detail["msg"])


def validate_json_body(adapter: TypeAdapter[T], body: bytes, *, tagged_union: bool = False) -> T:
    """Validate one JSON document, answering 400 for broken JSON and 422 for broken fields (a key given
    twice included)."""
    document = parse_json_document(body)
    try:
        return validate_document(adapter, document)
    except ValidationError as error:
        raise Problem(
            "validation-error",
            f"{error.error_count()} field(s) failed validation.",
            errors=field_errors_from_validation(error, tagged_union=tagged_union),
        ) from None


@dataclass(frozen=True, slots=True)
class BodyItem:
    """One event of a batch: where it stood, its JSON text (or why it is refused already), and for an item of a
    JSON array the document already parsed (``NOT_PARSED`` for an NDJSON line, read by its reader)."""

    index: int
    raw: bytes
    refusal: Problem | None = None
    document: Any = NOT_PARSED


def split_batch(body: bytes, media_type: str, *, what: str = "events") -> list[BodyItem]:
    """The items of a JSON array or of NDJSON lines (blank lines skipped, indexes are line numbers).

    NDJSON lines are not read here: one that is not UTF-8 or not JSON refuses itself, not the batch. A JSON
    array is one document, read whole: an item with a key given twice is refused, the others kept."""
    if media_type in NDJSON_TYPES:
        # (each line without a byte order mark of its own: NDJSON files from Windows tools joined end to end)
        lines = enumerate(body.split(b"\n"))
        return [BodyItem(index, line.removeprefix(_UTF8_BOM)) for index, line in lines if line.strip()]
    document, repeated = _parse(body, what="The body", halves_refused=False)
    if not isinstance(document, list):
        if _SURROGATE_ESCAPE_BYTES.search(body) and holds_a_lone_surrogate(document):
            raise _half_a_character("The body")
        raise Problem(
            "malformed-body",
            f"The batch must be a JSON array of {what} (or NDJSON, one per line).",
            errors=[FieldError("#", "must be an array")],
        )
    halves = _SURROGATE_ESCAPE_BYTES.search(body) is not None
    return [_array_item(index, item, repeated, halves) for index, item in enumerate(document)]


_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def _array_item(index: int, item: Any, any_repeated: bool, any_halves: bool) -> BodyItem:
    if any_halves and holds_a_lone_surrogate(item):  # refused alone, as an NDJSON line would be
        return BodyItem(index, b"", _half_a_character(f"Item {index}"), item)
    path = _first_repeated_key(item) if any_repeated else None
    refusal = None if path is None else _repeated_key_refusal((index, *path))
    try:
        raw = to_json(item)
    except PydanticSerializationError:  # nested past what can be written: too deep, certainly
        raw = b"[" * (MAX_NESTING + 1)
    return BodyItem(index, raw, refusal or nesting_refusal(raw, item, (index,)), item)


async def read_batch(
    request: Request, *, limit_bytes: int, limit_items: int, limit_item_bytes: int, what: str
) -> list[BodyItem]:
    """A batch endpoint's items (a JSON array, or NDJSON by its Content-Type), refused whole when the body is
    over ``limit_bytes``, holds more than ``limit_items`` items, or none. An item over ``limit_item_bytes`` (what
    the endpoint for one takes) refuses itself: a batch takes nothing its endpoint for one would refuse."""
    media_type = media_type_of(request)
    ndjson = media_type in NDJSON_TYPES
    body = await read_body(request, limit=limit_bytes, accept=JSON_TYPES | NDJSON_TYPES, whole_utf8=not ndjson)
    items = split_batch(body, media_type, what=what)
    if len(items) > limit_items:
        raise Problem(
            "body-too-large",
            f"The batch holds {len(items)} {what}; at most {limit_items} are taken at once.",
        )
    if not items:
        raise Problem("malformed-body", f"The batch holds no {what}.")
    return [_within(item, limit_item_bytes) for item in items]


def _within(item: BodyItem, limit: int) -> BodyItem:
    """``item``, refused when larger than one record may be (its line as sent; an array item as compact JSON)."""
    if item.refusal is not None or len(item.raw) <= limit:
        return item
    too_large = FieldError(json_pointer([item.index]), f"is {len(item.raw)} bytes; one takes at most {limit} bytes")
    refusal = Problem("validation-error", f"Item {item.index} is too large.", errors=[too_large])
    return BodyItem(item.index, item.raw, refusal, item.document)
