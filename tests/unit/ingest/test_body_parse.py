"""Reading one JSON document: what every document reads as, and how each way of being unreadable is answered,
whichever way the parse finds it (a key twice, then broken JSON further on, is broken JSON)."""

from __future__ import annotations

import pytest

from ingest.body import parse_json_document
from ingest.problems import Problem


def _refusal(raw: bytes) -> tuple[str, str, list[str]]:
    with pytest.raises(Problem) as refused:
        parse_json_document(raw, what="Item 7", prefix=(7,))
    problem = refused.value
    return problem.type.slug, problem.detail, [error.pointer for error in problem.errors or ()]


def test_a_document_reads_as_its_values() -> None:
    raw = b'{"a": {"b": [1, {"c": "\\u00e9\\ud83d\\ude00"}]}, "d": null}'
    assert parse_json_document(raw) == {"a": {"b": [1, {"c": "é😀"}]}, "d": None}


@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        (
            b'{"a": 1, "person": {"aliases": [{"x": 1, "x": 2}]}, "b": {"y": 1, "y": 1}}',
            ("validation-error", "A key appears twice in one object.", ["#/7/person/aliases/0/x"]),
        ),
        (
            b'{"a": 1, "a": 2',
            ("malformed-body", "Item 7 is not JSON: Expecting ',' delimiter at line 1 column 16.", []),
        ),
        (b'{"a": 1, "a": NaN}', ("malformed-body", "Item 7 is not JSON: NaN is not a JSON value.", [])),
        (
            b'{"a": {"b": 1, "b": 2}, "c": "\\ud800"}',
            ("malformed-body", "Item 7 is not JSON: a \\u escape names half of a character.", []),
        ),
        (b'{"c": "\\udc00"}', ("malformed-body", "Item 7 is not JSON: a \\u escape names half of a character.", [])),
        (
            b'\xef\xbb\xbf{"a": 1}',
            (
                "malformed-body",
                "Item 7 is not JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at line 1 column 1.",
                [],
            ),
        ),
        (b'{"a": 1} {"b": 2}', ("malformed-body", "Item 7 is not JSON: Extra data at line 1 column 10.", [])),
        (b'{"a": Infinity}', ("malformed-body", "Item 7 is not JSON: Infinity is not a JSON value.", [])),
    ],
)
def test_an_unreadable_document_is_answered_for_what_is_wrong_with_it(
    raw: bytes, answer: tuple[str, str, list[str]]
) -> None:
    assert _refusal(raw) == answer
