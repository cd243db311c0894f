"""The GitHub Action's step outputs and job summary after a scan, and the files GitHub gives the
job for them (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secgate.errors import UsageError
from secgate.reports.presentation import VERDICT_WORDS


@dataclass
class ActionReport:
    """What the action tells the workflow after the scan."""

    outputs: dict[str, str]
    summary: str


def action_report(report_dir: Path, exit_code: int) -> ActionReport:
    """The step outputs and the job-summary text for a scan that wrote ``report_dir``."""
    files = {
        name: report_dir / file
        for name, file in (
            ("sarif-file", "report.sarif"),
            ("json-file", "report.json"),
            ("html-file", "report.html"),
            ("markdown-file", "report.md"),
            ("summary-file", "summary.md"),
        )
    }
    outputs = {name: str(path) if path.is_file() else "" for name, path in files.items()}
    outputs["exit-code"] = str(exit_code)
    report = _read_json_report(files["json-file"])
    if report is None:
        verdict, counts = "error", dict[str, int]()
        summary = (
            f"## secgate: ERROR\n\nsecgate ended with exit code {exit_code} before "
            "writing its reports; the step's log says why.\n"
        )
    else:
        verdict, counts = _verdict_and_counts(report)
        summary = (
            files["summary-file"].read_text(encoding="utf-8")
            if files["summary-file"].is_file()
            else _short_summary(verdict, counts)
        )
    outputs["verdict"] = verdict
    outputs["counts"] = json.dumps(counts, sort_keys=True, separators=(",", ":"))
    outputs["findings"] = str(counts.get("total", 0))
    if not outputs["markdown-file"]:
        # No comment Markdown from the scan (an older secgate, or an error before any report):
        # the summary stands in, so a stale comment never outlives a failed run.
        fallback = files["summary-file"]
        if not fallback.is_file():
            try:
                fallback.parent.mkdir(parents=True, exist_ok=True)
                fallback.write_text(summary, encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"cannot write the summary: {exc.strerror}", path=fallback
                ) from None
        outputs["summary-file"] = outputs["markdown-file"] = str(fallback)
    return ActionReport(outputs, summary)


def _read_json_report(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _verdict_and_counts(report: Mapping[str, Any]) -> tuple[str, dict[str, int]]:
    verdict = report.get("verdict") or {}
    findings = [f for f in report.get("findings") or [] if isinstance(f, dict)]
    counts: dict[str, int] = {"total": len(findings)}
    for severity in ("critical", "high", "medium", "low", "info"):
        counts[severity] = sum(1 for f in findings if f.get("severity") == severity)
    for name, value in (verdict.get("counts") or {}).items():
        if isinstance(value, int) and name not in counts:
            counts[str(name)] = value
    return str(verdict.get("status") or "error"), counts


def _short_summary(verdict: str, counts: Mapping[str, int]) -> str:
    """A few lines of verdict and counts, used when the scan wrote no summary.md."""
    known = {status.value: word for status, word in VERDICT_WORDS.items()}
    title = known.get(verdict, verdict.upper())
    rows = "".join(
        f"| {name} | {counts[name]} |\n"
        for name in ("critical", "high", "medium", "low", "info")
        if counts.get(name)
    )
    table = f"\n| severity | findings |\n|---|---|\n{rows}" if rows else ""
    return f"## secgate: {title}\n\n{counts.get('total', 0)} finding(s).\n{table}"


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append step outputs to ``GITHUB_OUTPUT`` in the delimited form (safe for any value)."""
    lines = []
    for name, value in sorted(outputs.items()):
        delimiter = f"secgate_{secrets.token_hex(8)}"
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    append_text(path, "".join(lines))


def append_text(path: Path, text: str) -> None:
    """Append ``text`` (and a final newline) to a file GitHub gave the job."""
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else f"{text}\n")
    except OSError as exc:
        raise UsageError(f"cannot append to the file: {exc.strerror}", path=path) from None
