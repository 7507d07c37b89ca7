"""Nickname and short-form tables for English and Spanish given names (data files beside this module)."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from importlib.resources import files

__all__ = ["formal_names"]

_TABLES = ("given_names_en.json", "given_names_es.json")


@cache
def _formal_names_by_short_form() -> dict[str, frozenset[str]]:
    formals: defaultdict[str, set[str]] = defaultdict(set)
    data = files(__package__) / "data"
    for name in _TABLES:
        table = json.loads((data / name).read_text(encoding="utf-8"))
        for formal, shorts in table["short_forms"].items():
            for short in shorts:
                formals[short].add(formal)
        for first, second in table.get("equivalents", {}).get("pairs", []):
            # Equivalent names stand for each other: each is the other's "formal" name.
            formals[first].add(second)
            formals[second].add(first)
    return {short: frozenset(names) for short, names in formals.items()}


def formal_names(token: str) -> frozenset[str]:
    """The formal names a folded given-name token may stand for (PEPE: JOSE); empty if none."""
    return _formal_names_by_short_form().get(token, frozenset())
