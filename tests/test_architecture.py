"""The direction of imports: core <- handoff <- bot, channels never on handoff; and no
module over 400 lines, no class over 15 public methods (issue 13's figures).

Imports are read with `ast` (all of them, also inside functions and under
TYPE_CHECKING), so a cycle cannot hide in a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scripts.architecture_figures import (
    MAX_LINES,
    MAX_PUBLIC_METHODS,
    cycles,
    long_modules,
    package_graph,
    wide_classes,
)

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


def test_no_module_is_over_the_line_limit() -> None:
    assert long_modules() == []


def test_no_class_has_more_public_methods_than_the_limit() -> None:
    assert wide_classes() == []


def test_the_size_checks_find_a_long_module_and_a_wide_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scripts.architecture_figures as figures

    package = tmp_path / "bot"
    package.mkdir()
    methods = "".join(f"    def m{n}(self) -> None: ...\n" for n in range(MAX_PUBLIC_METHODS + 1))
    (package / "wide.py").write_text(f"class Wide:\n{methods}    def _private(self) -> None: ...\n")
    (package / "narrow.py").write_text("class Narrow:\n    def one(self) -> None: ...\n")
    (package / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (package / "short.py").write_text("x = 1\n" * MAX_LINES)
    monkeypatch.setattr(figures, "ROOT", tmp_path)
    monkeypatch.setattr(figures, "PACKAGES", ("bot",))
    assert figures.wide_classes() == [("bot/wide.py:Wide", MAX_PUBLIC_METHODS + 1)]
    assert figures.long_modules() == [("bot/long.py", MAX_LINES + 1)]
