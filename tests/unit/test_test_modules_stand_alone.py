"""Each test module is a specification of its own: no module imports a test module or a ``conftest``.

Fixtures are shared through ``conftest.py`` files (pytest hands them to the tests that name them); helpers
shared by several test modules live in modules that are not test modules (``support.py``, ``samples.py``...).
Checked for every Python file under ``tests/`` and ``bench/``, for ``import`` and ``from ... import`` alike,
relative imports resolved.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _is_test_module(dotted: str) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def _imported(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, module) for each module ``source`` (a module of ``package``) imports, and each name it imports from
    a package (which may be a module itself: ``from tests.e2e import conftest``)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base if node.level else "", node.module or "") if part)
            yield node.lineno, module
            yield from ((node.lineno, f"{module}.{alias.name}") for alias in node.names)


def _violations(path: Path) -> list[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    where = path.relative_to(ROOT)
    return [
        f"{where}:{line} imports {module}"
        for line, module in _imported(path.read_text(), package)
        if _is_test_module(module)
    ]


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    paths = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])

    assert [violation for path in paths for violation in _violations(path)] == []


def test_the_check_sees_every_way_of_importing_one() -> None:
    """The forms a regression would take, each caught (so the check cannot pass by seeing nothing)."""
    source = (
        "from tests.integration.notifier.conftest import Streams\n"
        "from tests.integration.notifier.test_reviews import Desk\n"
        "from tests.e2e import conftest\n"
        "import tests.integration.notifier.test_webhooks\n"
        "from .test_emails import Office\n"
        "from tests.integration.notifier.support import Streams as Fine\n"
    )

    found = [module for _, module in _imported(source, "tests.integration.notifier") if _is_test_module(module)]

    assert found == [
        "tests.integration.notifier.conftest",
        "tests.integration.notifier.test_reviews",
        "tests.e2e.conftest",
        "tests.integration.notifier.test_webhooks",
        "tests.integration.notifier.test_emails",
    ]
