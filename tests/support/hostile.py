"""What the robustness tests share: every captured fixture of every adapter, mutations of a JSON
document by type and shape, and running the real command line in this process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import FIXTURES

TOOLS = (
    "bandit",
    "gitleaks",
    "pip-audit",
    "pip-licenses",
    "safety",
    "semgrep",
    "trivy",
    "trufflehog",
)
"""The adapters whose captured (or documented, hand-built) outputs live in tests/fixtures."""
NOT_OUTPUTS = {"records.json"}
"""Files among the fixtures that are no tool's output (the OSV stand-in's records)."""


@dataclass(frozen=True)
class Fixture:
    tool: str
    path: Path

    @property
    def lines(self) -> bool:
        return self.path.suffix == ".jsonl"

    @property
    def id(self) -> str:
        return str(self.path.relative_to(FIXTURES))


def fixtures() -> list[Fixture]:
    """Every captured output of every adapter (JSON, JSON lines and SARIF)."""
    return [
        Fixture(tool, path)
        for tool in TOOLS
        for path in sorted((FIXTURES / tool).rglob("*"))
        if path.suffix in (".json", ".jsonl", ".sarif") and path.name not in NOT_OUTPUTS
    ]


def load(fixture: Fixture) -> list[Any]:
    """The fixture as a list of documents (one, or one per JSON line)."""
    text = fixture.path.read_text(encoding="utf-8")
    if fixture.lines:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [json.loads(text)]


def dump(fixture: Fixture, docs: list[Any], raw: dict[str, str]) -> bytes:
    """The documents written back as the fixture's format; ``raw`` maps placeholder strings to
    JSON text put in their place verbatim (what ``json.dumps`` cannot write: a 5,000-digit
    integer, NaN, nesting 100,000 deep)."""
    texts = [json.dumps(doc) for doc in docs]
    text = "\n".join(texts) + "\n" if fixture.lines else texts[0]
    for placeholder, replacement in raw.items():
        text = text.replace(json.dumps(placeholder), replacement)
    return text.encode("utf-8")


def node_paths(doc: Any, limit: int = 20_000) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every node of ``doc``, the document itself first."""
    paths: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack and len(paths) < limit:
        value, path = stack.pop()
        paths.append(path)
        if isinstance(value, dict):
            stack.extend((item, (*path, key)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))
    paths.sort(key=lambda p: [str(part) for part in p])
    return paths


def get(doc: Any, path: tuple[Any, ...]) -> Any:
    """The node at ``path``; ``KeyError`` when an earlier mutation removed it."""
    for part in path:
        if not isinstance(doc, (dict, list)) or isinstance(doc, list) != isinstance(part, int):
            raise KeyError(part)
        doc = doc[part]
    return doc


def replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``doc`` with the node at ``path`` replaced (the document itself when ``path`` is empty)."""
    if not path:
        return value
    parent = get(doc, path[:-1])
    parent[path[-1]] = value
    return doc


def delete(doc: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return doc
    parent = get(doc, path[:-1])
    del parent[path[-1]]
    return doc


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _in_dir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(*args: str | os.PathLike[str], cwd: Path) -> Outcome:
    """Run the real command line (``secgate.cli.main.main``) in this process. Anything but the
    ``SystemExit`` every command ends with escapes: a traceback fails the test."""
    from secgate.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    with _in_dir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    assert code is not None, "the command returned without an exit code"
    return Outcome(code, out.getvalue(), err.getvalue())


def check_outcome(outcome: Outcome, input_file: Path, json_report: Path) -> str:
    """Assert the promise on malformed input: exit 2 naming the file in at most two lines, or a
    clean read (a report written; exit 3 only for a verdict of "error" that the report
    records, such as an incomplete run). Returns ``error`` or ``read``."""
    err = outcome.stderr
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    if outcome.code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert 1 <= len(lines) <= 2, err
        assert str(input_file) in err or input_file.name in err, err
        assert "cannot read this input (" not in err, f"an unforeseen error: {err}"
        return "error"
    assert outcome.code in (0, 1, 3), (outcome.code, err)
    report = json.loads(json_report.read_text(encoding="utf-8"))
    if outcome.code == 3:
        assert report["verdict"]["status"] == "error", (err, report["verdict"])
    return "read"


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def sys_int_digits() -> contextlib.AbstractContextManager[None]:
    """Allow ``json`` to write integers of any length in this block (Python 3.11 limits it)."""

    @contextlib.contextmanager
    def unlimited() -> Iterator[None]:
        before = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(0)
        try:
            yield
        finally:
            sys.set_int_max_str_digits(before)

    return unlimited()
