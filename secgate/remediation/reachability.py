"""Whether a vulnerable Python dependency is used at all: ``Finding.reachable``.

A distribution is imported by the names of ``secgate.remediation.import_names``. Every Python
file of the scanned tree is parsed with ``ast`` (environments, hidden directories, build output
and ``node_modules`` left out; files read through ``secgate.files.scanned_tree``), and what it
imports is collected: ``import a.b``, ``from a import b`` (as ``a`` and ``a.b``), wherever
they stand — inside ``if``, ``try``, functions and classes — and
``importlib.import_module("a")`` or ``__import__("a")`` with a literal name. Relative imports
(``from . import x``) name the project's own modules and are left out. Then, for each Python
dependency finding, the first that applies:

1. ``True``: a scanned file imports one of the distribution's names (or a module inside it);
2. ``True``: a distribution a scanned file imports needs it, by the ``Requires-Dist`` of the
   installed metadata, followed through (requests needs urllib3);
3. ``"unknown"``: a scanned file cannot be parsed (it could hold the import);
4. ``"unknown"``: a scanned file imports a module named at run time (``import_module(name)``
   with a name that is not a literal), or names one of the distribution's modules in a string
   assigned to an upper-case setting (Django's ``INSTALLED_APPS = ["rest_framework"]``);
5. ``"unknown"``: the distribution is installed in no environment of the project, so secgate
   cannot tell whether a package the code imports needs it (no tree was scanned: likewise);
6. ``False``: none of the above.

``"unknown"`` gates like ``True``: only ``False`` lets a policy rule (``match: {reachable:
false}``) treat the finding more leniently.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from secgate.files import scanned_tree as treefiles
from secgate.files.project import EXCLUDED_DIRS
from secgate.model import Category, Finding, Reachable
from secgate.remediation.environments import EnvironmentIndex
from secgate.remediation.import_names import ImportNames, import_names

_IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})
_MODULE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SHOWN_PLACES = 1


@dataclass(frozen=True)
class Place:
    """Where something is in the scanned tree."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class SourceImports:
    """What the scanned Python files import."""

    files: int = 0
    """Python files parsed."""
    imports: dict[str, list[Place]] = field(default_factory=dict)
    """Imported module name (dotted, lower case) -> where."""
    unparsable: list[tuple[str, str]] = field(default_factory=list)
    """(file, why) of each file that could not be parsed."""
    dynamic: list[Place] = field(default_factory=list)
    """Imports of a module named at run time."""
    setting_strings: dict[str, list[Place]] = field(default_factory=dict)
    """Module-like strings assigned to upper-case settings (lower case) -> where."""

    def importing(self, names: Iterable[str]) -> list[tuple[str, Place]]:
        """(imported name, place) of every import of one of ``names`` or a module inside one."""
        return _matching(self.imports, names)

    def naming(self, names: Iterable[str]) -> list[tuple[str, Place]]:
        """(string, place) of every setting string naming one of ``names``."""
        return _matching(self.setting_strings, names)


def _matching(table: dict[str, list[Place]], names: Iterable[str]) -> list[tuple[str, Place]]:
    wanted = [n.lower() for n in names]
    found: list[tuple[str, Place]] = []
    for imported, places in table.items():
        if any(imported == n or imported.startswith(n + ".") for n in wanted):
            found.extend((imported, place) for place in places)
    return sorted(found, key=lambda item: (item[1].path, item[1].line, item[0]))


def python_files(root: Path) -> Iterator[str]:
    """The Python files of the scanned tree (relative POSIX paths, sorted per directory)."""
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".")
            and d not in EXCLUDED_DIRS
            and not (here / d / "pyvenv.cfg").is_file()
        )
        base = here.relative_to(root)
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield (base / name).as_posix()


def read_imports(root: Path) -> SourceImports:
    """What the Python files under ``root`` import."""
    found = SourceImports()
    for relative in python_files(root):
        data = treefiles.read_bytes(root, relative)
        if data is None:
            continue  # not a regular file of the tree (a symlink out of it, a FIFO): not code
        try:
            tree = ast.parse(data, filename=relative)
        except SyntaxError as exc:
            found.unparsable.append((relative, f"{exc.msg} at line {exc.lineno}"))
            continue
        except (ValueError, RecursionError, MemoryError) as exc:
            found.unparsable.append((relative, type(exc).__name__))
            continue
        found.files += 1
        _collect(tree, relative, found)
    return found


def _collect(tree: ast.AST, path: str, found: SourceImports) -> None:
    def add(table: dict[str, list[Place]], name: str, line: int) -> None:
        table.setdefault(name.lower(), []).append(Place(path, line))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(found.imports, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                continue  # a relative import: the project's own module
            add(found.imports, node.module, node.lineno)
            for alias in node.names:
                if alias.name != "*":
                    add(found.imports, f"{node.module}.{alias.name}", node.lineno)
        elif isinstance(node, ast.Call) and _called_name(node.func) in _IMPORT_FUNCTIONS:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if _MODULE_PATH.match(first.value):
                    add(found.imports, first.value, node.lineno)
            else:
                found.dynamic.append(Place(path, node.lineno))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            for name, line in _setting_strings(node):
                add(found.setting_strings, name, line)


def _setting_strings(node: ast.Assign | ast.AnnAssign) -> list[tuple[str, int]]:
    """The module paths written as strings in a setting (an upper-case name) and their lines."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if node.value is None or not any(
        isinstance(t, ast.Name) and _SETTING_NAME.match(t.id) for t in targets
    ):
        return []
    return [
        (value.value, value.lineno)
        for value in ast.walk(node.value)
        if isinstance(value, ast.Constant)
        and isinstance(value.value, str)
        and _MODULE_PATH.match(value.value)
    ]


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


@dataclass(frozen=True)
class Judgement:
    """Whether one distribution is reachable, and why."""

    reachable: Reachable
    via: str


class ReachabilityJudge:
    """Judges distributions against one tree's imports and environments."""

    def __init__(self, sources: SourceImports | None, environments: EnvironmentIndex) -> None:
        """``sources`` None: no tree was scanned."""
        self.sources = sources
        self.environments = environments
        self._needed: dict[str, tuple[str, str]] | None = None
        self._cache: dict[str, Judgement] = {}

    def judge(self, distribution: str) -> Judgement:
        """Whether ``distribution`` is reachable (see the module docstring for the order)."""
        key = canonicalize_name(distribution)
        if key not in self._cache:
            self._cache[key] = self._judge(key)
        return self._cache[key]

    def _judge(self, name: str) -> Judgement:
        names = import_names(name, self.environments)
        shown = ", ".join(names.names)
        sources = self.sources
        if sources is None:
            return Judgement("unknown", "no source tree was scanned for imports")
        imports = sources.importing(names.names)
        if imports:
            return Judgement(True, _imported(imports, names))
        needed = self._needed_by().get(name)
        if needed is not None:
            parent, why = needed
            return Judgement(True, f"needed by {parent}, {why}")
        if sources.unparsable:
            path, why = sources.unparsable[0]
            more = (
                f" (and {len(sources.unparsable) - 1} more file(s))"
                if len(sources.unparsable) > 1
                else ""
            )
            return Judgement(
                "unknown",
                f"{path} cannot be parsed ({why}){more}, and no other file imports {shown}",
            )
        if sources.dynamic:
            return Judgement(
                "unknown",
                f"{sources.dynamic[0]} imports a module named at run "
                f"time, and no file imports {shown}",
            )
        named = sources.naming(names.names)
        if named:
            text, place = named[0]
            return Judgement(
                "unknown", f"{place} names {text!r} in a setting (it may be imported at run time)"
            )
        if not self.environments.get(name):
            where = ", ".join(self.environments.sites) or "none found"
            return Judgement(
                "unknown",
                f"no scanned file imports {shown}, but it is not installed "
                f"in the project's environments ({where}): secgate "
                "cannot tell whether a package the code imports needs it",
            )
        return Judgement(
            False,
            f"no scanned Python file imports {shown} "
            f"({sources.files} file(s) parsed), and no imported package "
            "needs it",
        )

    def _needed_by(self) -> dict[str, tuple[str, str]]:
        """Installed distribution -> (the imported one that needs it, how that is imported),
        following ``Requires-Dist`` from every directly imported installed distribution."""
        if self._needed is not None:
            return self._needed
        assert self.sources is not None  # noqa: S101 - judged only with a tree
        needed: dict[str, tuple[str, str]] = {}
        queue: list[tuple[str, str, str]] = []
        for name, installed in sorted(self.environments.distributions.items()):
            modules = [m for dist in installed for m in dist.modules]
            imports = self.sources.importing(modules)
            if imports:
                how = _imported(imports, None)
                queue.extend(
                    (required, name, how) for dist in installed for required in dist.requires
                )
        while queue:
            required, parent, how = queue.pop(0)
            if required in needed:
                continue
            needed[required] = (parent, how)
            for dist in self.environments.get(required):
                queue.extend((further, parent, how) for further in dist.requires)
        self._needed = needed
        return needed


def _imported(imports: list[tuple[str, Place]], names: ImportNames | None) -> str:
    name, place = imports[0]
    files = {p.path for _, p in imports}
    more = f" (and in {len(files) - 1} more file(s))" if len(files) > 1 else ""
    source = f"; import names from {names.source}" if names is not None else ""
    return f"imported as {name} in {place}{more}{source}"


def is_python_dependency(finding: Finding) -> bool:
    """True for a finding about a PyPI package (the findings reachability is judged for)."""
    package = finding.package
    return (
        finding.category is Category.DEPENDENCY
        and package is not None
        and (package.ecosystem or "").lower() == "pypi"
    )


def annotate(findings: Iterable[Finding], judge: ReachabilityJudge) -> int:
    """Set ``reachable`` and ``reachable_via`` on every Python dependency finding; how many."""
    count = 0
    for finding in findings:
        if not is_python_dependency(finding):
            continue
        assert finding.package is not None  # noqa: S101 - is_python_dependency checked it
        judgement = judge.judge(finding.package.name)
        finding.reachable = judgement.reachable
        finding.reachable_via = judgement.via
        count += 1
    return count
