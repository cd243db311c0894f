"""The package's shape, read from its source with ``ast``: few modules at the top, no import
cycle (counting imports inside functions, which run too), and the layering of the parts
(docs/architecture.md): the model is a leaf (what it imports imports nothing of secgate);
adapters never import policy or reports; policy never imports scanning, adapters or reports;
reports never import adapters or scanning; remediation never imports reports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGE = ROOT / "secgate"
MAX_TOP_LEVEL_MODULES = 8
_LAYERS = {
    "secgate.adapters": ("secgate.policy", "secgate.reports"),
    "secgate.policy": ("secgate.scanning", "secgate.adapters", "secgate.reports"),
    "secgate.reports": ("secgate.adapters", "secgate.scanning"),
    "secgate.remediation": ("secgate.reports",),
}
_PARTS = (
    "secgate.adapters",
    "secgate.advisories",
    "secgate.files",
    "secgate.findings",
    "secgate.github",
    "secgate.outbound",
    "secgate.policy",
    "secgate.pull_request",
    "secgate.remediation",
    "secgate.reports",
    "secgate.sarif",
    "secgate.scanning",
)
FORBIDDEN = {part: (*_LAYERS.get(part, ()), "secgate.cli") for part in _PARTS}
"""A part (a module, or a package and everything in it) and what it must never import: the
layering above, and the command line, which is the top and imported by no part."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (they never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _with_parents(name: str) -> list[str]:
    """``name`` and the packages whose ``__init__`` importing it runs first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _resolve(name: str) -> str | None:
    """The module of ours that ``name`` is, or the nearest one holding it; None for others'."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports_of(module: str) -> frozenset[str]:
    """The modules of ours that importing ``module`` or calling any of its functions imports."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            for name in _with_parents(target):
                resolved = _resolve(name)
                if resolved is not None and resolved != module:
                    found.add(resolved)
    return frozenset(found)


def _cycles() -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(imports_of(node)):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in sorted(modules()):
        if name not in index:
            visit(name)
    return groups


def _within(module: str, part: str) -> bool:
    return module == part or module.startswith(part + ".")


def test_few_modules_at_the_top_of_the_package() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_no_import_cycle_between_modules() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_the_layering_holds(part: str) -> None:
    broken = sorted(
        f"{module} imports {imported}"
        for module in modules()
        if _within(module, part)
        for imported in imports_of(module)
        if any(_within(imported, banned) for banned in FORBIDDEN[part])
    )
    assert broken == []


def _is_leaf(module: str) -> bool:
    """True when ``module`` imports nothing of secgate but empty package ``__init__`` files."""
    return all(modules()[m].name == "__init__.py" and not imports_of(m) for m in imports_of(module))


def test_the_model_is_a_leaf() -> None:
    assert sorted(m for m in imports_of("secgate.model") if not _is_leaf(m)) == []


def test_the_reader_sees_imports_inside_functions() -> None:
    """A check of the check: the cycle test counts an import made inside a function."""
    assert "secgate.cli.fix" in imports_of("secgate.cli.main")
