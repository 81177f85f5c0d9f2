"""Print the architecture figures of issue 13: package imports, long modules, wide classes.

Usage: python scripts/architecture_figures.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "bot", "handoff", "actions")
MAX_LINES = 400
MAX_PUBLIC_METHODS = 15


def modules() -> list[Path]:
    """Every Python module of the project's packages (migrations included)."""
    return sorted(p for name in PACKAGES for p in (ROOT / name).rglob("*.py") if p.is_file())


def imported_packages(path: Path) -> set[str]:
    """The project's top-level packages a module imports (at any depth of the file)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found.update(n.split(".")[0] for n in names if n.split(".")[0] in PACKAGES)
    return found


def package_graph() -> dict[str, set[str]]:
    """Top-level package -> packages it imports (itself left out)."""
    graph: dict[str, set[str]] = {name: set() for name in PACKAGES}
    for path in modules():
        own = path.relative_to(ROOT).parts[0]
        graph[own] |= imported_packages(path) - {own}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs of packages that reach each other."""

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        return False

    names = sorted(graph)
    return [
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if reaches(a, b) and reaches(b, a)
    ]


def long_modules() -> list[tuple[str, int]]:
    """Modules over the line limit."""
    sized = [(str(p.relative_to(ROOT)), len(p.read_text().splitlines())) for p in modules()]
    return [(name, lines) for name, lines in sized if lines > MAX_LINES]


def wide_classes() -> list[tuple[str, int]]:
    """Classes with more public methods than the limit."""
    wide = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                public = [
                    item
                    for item in node.body
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and not item.name.startswith("_")
                ]
                if len(public) > MAX_PUBLIC_METHODS:
                    wide.append((f"{path.relative_to(ROOT)}:{node.name}", len(public)))
    return wide


def main() -> int:
    """Print the figures."""
    graph = package_graph()
    for name in PACKAGES:
        print(f"{name} -> {', '.join(sorted(graph[name])) or '(nothing)'}")
    print("import cycles:", cycles(graph) or "none")
    print(f"modules over {MAX_LINES} lines:", long_modules() or "none")
    print(f"classes over {MAX_PUBLIC_METHODS} public methods:", wide_classes() or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
