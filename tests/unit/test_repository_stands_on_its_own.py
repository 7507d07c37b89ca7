"""The repository stands on its own: nothing in it cites a document or a work item it does not contain.

A reader of the code, the tests or the documentation has this repository and nothing else. Checked in every
text file of the repository (not the lock file, not generated reports):

- a Markdown document, by its file name, that no file of the repository is called;
- notes kept outside the repository, by their name;
- a work item by number (an issue, a ticket or a pull request and its number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {
    ".git",
    ".venv",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "var",
    "node_modules",
}
SKIPPED_FILES = {"uv.lock"}
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".toml",
    ".yml",
    ".yaml",
    ".json",
    ".lua",
    ".js",
    ".css",
    ".html",
    ".txt",
    ".cfg",
    ".ini",
}
TEXT_NAMES = {"Makefile", "Dockerfile", ".env.example", ".dockerignore", ".gitignore", "run"}

_MARKDOWN = re.compile(r"\b([\w.-]+\.md)\b")
_NOTES = re.compile(r"field[ _-]notes", re.IGNORECASE)
_WORK_ITEM = re.compile(r"\b(issue|ticket|pull request)\s*#?\s*\d+", re.IGNORECASE)


def _text_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRECTORIES for part in relative.parts) or not path.is_file():
            continue
        if path.name in SKIPPED_FILES:
            continue
        if path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES:
            yield path


def citations(text: str, documents: set[str]) -> list[str]:
    """What ``text`` cites that the repository does not hold (``documents``: the names of its files)."""
    found = [name for name in _MARKDOWN.findall(text) if name not in documents]
    found += [match.group(0) for match in _NOTES.finditer(text)]
    found += [match.group(0) for match in _WORK_ITEM.finditer(text)]
    return found


def test_no_file_cites_a_document_or_a_work_item_the_repository_does_not_contain() -> None:
    files = list(_text_files())
    documents = {path.name for path in ROOT.rglob("*.md") if ".venv" not in path.parts}

    found = [
        f"{path.relative_to(ROOT)}: {cited}"
        for path in files
        for cited in citations(path.read_text(errors="replace"), documents)
    ]

    assert found == []


def test_the_check_sees_each_kind_of_citation() -> None:
    # Put together here, so that this file itself cites nothing.
    handbook, memo, notes = "HANDBOOK" + ".md", "MEMO" + ".md", "FIELD" + "-NOTES"
    issue, numbered, ticket = "issue" + " 41", "issue" + " #12", "ticket" + " 7"
    text = (
        f"See README.md and docs/architecture.md. {handbook} is the contract; {memo} sets the order;\n"
        f"measured in {notes}; {issue}'s rule and {numbered}; a {ticket}. Issued 3 times, re-issued: fine.\n"
    )

    assert citations(text, {"README.md", "architecture.md"}) == [handbook, memo, notes, issue, numbered, ticket]
