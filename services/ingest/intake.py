"""Reading a record about a person (a custody event, a detainer) as real feeds write it.

Required fields are the contract's: one that is missing or unreadable refuses the record (422). Coded fields
written in a common form (``Male``, ``Felony``, ``Bail Posted``, ``04/17/1990``) are read into the contract's
first (``ingest.common_forms``). An optional field (the person's, or a charge's NCIC code) never costs the
record: identifiers written in a common form are read into their canonical one by the contract's types
(``contracts.identifiers``), a placeholder for "none" reads as absent, and a value still unreadable is dropped,
reported as a warning (pointer and reason, never the value), and left out of matching. A field a custody event or
a person does not have (a vendor's own, a misspelt one) is dropped the same way, with a warning naming it; a
detainer's own stray field refuses it. What the sender wrote for each of the
person's fields rewritten or dropped is kept in the person's ``as_sent``: in the record, never in a log or
a metric label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from prometheus_client import Counter
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from contracts import Person
from ingest.body import NOT_PARSED, message_of, parse_json_document, validate_document
from ingest.common_forms import read_common_forms
from ingest.problems import FieldError, Problem, field_errors_from_details, json_pointer

__all__ = ["FIELDS_READ", "FieldWarning", "Reading", "read_person_record", "warnings_of"]

FIELDS_READ = Counter(
    "releasewatch_ingest_optional_fields_total",
    "Fields intake rewrote or dropped, by field and outcome (normalised: a written form read into the "
    "contract's, such as a person's sex, a charge's severity, an identifier; placeholder: a value meaning none, "
    "dropped silently; dropped: unreadable, warned; not_a_field: a field the record has not, dropped, warned).",
    ["field", "outcome"],
)

# Optional fields of a person that a record is accepted without.
_OPTIONAL_PERSON_FIELDS = frozenset({"middle_name", "place_of_birth", "fbi_number", "state_id", "a_number"})
_OPTIONAL_ALIAS_FIELDS = frozenset({"middle_name", "date_of_birth"})
_OPTIONAL_CHARGE_FIELDS = frozenset({"ncic_code"})
_NORMALISED_FIELDS = ("a_number", "fbi_number", "state_id", "place_of_birth", "middle_name")

Path = tuple[str | int, ...]


class FieldWarning(BaseModel):
    """An optional field that could not be read: dropped, and the record accepted without it."""

    pointer: str = Field(description="JSON pointer to the field as sent.", examples=["#/person/a_number"])
    detail: str = Field(description="Why it could not be read (never the value).")


def warnings_of(found: Sequence[FieldError]) -> list[FieldWarning] | None:
    """The answer's ``warnings``: absent when there are none."""
    return [FieldWarning(pointer=warning.pointer, detail=warning.detail) for warning in found] or None


T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Reading(Generic[T]):
    """A record as read: the value, the optional fields dropped as unreadable and the fields it holds that the
    record has not (path, reason), and values read otherwise than as sent (path, what was done)."""

    value: T
    dropped: list[tuple[Path, str]] = field(default_factory=list)
    read_as: list[tuple[Path, str]] = field(default_factory=list)

    def warnings(self, prefix: Sequence[str | int] = ()) -> list[FieldError]:
        found = [(path, f"dropped, not read: {reason}") for path, reason in self.dropped]
        found += self.read_as
        found.sort(key=lambda item: [str(part) for part in item[0]])
        return [FieldError(json_pointer([*prefix, *path]), detail) for path, detail in found]


def _droppable(path: Path, error_type: str = "", *, custody_event: bool = False) -> Path | None:
    """The optional part of a person (or of a charge) to drop for an error at ``path`` (from the record's root), if
    any; or a field the record has not (``extra_forbidden``): anywhere in a custody event, within a detainer's person.
    (A field office sending a detainer's ``status`` or ``lifted_at`` means something by it: that refuses it.)"""
    if error_type == "extra_forbidden" and path and (custody_event or path[0] == "person"):
        return path
    if len(path) >= 3 and path[0] == "charges" and isinstance(path[1], int) and path[2] in _OPTIONAL_CHARGE_FIELDS:
        return path[:3]
    if len(path) < 2 or path[0] != "person":
        return None
    if path[1] in _OPTIONAL_PERSON_FIELDS:
        return path[:2]
    if path[1] == "aliases" and len(path) == 2:
        return path  # not a list of at most 20: none of them is read
    if path[1] == "aliases" and len(path) >= 3 and isinstance(path[2], int):
        if len(path) >= 4 and path[3] in _OPTIONAL_ALIAS_FIELDS:
            return path[:4]
        return path[:3]  # an alias that cannot be read is dropped whole: aliases are optional
    return None


def _error_location(detail: ErrorDetails, *, tagged_union: bool) -> Path:
    location = tuple(detail["loc"])
    if tagged_union and location and isinstance(location[0], str):
        location = location[1:]  # the union member's tag is not in the body
    return location


def _drop(document: dict[str, Any], paths: set[Path]) -> dict[str, Any]:
    """``document`` without the parts at ``paths`` (list items removed last to first)."""
    for path in sorted(paths, key=lambda p: [str(part).zfill(12) for part in p], reverse=True):
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if isinstance(parent, list) and isinstance(last, int):
            del parent[last]
        elif isinstance(parent, dict):
            parent.pop(last, None)
    return document


def _as_json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return value


def _rewritten(sent: dict[str, Any], read: Person, dropped: set[Path]) -> dict[str, Any]:
    """What was sent for each optional field the reading rewrote or dropped, by pointer within the person."""
    as_sent: dict[str, Any] = {}
    for name in _NORMALISED_FIELDS:
        if sent.get(name) is None:
            continue
        kept = getattr(read, name)
        if ("person", name) in dropped:
            outcome = "dropped"
        elif kept is None:
            outcome = "placeholder"
        elif _as_json(kept) != sent[name]:
            outcome = "normalised"
        else:
            continue
        FIELDS_READ.labels(field=name, outcome=outcome).inc()
        as_sent[f"/{name}"] = sent[name]
    aliases = sent.get("aliases")
    if ("person", "aliases") in dropped:
        FIELDS_READ.labels(field="aliases", outcome="dropped").inc()
        as_sent["/aliases"] = aliases
    elif isinstance(aliases, list):
        for index, alias in enumerate(aliases):
            if ("person", "aliases", index) in dropped:
                FIELDS_READ.labels(field="alias", outcome="dropped").inc()
                as_sent[f"/aliases/{index}"] = alias
                continue
            for name in _OPTIONAL_ALIAS_FIELDS:
                if ("person", "aliases", index, name) in dropped and isinstance(alias, dict):
                    FIELDS_READ.labels(field=f"alias_{name}", outcome="dropped").inc()
                    as_sent[f"/aliases/{index}/{name}"] = alias.get(name)
    return as_sent


def read_person_record(
    adapter: TypeAdapter[T],
    raw: bytes,
    *,
    tagged_union: bool = False,
    what: str = "The body",
    prefix: Path = (),
    document: Any = NOT_PARSED,
) -> Reading[T]:
    """Read one record: 400 when it is not UTF-8 JSON, 422 when a required field (or a key given twice)
    cannot be read; otherwise the record, its unreadable optional fields dropped and named. ``raw`` is parsed
    once, unless ``document`` is the record parsed already (an item of a JSON array)."""
    if document is NOT_PARSED:
        document = parse_json_document(raw, what=what, prefix=prefix)
    forms = read_common_forms(document, custody_event=tagged_union)
    for name in forms.rewritten:
        FIELDS_READ.labels(field=name, outcome="normalised").inc()
    dropped: set[Path] = set()
    reasons: list[tuple[Path, str]] = []
    try:
        value = validate_document(adapter, document)
    except ValidationError as error:
        details = error.errors(include_input=False, include_url=False)

        def droppable(detail: ErrorDetails) -> Path | None:
            location = _error_location(detail, tagged_union=tagged_union)
            return _droppable(location, detail["type"], custody_event=tagged_union)

        fatal = [detail for detail in details if droppable(detail) is None]
        if fatal or not isinstance(document, dict):
            raise _refusal(fatal or details, prefix=prefix, tagged_union=tagged_union) from None
        for detail in details:
            path = droppable(detail)
            if path is not None and path not in dropped:
                dropped.add(path)
                reasons.append((path, _reason(detail)))
                if detail["type"] == "extra_forbidden":  # counted, never named: the sender chose the name
                    FIELDS_READ.labels(field="not_a_field", outcome="dropped").inc()
        try:
            value = validate_document(adapter, _drop(_deep_copy(document), dropped))
        except ValidationError as still:
            raise _refusal(
                still.errors(include_input=False, include_url=False), prefix=prefix, tagged_union=tagged_union
            ) from None
    value = _with_as_sent(value, document, dropped)
    return Reading(value, sorted(reasons, key=lambda item: [str(part) for part in item[0]]), forms.warnings)


def _reason(detail: ErrorDetails) -> str:
    if detail["type"] == "extra_forbidden":
        return "is not a field of this object"
    return message_of(detail).removeprefix("Value error, ")


def _deep_copy(document: Any) -> Any:
    if isinstance(document, dict):
        return {key: _deep_copy(child) for key, child in document.items()}
    if isinstance(document, list):
        return [_deep_copy(child) for child in document]
    return document


def _with_as_sent(value: T, document: Any, dropped: set[Path]) -> T:
    for path in dropped:
        if len(path) == 3 and path[0] == "charges" and path[-1] in _OPTIONAL_CHARGE_FIELDS:
            FIELDS_READ.labels(field=f"charge_{path[-1]}", outcome="dropped").inc()
    person = getattr(value, "person", None)
    sent = document.get("person") if isinstance(document, dict) else None
    if not isinstance(person, Person) or not isinstance(sent, dict):
        return value
    as_sent = _rewritten(sent, person, dropped) or None
    if as_sent == person.as_sent:
        return value
    return value.model_copy(update={"person": person.model_copy(update={"as_sent": as_sent})})


def _refusal(details: Sequence[ErrorDetails], *, prefix: Path, tagged_union: bool) -> Problem:
    return Problem(
        "validation-error",
        f"{len(details)} field(s) failed validation.",
        errors=field_errors_from_details(details, prefix=prefix, tagged_union=tagged_union),
    )
