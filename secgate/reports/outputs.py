"""Which report files a command writes, and writing them all from one result.

Each format is one module under ``secgate/reports`` with ``render(result) -> str``; this module
maps format names to those modules and the file names used with ``--output-dir``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from secgate.errors import UsageError
from secgate.model import ScanResult
from secgate.reports import github_sarif, html, json_report, junit, markdown, sarif, summary_md

Renderer = Callable[[ScanResult], str]

RENDERERS: dict[str, Renderer] = {
    "sarif": sarif.render,
    "json": json_report.render,
    "html": html.render,
    "markdown": markdown.render,
    "summary": summary_md.render,
    "junit": junit.render,
}
"""Every report format by name."""

DEFAULT_FILE_NAMES: dict[str, str] = {
    "sarif": "report.sarif",
    "json": "report.json",
    "html": "report.html",
    "markdown": "report.md",
    "summary": "summary.md",
    "junit": "report.junit.xml",
}
"""The file each format gets inside ``--output-dir``."""


@dataclass
class Targets:
    """Report format -> destination (a path, or '-' for standard output)."""

    files: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def from_options(cls, output_dir: Path | None = None, **explicit: Path | None) -> Targets:
        files: dict[str, Path] = {}
        if output_dir is not None:
            files.update({fmt: output_dir / name for fmt, name in DEFAULT_FILE_NAMES.items()})
        for fmt, path in explicit.items():
            if path is not None:
                if fmt not in RENDERERS:
                    raise UsageError(f"unknown report format {fmt!r}")
                files[fmt] = path
        return cls(files)


def write_all(result: ScanResult, targets: Targets) -> None:
    """Render and write every requested report.

    The SARIF is fitted to GitHub's limits first, so that what it had to leave out is in
    ``result.notes`` (and so in every other report) before they are rendered."""
    texts: dict[str, str] = {}
    if "sarif" in targets.files:
        fitted = github_sarif.fit(result)
        result.notes.extend(note for note in fitted.notes if note not in result.notes)
        texts["sarif"] = fitted.text
    for fmt, path in sorted(targets.files.items()):
        text = texts[fmt] if fmt in texts else RENDERERS[fmt](result)
        if str(path) == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write the {fmt} report: {exc.strerror}") from None
