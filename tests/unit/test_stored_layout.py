"""What is stored in Redis is named in two places only: ``contracts`` names it, ``store`` reads and writes it.

Outside ``services/contracts/`` and ``services/store/``, no Python module of the services (docstrings aside,
which may describe the layout):

- spells a **key**: a string literal holding a fragment of a key name, i.e. the constant text ``RedisNames``
  puts around the arguments of one of its keys (``{alerts}:alert:``, ``:feed-entries``...), or text starting
  with the default prefix ``rw:``;
- asks ``RedisNames`` for a **key other than a stream**: an attribute of ``RedisNames`` other than the streams,
  ``prefix`` and ``scan_pattern``, read from a value named ``names`` (every module holds it under that name).
  Streams are public: FastStream subscribes to them and the AsyncAPI document lists them;
- names a **stored field**: a bytes literal equal to a field of ``contracts.stored_fields``, or starting with
  the ``review:`` prefix (raw Redis replies are read with bytes keys); a string literal equal to such a field,
  unless it is also a JSON property of a model the services define (``type``, ``event_id``, ``stream_id``...
  are both); a string literal holding ``__data__``;
- reads or writes a **hash**, or appends to a **stream**: a call of ``hget``, ``hset``, ``hmget``... or ``xadd``;
- runs a **script**: ``register_script``, ``eval``, ``evalsha``, ``script_load``, ``fcall``, Lua source
  (``redis.call(``) or a ``.lua`` file name in a literal; the registry the store finds its scripts through
  (``runtime/scripts.py``) names none. And every ``.lua`` file lives in ``services/store/``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

import contracts
from contracts import RedisNames
from contracts.stored_fields import (
    REVIEW_FIELD_PREFIX,
    AuditField,
    BookingField,
    EntryField,
    FeedField,
    ReceiptField,
    RosterReportField,
)
from store.scripts import SCRIPTS

SERVICES = Path(__file__).resolve().parents[2] / "services"
OWNERS = {"contracts", "store"}  # the packages that name and use the stored layout
SCRIPT_REGISTRY = Path("runtime/scripts.py")  # registers what the store asks for, by name

STREAMS = {"custody_events", "detainer_changes", "alerts_raised", "alert_reviews", "dead_letters", "audit_trail"}
NAMES_ALLOWED = STREAMS | {"prefix", "scan_pattern"}
HASH_AND_STREAM_WRITES = {
    "hget", "hset", "hmget", "hgetall", "hsetnx", "hdel", "hexists", "hincrby", "hlen", "hkeys", "hvals", "hscan",
    "xadd",
}  # fmt: skip
SCRIPT_CALLS = {"register_script", "eval", "evalsha", "script_load", "fcall", "fcall_ro"}
SENTINEL = "\x00"


def _key_fragments() -> set[str]:
    """The constant text around the arguments of every key ``RedisNames`` makes (at least four characters)."""
    names = RedisNames()
    fragments: set[str] = set()
    for attribute, member in inspect.getmembers(RedisNames):
        if attribute.startswith("_") or attribute in {"prefix", "scan_pattern"}:
            continue
        made: list[str] = []
        if isinstance(member, property):
            made.append(getattr(names, attribute))
        elif callable(member):
            parameters = list(inspect.signature(member).parameters.values())[1:]
            made.append(member(names, **{p.name: SENTINEL for p in parameters}))
            optional = {p.name: None for p in parameters if p.default is None}
            if optional:
                made.append(member(names, **{p.name: SENTINEL for p in parameters} | optional))
        for key in made:
            for name in [key] if isinstance(key, str) else key:
                text = name.removeprefix(f"{names.prefix}:")
                fragments |= {part for part in text.split(SENTINEL) if len(part) >= 4}
    return fragments


def _stored_fields() -> set[str]:
    fields: set[str] = set()
    for family in (EntryField, AuditField, BookingField, ReceiptField, FeedField, RosterReportField):
        fields |= {field.value for field in family}
    return fields


def _model_properties() -> set[str]:
    """Every property of the models the services define (wire messages, API answers, settings): a literal equal
    to one may mean the property, not the stored field."""
    properties: set[str] = set()
    for package in (contracts, *(importlib.import_module(name) for name in ("ingest", "notifier", "store"))):
        for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module_info.name.endswith("__main__"):
                continue
            module = importlib.import_module(module_info.name)
            for _, member in inspect.getmembers(module, inspect.isclass):
                if issubclass(member, BaseModel):
                    properties |= set(member.model_fields)
    return properties


def _service_modules() -> Iterator[Path]:
    for path in sorted(SERVICES.rglob("*.py")):
        if path.relative_to(SERVICES).parts[0] not in OWNERS:
            yield path


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string constants that are docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _violations(path: Path, fragments: set[str], fields: set[str], wire: set[str]) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = _docstrings(tree)
    where = path.relative_to(SERVICES.parent) if path.is_relative_to(SERVICES.parent) else path.name
    registry = path == SERVICES / SCRIPT_REGISTRY
    for node in ast.walk(tree):
        at = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            value = node.value
            if isinstance(value, bytes):
                text = value.decode("utf-8", "replace")
                if text in fields or text.startswith(REVIEW_FIELD_PREFIX):
                    yield f"{at}: the stored field {value!r}"
            elif isinstance(value, str):
                if value in fields - wire or EntryField.DATA in value:
                    yield f"{at}: the stored field in {value!r}"
                if any(fragment in value for fragment in fragments) or value.startswith("rw:"):
                    yield f"{at}: a key name in {value!r}"
                if ("redis.call(" in value or value.endswith(".lua")) and not registry:
                    yield f"{at}: a Lua script in {value!r}"
        elif isinstance(node, ast.Attribute):
            receiver = node.value
            named = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
            if (
                named.lstrip("_").endswith("names")
                and hasattr(RedisNames, node.attr)
                and node.attr not in NAMES_ALLOWED
            ):
                yield f"{at}: the key names.{node.attr}"
            if node.attr in HASH_AND_STREAM_WRITES:
                yield f"{at}: the Redis command {node.attr}"
            if node.attr in SCRIPT_CALLS and not registry:
                yield f"{at}: a script call ({node.attr})"


def test_no_key_field_or_script_is_named_outside_contracts_and_the_store() -> None:
    fragments, fields, wire = _key_fragments(), _stored_fields(), _model_properties()
    found = [violation for path in _service_modules() for violation in _violations(path, fragments, fields, wire)]

    assert found == []


def test_every_lua_script_lives_in_the_store() -> None:
    scripts = [path.relative_to(SERVICES).as_posix() for path in SERVICES.rglob("*.lua")]

    assert scripts
    assert [script for script in scripts if not script.startswith("store/")] == []


def test_the_architecture_document_lists_every_key_and_every_script() -> None:
    """Its table of what Redis holds names each key (in its simplest form) and each script."""
    document = (SERVICES.parent / "docs" / "architecture.md").read_text()
    names = RedisNames()
    missing: list[str] = []
    for attribute, member in inspect.getmembers(RedisNames):
        if attribute.startswith("_") or attribute in {"prefix", "scan_pattern", "listings"}:
            continue
        if isinstance(member, property):
            key = getattr(names, attribute)
        else:
            parameters = list(inspect.signature(member).parameters.values())[1:]
            key = member(names, **{p.name: None if p.default is None else SENTINEL for p in parameters})
        text = key.removeprefix(f"{names.prefix}:")
        missing += [f"{attribute}: {part}" for part in text.split(SENTINEL) if len(part) >= 4 and part not in document]
    missing += [f"{name}.lua" for name in SCRIPTS.names() if f"`{name}.lua`" not in document]

    assert missing == []


def test_the_check_sees_each_kind_of_naming_it_forbids(tmp_path: Path) -> None:
    """The rules above, each caught once (so the check cannot pass by seeing nothing)."""
    module = tmp_path / "module.py"
    module.write_text(
        '"""A docstring may say rw:{alerts}:raised and __data__."""\n'
        'key = f"{prefix}:{{alerts}}:alert:{alert_id}"\n'
        "listing = names.alert_listing(field_office=office)\n"
        "stream = names.alerts_raised\n"
        'data = fields.get(b"__data__")\n'
        'hold = fields[b"hold_decision"]\n'
        'kind = message["type"]\n'
        'review = fields.get(b"review:LOS/D1")\n'
        "await client.hset(key, 'x', 1)\n"
        "script = client.register_script(SOURCE)\n"
        "source = \"return redis.call('GET', KEYS[1])\"\n"
    )
    fragments, fields, wire = _key_fragments(), _stored_fields(), _model_properties()

    found = [line.split(": ", 1)[1] for line in _violations(module, fragments, fields, wire)]

    assert sorted(found) == sorted(
        [
            "a key name in ':{alerts}:alert:'",
            "the key names.alert_listing",
            "the stored field b'__data__'",
            "the stored field b'hold_decision'",
            "the stored field b'review:LOS/D1'",
            "the Redis command hset",
            "a script call (register_script)",
            "a Lua script in \"return redis.call('GET', KEYS[1])\"",
        ]
    )
