"""Reading a policy file: YAML in, a validated ``PolicyFile`` out, or every problem with its line and reason.

A service calls ``load_policy_file`` at start and again on SIGHUP: a file with
any problem is refused whole (the policies in force stay in force), so a typo
can never quietly share what a jurisdiction withholds. The file's digest goes
to the audit trail, so what was in force when can be proved.

YAML is read into plain values with the line of every key kept. Two YAML
habits that would otherwise bite a policy are neutralised: a key given twice
(which YAML silently resolves to the last) is refused, and numbers stay text as
written (``ncic_code: [0131]`` is the code 0131, not the octal number 89).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from contracts.policies import PolicyFile

__all__ = ["LoadedPolicies", "PolicyFileError", "PolicyProblem", "load_policy_file", "read_policy_text"]

_MAX_NODES = 100_000  # a policy file has hundreds; an alias bomb has billions

DataPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong with a policy file: where (line, and the path of keys) and why."""

    line: int | None  # 1-based; None when the file could not be read far enough to tell
    where: str  # e.g. policies[0] (CA0194200).share.release.when
    reason: str

    def __str__(self) -> str:
        at = f"line {self.line}: " if self.line is not None else ""
        return f"{at}{self.where}: {self.reason}" if self.where else f"{at}{self.reason}"


class PolicyFileError(Exception):
    """A policy file that cannot be used, with every problem found (each naming its line)."""

    def __init__(self, source: str, problems: Sequence[PolicyProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(self.describe())

    def describe(self) -> str:
        count = len(self.problems)
        lines = [f"{self.source}: {count} problem{'s' if count != 1 else ''}, the policy file is refused"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class LoadedPolicies:
    """A policy file as read: the policies, and the file's digest (``sha256:`` and hex) for the audit trail."""

    policies: PolicyFile
    digest: str
    source: str


def digest_of(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def load_policy_file(path: Path) -> LoadedPolicies:
    """Read and check the file at ``path``; ``PolicyFileError`` (every problem, with lines) if it cannot be used."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PolicyFileError(str(path), [PolicyProblem(None, "", f"cannot be read: {error.strerror}")]) from None
    return read_policy_text(content, source=str(path))


def read_policy_text(content: bytes, *, source: str = "<policies>") -> LoadedPolicies:
    """Read and check a policy file's content (pure: no I/O)."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PolicyFileError(source, [PolicyProblem(None, "", f"is not UTF-8 (byte {error.start})")]) from None
    document, lines, problems = _read_yaml(text, source)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise PolicyFileError(source, [PolicyProblem(1, "", "must be a mapping whose one key is policies:")])
    try:
        policies = PolicyFile.model_validate(document)
    except ValidationError as error:
        problems += [_problem(detail, document, lines) for detail in error.errors(include_input=False)]
    if problems:
        raise PolicyFileError(source, sorted(problems, key=lambda p: (p.line or 0, p.where)))
    return LoadedPolicies(policies, digest_of(content), source)


# --- YAML with lines -------------------------------------------------------------------------------------------


class _Reader:
    """Turns a composed YAML node tree into plain values, keeping each key's line by its data path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[DataPath, int] = {}
        self.problems: list[tuple[int, DataPath, str]] = []  # line, where, why: told once the document is read
        self._nodes = 0
        self._bools = yaml.SafeLoader("")  # only its scalar constructors are used

    def value(self, node: yaml.Node, path: DataPath, open_nodes: frozenset[int]) -> Any:
        self._nodes += 1
        if self._nodes > _MAX_NODES:
            raise PolicyFileError(self.source, [PolicyProblem(_line(node), _where(path), "is far too large")])
        if id(node) in open_nodes:
            raise PolicyFileError(self.source, [PolicyProblem(_line(node), _where(path), "refers to itself")])
        self.lines.setdefault(path, _line(node))
        inside = open_nodes | {id(node)}
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, inside)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, index), inside) for index, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag == "tag:yaml.org,2002:bool":
            return self._bools.construct_yaml_bool(node)
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return str(node.value)  # numbers and dates stay as written: no policy value is a number

    def _mapping(self, node: yaml.MappingNode, path: DataPath, inside: frozenset[int]) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append((_line(key_node), path, "a key must be a plain word"))
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in mapping:
                first = self.lines.get(child)
                self.problems.append((_line(key_node), child, f"is given twice (first on line {first})"))
                continue
            self.lines[child] = _line(key_node)  # a problem with the value points at its key's line
            mapping[key] = self.value(value_node, child, inside)
        return mapping


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _read_yaml(text: str, source: str) -> tuple[Any, dict[DataPath, int], list[PolicyProblem]]:
    """The document as plain values, each key's line, and what is wrong with the YAML itself (a key given
    twice: the second is left out, so the rest can still be checked and every problem told at once)."""
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        reason = f"is not valid YAML: {error.problem or error.context}"
        raise PolicyFileError(source, [PolicyProblem(line, "", reason)]) from None
    except yaml.YAMLError as error:
        raise PolicyFileError(source, [PolicyProblem(None, "", f"is not valid YAML: {error}")]) from None
    if len(documents) > 1:
        raise PolicyFileError(source, [PolicyProblem(None, "", "holds several YAML documents (---): keep one")])
    if not documents or documents[0] is None:
        return None, {}, []
    reader = _Reader(source)
    document = reader.value(documents[0], (), frozenset())
    problems = [PolicyProblem(line, _where(path, document), why) for line, path, why in reader.problems]
    return document, reader.lines, problems


# --- pydantic's errors, told by line ------------------------------------------------------------------------------


def _walk(document: Any, location: Sequence[str | int]) -> Iterator[str | int]:
    """The part of ``location`` that names data in ``document`` (pydantic adds the names of union members and
    validators, which are not in the file)."""
    current = document
    for part in location:
        if not _has(current, part):
            continue
        current = _child(current, part)
        yield part


def _has(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return isinstance(part, str) and part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _child(data: Any, part: str | int) -> Any:
    if isinstance(data, dict) and isinstance(part, str):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _where(path: DataPath, document: Any = None) -> str:
    """``policies[0] (CA0194200).share.release``: the keys leading to a value, the policy named by its
    jurisdiction."""
    text = ""
    current = document
    for depth, part in enumerate(path):
        current = _child(current, part)
        if isinstance(part, int):
            text += f"[{part}]"
            jurisdiction = current.get("jurisdiction") if isinstance(current, dict) else None
            if depth == 1 and path[0] == "policies" and isinstance(jurisdiction, str):
                text += f" ({jurisdiction})"
        else:
            text += f".{part}" if text else part
    return text


def _problem(detail: ErrorDetails, document: Any, lines: dict[DataPath, int]) -> PolicyProblem:
    location = list(detail["loc"])
    path: DataPath = tuple(_walk(document, location))
    line = lines.get(path)
    while line is None and path:
        path = path[:-1]
        line = lines.get(path)
    reason = detail["msg"].removeprefix("Value error, ")
    named = [part for part in location if isinstance(part, str | int)]
    if detail["type"] == "missing":
        missing = named[-1]
        return PolicyProblem(line, _where(path, document), f"{missing} is missing{_missing_hint(str(missing))}")
    if detail["type"] == "jurisdiction_repeated":  # told at the second policy, where the repeat is
        second: DataPath = ("policies", int(detail.get("ctx", {})["second"]), "jurisdiction")
        return PolicyProblem(lines.get(second, line), _where(second, document), reason)
    if detail["type"] == "extra_forbidden":
        unknown = named[-1]
        parent = path[:-1] if path and path[-1] == unknown else path
        return PolicyProblem(line, _where(parent, document), f"{unknown} is not a key a policy has here (a typo?)")
    return PolicyProblem(line, _where(path, document), reason)


_MISSING_HINTS = {
    "booking": "say whether in-custody notices are shared",
    "release_scheduled": "say whether release schedules are shared",
    "release": "say whether releases are shared",
    "transfer": "say whether transfers are shared",
    "share": "say for booking, release_scheduled, release and transfer whether each is shared",
    "jurisdiction": "name the state (CA), county ORI prefix (CA019) or facility ORI (CA0194200) it covers",
    "name": "give the policy's name as the jurisdiction knows it",
}


def _missing_hint(key: str) -> str:
    hint = _MISSING_HINTS.get(key)
    if hint is None:
        return ""
    if key in {"booking", "release_scheduled", "release", "transfer"}:
        return f": {hint} (true, false or when: {{...}})"
    return f": {hint}"
