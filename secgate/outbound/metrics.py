"""The scan as Prometheus metrics, in the text exposition format.

Every metric is a gauge holding the state of the last scan of one repository and branch (the
``repository`` and ``branch`` labels, on every series): a textfile for node_exporter's textfile
collector, or the body of a push to a Pushgateway group. The names and labels are the contract
the Grafana dashboard (``docs/grafana-dashboard.json``) is built on; ``METRICS`` lists them all.

Findings are counted after dedupe, by the tool that reported each first. A scanner's runs are
counted by status: ``ok``, ``incomplete`` (it ran but examined nothing), ``skipped``, ``failed``,
``timed_out``; every status is written for every scanner (0 or more), so a dashboard sees a
scanner recover. The verdict is a state set: 1 for the status the gate gave, 0 for the others.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from secgate.errors import UsageError
from secgate.model import RunStatus, ScannerRun, ScanResult, VerdictStatus
from secgate.outbound.context import RunContext
from secgate.outbound.snapshots import DatedSource
from secgate.policy import accept
from secgate.policy.model import Policy
from secgate.reports.presentation import action_of

if TYPE_CHECKING:
    from prometheus_client.core import GaugeMetricFamily

CONTEXT_LABELS = ("repository", "branch")
INCOMPLETE = "incomplete"
RUN_STATES = (
    RunStatus.OK.value,
    INCOMPLETE,
    RunStatus.SKIPPED.value,
    RunStatus.FAILED.value,
    RunStatus.TIMED_OUT.value,
)
ACCEPTANCE_STATES = ("active", "expiring", "expired")
SECONDS_PER_DAY = 86400
"""Acceptances expire on dates: their times are whole days, written in Prometheus' base unit."""


@dataclass(frozen=True)
class MetricSpec:
    """One metric secgate writes: its name, help text and labels besides the context's."""

    name: str
    help: str
    labels: tuple[str, ...] = ()


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "secgate_findings",
            "Findings of the last scan by severity, category, reporting tool and the "
            "policy's decision.",
            ("severity", "category", "tool", "decision"),
        ),
        MetricSpec(
            "secgate_baseline_findings",
            "Findings of the last scan against the baseline: new, existing, and fixed "
            "(in the baseline, no longer found).",
            ("state",),
        ),
        MetricSpec(
            "secgate_scanner_runs",
            "Scanner runs and ingested files of the last scan by tool and status.",
            ("tool", "status"),
        ),
        MetricSpec(
            "secgate_scanner_duration_seconds",
            "Wall time of the last scan's runs of each tool.",
            ("tool",),
        ),
        MetricSpec(
            "secgate_verdict",
            "The gate's verdict of the last scan: 1 for its status, 0 for the others.",
            ("status",),
        ),
        MetricSpec("secgate_exit_code", "The exit code of the last scan."),
        MetricSpec(
            "secgate_accepted_findings",
            "Findings of the last scan ignored because of an accepted risk.",
        ),
        MetricSpec(
            "secgate_acceptances",
            "Accepted risks of the policy: active, expiring (within accept_warn_days) or expired.",
            ("state",),
        ),
        MetricSpec(
            "secgate_acceptances_without_expiry", "Accepted risks of the policy that never expire."
        ),
        MetricSpec(
            "secgate_acceptance_nearest_expiry_seconds",
            "Whole days until the first active accepted risk expires, in seconds (days x "
            "86400; 0 on its last day).",
        ),
        MetricSpec(
            "secgate_advisory_snapshot_timestamp_seconds",
            "When each source of advisory data the scan used was last updated (Unix time).",
            ("source",),
        ),
        MetricSpec(
            "secgate_advisory_snapshot_age_seconds",
            "Age of each source of advisory data the scan used, at the end of the scan.",
            ("source",),
        ),
        MetricSpec("secgate_scan_timestamp_seconds", "When the last scan ended (Unix time)."),
        MetricSpec(
            "secgate_build_info",
            "The secgate version and policy of the last scan.",
            ("version", "policy"),
        ),
    )
}
"""Every metric secgate writes, by name."""


@dataclass(frozen=True)
class ScanMetrics:
    """Everything the metrics are made of (``now`` and ``today`` passed in: no clock here)."""

    result: ScanResult
    policy: Policy
    context: RunContext
    now: float
    today: date
    snapshots: Sequence[DatedSource] = ()


def render(metrics: ScanMetrics) -> str:
    """The Prometheus text exposition (format 0.0.4) of one scan. prometheus_client is imported
    here, when metrics are asked for, not with every scan."""
    from prometheus_client.exposition import generate_latest
    from prometheus_client.registry import Collector, CollectorRegistry

    class ScanCollector(Collector):
        def collect(self) -> Iterator[GaugeMetricFamily]:
            return _families(metrics)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(ScanCollector())
    return generate_latest(registry).decode("utf-8")


def _families(metrics: ScanMetrics) -> Iterator[GaugeMetricFamily]:
    """Every metric family that has a sample in ``metrics``."""
    from prometheus_client.core import GaugeMetricFamily

    families = {
        name: GaugeMetricFamily(spec.name, spec.help, labels=[*CONTEXT_LABELS, *spec.labels])
        for name, spec in METRICS.items()
    }
    for name, labels, value in samples(metrics):
        families[name].add_metric(list(labels), value)
    yield from (family for family in families.values() if family.samples)


Sample = tuple[str, tuple[str, ...], float]


def samples(metrics: ScanMetrics) -> Iterator[Sample]:
    """Every sample: (metric name, label values with the context's first, value), in a stable
    order."""
    result = metrics.result
    where = (metrics.context.repository, metrics.context.branch)

    findings = Counter(
        (f.severity.value, f.category.value, f.tool, action_of(f)) for f in result.findings
    )
    for key in sorted(findings):
        yield "secgate_findings", (*where, *key), findings[key]
    counts = result.verdict.counts
    if "fixed" in counts or counts.get("new") or counts.get("existing"):
        for state in ("new", "existing", "fixed"):
            yield "secgate_baseline_findings", (*where, state), counts.get(state, 0)

    for tool, states in _runs_by_tool(result.runs):
        for state in RUN_STATES:
            yield "secgate_scanner_runs", (*where, tool, state), states[state]
    durations: dict[str, float] = {}
    for run in result.runs:
        durations[run.tool] = durations.get(run.tool, 0.0) + run.duration
    for tool in sorted(durations):
        yield "secgate_scanner_duration_seconds", (*where, tool), round(durations[tool], 3)

    for status in VerdictStatus:
        yield (
            "secgate_verdict",
            (*where, status.value),
            1 if result.verdict.status is status else 0,
        )
    yield "secgate_exit_code", where, result.verdict.exit_code

    yield from _acceptance_samples(metrics, where)
    for snapshot in metrics.snapshots:
        yield (
            "secgate_advisory_snapshot_timestamp_seconds",
            (*where, snapshot.source),
            snapshot.taken.timestamp(),
        )
        yield (
            "secgate_advisory_snapshot_age_seconds",
            (*where, snapshot.source),
            round(snapshot.age_seconds(metrics.now), 3),
        )
    yield "secgate_scan_timestamp_seconds", where, round(metrics.now, 3)
    yield "secgate_build_info", (*where, result.secgate_version, result.policy), 1


def _runs_by_tool(runs: Iterable[ScannerRun]) -> list[tuple[str, Counter[str]]]:
    by_tool: dict[str, Counter[str]] = {}
    for run in runs:
        state = INCOMPLETE if run.status is RunStatus.OK and run.incomplete else run.status.value
        by_tool.setdefault(run.tool, Counter())[state] += 1
    return sorted(by_tool.items())


def _acceptance_samples(metrics: ScanMetrics, where: tuple[str, str]) -> Iterator[Sample]:
    yield "secgate_accepted_findings", where, metrics.result.verdict.counts.get("accepted", 0)
    states = accept.states(metrics.policy, metrics.today)
    if not states:
        return
    warn_days = metrics.policy.accept_warn_days
    by_state: Counter[str] = Counter()
    for state in states:
        if state.expired:
            by_state["expired"] += 1
        elif state.days_left is not None and state.days_left <= warn_days:
            by_state["expiring"] += 1
        else:
            by_state["active"] += 1
    for name in ACCEPTANCE_STATES:
        yield "secgate_acceptances", (*where, name), by_state[name]
    yield (
        "secgate_acceptances_without_expiry",
        where,
        sum(1 for s in states if s.acceptance.expires is None),
    )
    left = [s.days_left for s in states if not s.expired and s.days_left is not None]
    if left:
        yield "secgate_acceptance_nearest_expiry_seconds", where, min(left) * SECONDS_PER_DAY


def write_file(path: Path, text: str) -> None:
    """Write the metrics to ``path`` (``-``: standard output) at once: node_exporter's textfile
    collector may read the file at any moment, so it is written beside itself and renamed."""
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write the metrics: {exc.strerror}") from None
