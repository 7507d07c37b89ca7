"""Write ``given_names_en.json`` from the ``nicknames`` package (Apache-2.0), folded like the matcher folds.

Run: ``.venv/bin/python -m bench.match.build_nicknames`` (the ``bench`` dependency group has the package).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import cast

from notifier.matching.normalise import fold

TARGET = Path(__file__).resolve().parents[2] / "services/notifier/matching/data/given_names_en.json"


def build() -> dict[str, object]:
    table = files("nicknames") / "names.csv"
    short_forms: defaultdict[str, set[str]] = defaultdict(set)
    with table.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["relationship"] != "has_nickname":
                continue
            formal, short = fold(row["name1"]), fold(row["name2"])
            if formal and short and formal != short and " " not in formal + short:
                short_forms[formal].add(short)
    return {
        "description": "English given names and their nicknames, folded to upper-case ASCII. "
        "Each key is a formal name; each value lists nicknames a booking may carry instead.",
        "source": f"nicknames {version('nicknames')} (PyPI), names.csv of github.com/carltonnorthern/nicknames",
        "license": "Apache-2.0 (the source data)",
        "short_forms": {formal: sorted(shorts) for formal, shorts in sorted(short_forms.items())},
    }


def render(table: dict[str, object]) -> str:
    """JSON with one formal name a line, so a refresh reads as a short diff."""
    head = [f" {json.dumps(key)}: {json.dumps(table[key])}," for key in ("description", "source", "license")]
    forms = cast(dict[str, list[str]], table["short_forms"])
    body = ",\n".join(f"  {json.dumps(formal)}: {json.dumps(shorts)}" for formal, shorts in forms.items())
    return "\n".join(["{", *head, ' "short_forms": {', body, " }", "}"]) + "\n"


def main() -> None:
    TARGET.write_text(render(build()), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
