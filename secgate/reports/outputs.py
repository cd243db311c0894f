"""Which report files a command writes, and writing them all from one result.

Each format is one module under ``secgate/reports`` with ``render(result) -> str`` (the HTML
page is written from its ``render_bytes``); this module maps format names to those modules and
the file names used with ``--output-dir``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Protocol, cast

from secgate.errors import UsageError
from secgate.files.writing import write_atomically
from secgate.model import ScanResult
from secgate.reports.presentation import Overview

Renderer = Callable[[ScanResult], str]

_RENDERER_MODULES = {
    "sarif": "secgate.reports.sarif_report",
    "json": "secgate.reports.json_report",
    "html": "secgate.reports.html",
    "markdown": "secgate.reports.pr_comment",
    "summary": "secgate.reports.job_summary",
    "junit": "secgate.reports.junit",
}


class _Renderers(Mapping[str, Renderer]):
    """Format name -> its module's ``render``, imported on first use: a scan that writes only
    JSON does not load Jinja2 and the HTML template machinery (a warm re-scan is mostly
    start-up time)."""

    def __getitem__(self, fmt: str) -> Renderer:
        return cast(Renderer, import_module(_RENDERER_MODULES[fmt]).render)

    def __iter__(self) -> Iterator[str]:
        return iter(_RENDERER_MODULES)

    def __len__(self) -> int:
        return len(_RENDERER_MODULES)


RENDERERS: Mapping[str, Renderer] = _Renderers()
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
    ``result.notes`` (and so in every other report) before they are rendered; it is written
    at once, so that its text is not held while the others render."""
    files = dict(targets.files)
    # what the reports share (order, counts, each finding's fields) is worked out once
    overview = Overview(result.findings)
    if "sarif" in files:
        from secgate.reports import sarif_report

        fitted = sarif_report.fit(result, overview=overview)
        result.notes.extend(note for note in fitted.notes if note not in result.notes)
        _write("sarif", files.pop("sarif"), fitted.data)
        del fitted
    for fmt, path in sorted(files.items()):
        _write(fmt, path, _file_renderer(fmt)(result, overview=overview))


class _FileRenderer(Protocol):
    def __call__(self, result: ScanResult, *, overview: Overview) -> str | bytes: ...


def _file_renderer(fmt: str) -> _FileRenderer:
    """What writes a format's file: its module's ``render_bytes`` where it has one (the HTML
    page and the JSON report, never held whole as text), else its ``render``."""
    module = import_module(_RENDERER_MODULES[fmt])
    return cast(_FileRenderer, getattr(module, "render_bytes", module.render))


def _write(fmt: str, path: Path, text: str | bytes) -> None:
    """Write one report (text, or UTF-8 bytes) to ``path`` (``-``: standard output)."""
    if str(path) == "-":
        sys.stdout.write(text if isinstance(text, str) else text.decode("utf-8"))
        sys.stdout.flush()
        return
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot write the {fmt} report: {exc.strerror or exc} "
            "(nothing was written there)"
        ) from None
