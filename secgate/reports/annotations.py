"""GitHub Actions workflow annotations: ``::error file=…,line=…,title=…::message``.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job),
and drops the rest silently. So secgate emits the most severe findings first, within those caps:
blocking findings as errors, warning findings as warnings, and one notice that counts what was not
annotated. Values are escaped as the Actions runner expects (``%``, CR and LF in the message;
also ``:`` and ``,`` in properties), so a scanner's text cannot end the command or start another.
"""

from __future__ import annotations

import heapq
from typing import Any, TextIO

from secgate.model import Action, Finding, ScanResult
from secgate.reports import presentation

PER_KIND_CAP = 10
"""Annotations of one kind (error, warning, notice) GitHub shows per step."""
_KIND_OF = {Action.BLOCK: "error", Action.WARN: "warning"}


def escape_data(value: str) -> str:
    """Escape a workflow command's message."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def lines(result: ScanResult) -> list[str]:
    """The annotation commands for ``result``, most severe first, within the per-step caps."""
    by_kind: dict[str, list[tuple[int, Finding]]] = {"error": [], "warning": []}
    for index, finding in enumerate(result.findings):
        decision = finding.decision
        if decision is not None and decision.action in _KIND_OF:
            by_kind[_KIND_OF[decision.action]].append((index, finding))
    # the most severe of each kind (Finding.sort_key order; input order among equals), without
    # sorting every finding; then all of them in that order
    chosen = [
        (kind, item)
        for kind, items in by_kind.items()
        for item in heapq.nsmallest(PER_KIND_CAP, items, key=_order)
    ]
    chosen.sort(key=lambda pair: _order(pair[1]))
    out = [command(kind, finding) for kind, (_, finding) in chosen]
    left = sum(len(items) for items in by_kind.values()) - len(chosen)
    if left:
        out.append(f"::notice title=secgate::{escape_data(_left_message(left))}")
    return out


def _order(item: tuple[int, Finding]) -> tuple[tuple[Any, ...], int]:
    return item[1].sort_key(), item[0]


def command(kind: str, finding: Finding) -> str:
    """One ``::error``/``::warning`` command for a finding."""
    props: list[str] = []
    loc = finding.location
    if loc is not None:
        props.append(f"file={escape_property(presentation.clean(loc.path))}")
        if loc.start_line:
            props.append(f"line={loc.start_line}")
            if loc.end_line and loc.end_line >= loc.start_line:
                props.append(f"endLine={loc.end_line}")
            if (
                loc.start_column
                and loc.start_column >= 1
                and (loc.end_line in (None, loc.start_line))
            ):
                props.append(f"col={loc.start_column}")
                if loc.end_column and loc.end_column >= loc.start_column:
                    props.append(f"endColumn={loc.end_column}")
    title = presentation.one_line(
        f"{finding.severity.value} {finding.tool}: {finding.rule_id}", 200
    )
    props.append(f"title={escape_property(title)}")
    message = presentation.one_line(finding.message, 900)
    where = finding.place if loc is None else ""
    if where and where != "-":
        message = f"{presentation.one_line(where, 200)}: {message}"
    if finding.decision is not None:
        message += f" ({presentation.one_line(finding.decision.reason, 300)})"
    return f"::{kind} {','.join(props)}::{escape_data(message)}"


def emit(result: ScanResult, stream: TextIO) -> None:
    """Write the annotation commands to ``stream`` (the runner reads them from the step's log)."""
    for line in lines(result):
        stream.write(line + "\n")
    stream.flush()


def _left_message(left: int) -> str:
    return (
        f"{left} more blocking or warning finding(s) are not annotated (GitHub shows "
        f"{PER_KIND_CAP} of each kind per step); see the job summary or the reports."
    )
