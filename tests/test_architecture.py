"""The direction of imports: core <- handoff <- bot, channels never on handoff.

Imports are read with `ast` (all of them, also inside functions and under
TYPE_CHECKING), so a cycle cannot hide in a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scripts.architecture_figures import cycles, package_graph

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def modules_under(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_no_import_cycle_between_top_level_packages() -> None:
    assert cycles(package_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("core", ("bot", "handoff", "actions")),
        ("handoff", ("bot", "actions")),
        ("bot/channels", ("handoff",)),
    ],
)
def test_imports_point_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules_under(folder)
        for name in imports_of(path)
        if name.split(".")[0] in forbidden
    ]
    assert wrong == []


def test_the_core_uses_only_the_standard_library() -> None:
    allowed_third_party = {"ruamel"}  # YAML with line numbers, for config errors
    outside = {
        name.split(".")[0]
        for path in modules_under("core")
        for name in imports_of(path)
        if name.split(".")[0] not in {"core", "__future__"}
    }
    import sys

    assert {n for n in outside if n not in sys.stdlib_module_names} <= allowed_third_party
