"""What ``secgate scan`` sends beyond its reports, once the verdict is known: the metrics file,
the Pushgateway push, one message per webhook, and the run's log lines to Loki.

The command line fills ``OutboundOptions`` (every URL checked before the scan starts: a
malformed one is a usage error); ``send_all`` does the rest. A server that cannot be reached
costs a warning in the log and nothing else: the verdict and the exit code stay the gate's.
The metrics file is a file the user asked for, like a report: one that cannot be written is an
error (exit 2).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from secgate.errors import UsageError
from secgate.model import ScanResult
from secgate.outbound.context import RunContext
from secgate.outbound.http import Delivery, Sender, check_url
from secgate.outbound.logs import JSON_FORMAT, LOG_FORMATS, TEXT_FORMAT, RunLog
from secgate.outbound.notify import targets as notify_targets
from secgate.policy.accept import today as policy_today
from secgate.policy.model import Policy

F = TypeVar("F", bound=Callable[..., Any])
LOG_FORMAT_ENV = "SECGATE_LOG_FORMAT"


def options(func: F) -> F:
    """The ``scan`` options of this module."""
    decorators = [
        click.option(
            "--notify",
            "notify",
            multiple=True,
            metavar="[FORMAT=]URL",
            help="Send one message about the scan to this webhook (repeatable; also "
            f"${notify_targets.ENV_URL}). FORMAT: slack, teams, json or auto "
            "(from the URL) [default: auto].",
        ),
        click.option(
            "--notify-on",
            "notify_on",
            default=notify_targets.DEFAULT_EVENTS_TEXT,
            show_default=True,
            metavar="EVENTS",
            help="The events that send --notify messages: block, error, warn, pass, "
            "fixed (comma-separated).",
        ),
        click.option(
            "--metrics-file",
            "metrics_file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write Prometheus metrics of the scan here (text format, for "
            "node_exporter's textfile collector; '-' for standard output).",
        ),
        click.option(
            "--pushgateway",
            "pushgateway",
            metavar="URL",
            help="Push the metrics to this Prometheus Pushgateway (job secgate, "
            "grouped by repository and branch).",
        ),
        click.option(
            "--log-format",
            "log_format",
            type=click.Choice(LOG_FORMATS),
            default=TEXT_FORMAT,
            show_default=True,
            envvar=LOG_FORMAT_ENV,
            help="text: progress and summary for people; json: one JSON object per "
            f"line on standard error (also ${LOG_FORMAT_ENV}).",
        ),
        click.option(
            "--loki",
            "loki_url",
            metavar="URL",
            help="Push the run's log lines and verdict to this Loki (labels "
            "repository, branch, verdict).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@dataclass(frozen=True)
class OutboundOptions:
    """What the command line asked to send (checked, not yet sent)."""

    notify: tuple[notify_targets.Target, ...] = ()
    """Targets of ``--notify`` and ``SECGATE_NOTIFY_URL`` (the policy's come later)."""
    metrics_file: Path | None = None
    pushgateway: str | None = field(default=None, repr=False)
    loki: str | None = field(default=None, repr=False)
    log_format: str = TEXT_FORMAT

    @classmethod
    def parse(
        cls,
        *,
        notify: tuple[str, ...] = (),
        notify_on: str = notify_targets.DEFAULT_EVENTS_TEXT,
        metrics_file: Path | None = None,
        pushgateway: str | None = None,
        loki_url: str | None = None,
        log_format: str = TEXT_FORMAT,
        environ: Mapping[str, str] | None = None,
    ) -> OutboundOptions:
        events = notify_targets.parse_events(notify_on)
        for url, option in ((pushgateway, "--pushgateway"), (loki_url, "--loki")):
            problem = check_url(url, option) if url is not None else None
            if problem:
                raise UsageError(problem)
        return cls(
            notify=tuple(notify_targets.command_line_targets(notify, events, environ)),
            metrics_file=metrics_file,
            pushgateway=pushgateway,
            loki=loki_url,
            log_format=log_format,
        )

    def run_log(self, stream: Any, quiet: bool) -> RunLog:
        """The run's log, shown on ``stream`` in the chosen format."""
        return RunLog(stream, log_format=self.log_format, quiet=quiet)


def send_all(
    result: ScanResult,
    policy: Policy,
    options: OutboundOptions,
    log: RunLog,
    *,
    sender: Sender | None = None,
    clock: Callable[[], float] = time.time,
    environ: Mapping[str, str] | None = None,
) -> list[Delivery]:
    """Write and send everything ``options`` and the policy ask for; every failed delivery is
    logged as a warning. Returns the deliveries, in the order they were made."""
    env = os.environ if environ is None else environ
    policy_targets, problems = notify_targets.policy_targets(policy, env)
    for problem in problems:
        log.add("warning", "notify.config", problem)
    targets = notify_targets.merge([*options.notify, *policy_targets])
    wants_metrics = options.metrics_file is not None or options.pushgateway is not None
    if not (targets or wants_metrics or options.loki):
        return []
    # what sends is loaded only when something is sent (most scans send nothing)
    from secgate.outbound import loki, metrics, pushgateway, snapshots
    from secgate.outbound.notify.send import notify_all

    context = RunContext.detect(Path(result.target) if result.target else None, env)
    deliveries: list[Delivery] = []
    with sender or Sender() as http:
        if wants_metrics:
            text = metrics.render(
                metrics.ScanMetrics(
                    result=result,
                    policy=policy,
                    context=context,
                    now=clock(),
                    today=policy_today(env),
                    snapshots=snapshots.snapshots(result),
                )
            )
            if options.metrics_file is not None:
                metrics.write_file(options.metrics_file, text)
            if options.pushgateway is not None:
                deliveries.append(
                    _logged(log, pushgateway.push(text, options.pushgateway, context, http))
                )
        deliveries.extend(_logged(log, d) for d in notify_all(targets, result, context, http))
        if options.loki is not None:
            delivery = loki.push(log.records, options.loki, loki.labels(result, context), http, env)
            deliveries.append(_logged(log, delivery))
    return deliveries


def _logged(log: RunLog, delivery: Delivery) -> Delivery:
    if delivery.ok:
        log.add(
            "info",
            "delivery.sent",
            f"{delivery.what} to {delivery.target}: sent",
            what=delivery.what,
            target=delivery.target,
            status=delivery.status,
            attempts=delivery.attempts,
        )
    else:
        log.add(
            "warning",
            "delivery.failed",
            delivery.warning(),
            what=delivery.what,
            target=delivery.target,
            status=delivery.status,
            attempts=delivery.attempts,
            waits=list(delivery.waits),
        )
    return delivery


def json_logs_requested(args: list[str], environ: Mapping[str, str] | None = None) -> bool:
    """True when a command line asks for JSON log lines (so that even its errors are JSON)."""
    env = os.environ if environ is None else environ
    for index, arg in enumerate(args):
        if arg == "--log-format" and index + 1 < len(args):
            return args[index + 1] == JSON_FORMAT
        if arg.startswith("--log-format="):
            return arg.split("=", 1)[1] == JSON_FORMAT
    return env.get(LOG_FORMAT_ENV, "") == JSON_FORMAT
