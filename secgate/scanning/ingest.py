"""Ingesting files that scanners produced elsewhere: ``--input FILE`` or ``--input TOOL=FILE``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from secgate.adapters import registry
from secgate.adapters.interface import Adapter, ParseResult, Sample
from secgate.errors import InputError
from secgate.files.reading import read_bytes, reading
from secgate.model import RunStatus, ScannerRun
from secgate.scanning import detection
from secgate.scanning.runner import Outcome


@dataclass(frozen=True)
class InputSpec:
    """One ``--input`` argument: a file, and the tool that made it when the user said so."""

    path: Path
    tool: str | None = None

    @classmethod
    def parse(cls, text: str) -> InputSpec:
        tool, sep, rest = text.partition("=")
        if sep and tool and tool.lower() in registry.ADAPTERS and not Path(text).exists():
            return cls(Path(rest), tool.lower())
        if sep and tool and "/" not in tool and not Path(text).exists():
            registry.get(tool)  # raises a UsageError that lists the known tools
        return cls(Path(text))

    def __str__(self) -> str:
        return f"{self.tool}={self.path}" if self.tool else str(self.path)


def ingest(spec: InputSpec) -> list[Outcome]:
    """Read one input file into outcomes (one per tool the file holds)."""
    with reading(spec.path):
        return _ingest(spec)


def _ingest(spec: InputSpec) -> list[Outcome]:
    path = spec.path
    data = read_bytes(path)
    sample = Sample(data)
    if spec.tool:
        adapter = registry.get(spec.tool)
    else:
        if sample.text is None:
            raise InputError("binary data, not a scanner's output", path=path)
        adapter = _detect(sample, path)
    try:
        parsed = adapter.parse(data)
    except InputError as exc:
        refused = adapter.name
        fallback = detection.fallback(sample, refused)
        if fallback is None:
            other = detection.other_tool(sample, adapter.name)
            if other is not None:
                raise InputError(
                    f"not {adapter.name} output: this is {other} output (use --input {other}=FILE)",
                    path=path,
                ) from None
            raise InputError(f"{adapter.name} output: {exc.message}", path=path) from None
        adapter, parsed = fallback
        parsed.notes.insert(
            0, f"read as generic SARIF: not readable as {refused}'s SARIF ({exc.message})"
        )
    return _outcomes(adapter.name, parsed, path)


def _detect(sample: Sample, path: Path) -> Adapter:
    found = registry.detect(sample) or detection.by_file_name(sample, path)
    if found is None:
        known = ", ".join(sorted(registry.ADAPTERS))
        if detection.is_empty_report(sample):
            raise InputError(
                "an empty report (JSON `[]` or `null`) does not say which tool wrote it; "
                "name the tool with --input TOOL=FILE (or put its name in the file's name)",
                path=path,
            )
        raise InputError(
            f"no adapter recognises this file (known: {known}); "
            "name the tool with --input TOOL=FILE",
            path=path,
        )
    return found


def _outcomes(adapter_name: str, parsed: ParseResult, path: Path) -> list[Outcome]:
    if parsed.runs:  # secgate's own SARIF carries the original scanner runs
        runs = [r.model_copy(update={"input_file": str(path)}) for r in parsed.runs]
        return _split(parsed, runs)
    tools = sorted({f.tool for f in parsed.findings}) or [adapter_name]
    if adapter_name != registry.GENERIC:
        tools = [adapter_name]
    runs = [
        ScannerRun(
            tool=tool,
            version=parsed.tool_version,
            status=RunStatus.OK,
            origin="input",
            input_file=str(path),
            notes=list(parsed.notes),
            incomplete=parsed.incomplete,
        )
        for tool in tools
    ]
    return _split(parsed, runs)


def _split(parsed: ParseResult, runs: list[ScannerRun]) -> list[Outcome]:
    """One outcome per run, each with the findings of its tool (secrets shared by all)."""
    outcomes = []
    seen = {run.tool for run in runs}
    for i, run in enumerate(runs):
        first_of_tool = all(r.tool != run.tool for r in runs[:i])
        findings = [f for f in parsed.findings if f.tool == run.tool] if first_of_tool else []
        if i == 0:
            findings += [f for f in parsed.findings if f.tool not in seen]
        if not run.version:
            run.version = next((f.tool_version for f in findings if f.tool_version), None)
        run.finding_count = len(findings)
        outcomes.append(
            Outcome(
                run=run,
                parsed=ParseResult(
                    findings=findings,
                    tool_version=run.version,
                    notes=list(run.notes),
                    incomplete=run.incomplete,
                    skipped=parsed.skipped if i == 0 else 0,
                    secret_values=parsed.secret_values,
                ),
            )
        )
    return outcomes
