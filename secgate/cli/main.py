"""The ``secgate`` command line: parse options, call the library, map the result to an exit code.

Every command ends with 0 (pass, warnings allowed), 1 (blocked by policy), 2 (usage, policy or
input error) or 3 (scanner error). Errors are printed in one or two lines naming the file and the
problem; ``--debug`` (or ``SECGATE_DEBUG=1``) adds the traceback.
"""

from __future__ import annotations

import gc
import math
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from secgate import __version__, interrupt
from secgate.cli.progress import choose as choose_progress
from secgate.cli.terminal import print_explain, print_summary
from secgate.errors import ExitCode, SecgateError, UsageError
from secgate.files.reading import input_of
from secgate.files.writing import check_outputs
from secgate.findings.exclude import IGNORE_FILE
from secgate.findings.scrub import scrub_line
from secgate.gate import Configuration, ScanRequest, configure, execute
from secgate.model import ScanResult
from secgate.outbound import dispatch
from secgate.outbound.logs import LogRecord, RunLog
from secgate.policy.loader import DISCOVERED_NAMES
from secgate.pull_request import base_ref
from secgate.reports import actions, outputs
from secgate.sarif.rebuild import load_result
from secgate.scanning.ingest import InputSpec
from secgate.scanning.runner import default_jobs

F = TypeVar("F", bound=Callable[..., Any])
MAX_TIMEOUT = 604800
"""The longest ``--timeout`` (a week), as for the policy's ``scanners.timeout``."""


def _debug_requested(args: list[str]) -> bool:
    return "--debug" in args or os.environ.get("SECGATE_DEBUG", "") not in ("", "0")


def _advisories_group() -> click.Command:
    from secgate.cli.advisories import advisories_group

    return advisories_group


def _github_group() -> click.Command:
    from secgate.cli.github import github

    return github


def _hook_group() -> click.Command:
    from secgate.cli.hook import hook

    return hook


def _policy_group() -> click.Command:
    from secgate.cli.policy import policy_group

    return policy_group


_LAZY_GROUPS: dict[str, Callable[[], click.Command]] = {
    "advisories": _advisories_group,
    "github": _github_group,
    "hook": _hook_group,
    "policy": _policy_group,
}


class _LazyGroup(click.Group):
    """A group whose sub-groups (``_LAZY_GROUPS``) are imported only when named (or listed by
    ``--help``): a ``secgate scan`` does not pay for the advisory, GitHub, hook and policy
    commands."""

    lazy = _LAZY_GROUPS

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            self.add_command(self.lazy[cmd_name](), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="secgate", message="%(prog)s %(version)s")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    help="Show a traceback with errors (also SECGATE_DEBUG=1).",
)
def cli() -> None:
    """One security gate over many scanners: run or ingest them, normalize every finding to
    SARIF, judge the findings against a YAML policy, pass or block."""


def scan_options(func: F) -> F:
    """The options that choose what is scanned (shared by ``scan`` and ``baseline create``)."""
    options = [
        click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path)),
        click.option(
            "--input",
            "-i",
            "inputs",
            multiple=True,
            metavar="[TOOL=]FILE",
            help="Ingest a scanner's output file instead of running it (repeatable). "
            "The tool is detected from content unless named.",
        ),
        click.option(
            "--scanner",
            "-s",
            "scanners",
            multiple=True,
            metavar="NAME",
            help="Run only these scanners (repeatable); each named one is required.",
        ),
        click.option(
            "--policy",
            "-p",
            "policy_path",
            type=click.Path(path_type=Path),
            help="Policy file (default: .secgate.yml at PATH, else the shipped "
            "default). builtin:NAME picks a shipped policy.",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            default=default_jobs(),
            show_default="the number of cores + 1",
            help="Scanners run at once.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=None,
            help="Seconds each scanner may run before it is killed "
            "[default: the policy's scanners.timeout, else 600].",
        ),
        click.option(
            "--exclude",
            "excludes",
            multiple=True,
            metavar="GLOB",
            help="Leave out findings in paths matching GLOB (repeatable); "
            ".secgateignore at PATH adds more.",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress display and no summary."),
        click.option(
            "--no-cache",
            "no_cache",
            is_flag=True,
            help="Run every scanner, reusing no stored result (also "
            "SECGATE_NO_CACHE=1). Results are cached outside PATH: "
            "$SECGATE_CACHE_DIR, in Actions $RUNNER_TEMP/secgate-cache, else "
            "~/.cache/secgate.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_request(
    path: Path | None,
    inputs: tuple[str, ...],
    scanners: tuple[str, ...],
    policy_path: Path | None,
    jobs: int,
    timeout: float | None,
    excludes: tuple[str, ...] = (),
    no_cache: bool = False,
) -> ScanRequest:
    """The plain request the pipeline executes, from the parsed options."""
    if timeout is not None and not (math.isfinite(timeout) and timeout <= MAX_TIMEOUT):
        raise UsageError(f"--timeout {timeout}: give a number of seconds up to {MAX_TIMEOUT}")
    request = ScanRequest(
        target=path,
        inputs=[InputSpec.parse(text) for text in inputs],
        scanners=list(scanners),
        policy_path=policy_path,
        jobs=jobs,
        timeout=timeout,
        excludes=list(excludes),
    )
    if no_cache:
        request.use_cache = False
    return request


def choose_base(path: Path | None, base: str | None, no_base: bool) -> tuple[str | None, bool]:
    """The base of pull-request mode and whether it came from the Actions event."""
    if base is not None and no_base:
        raise UsageError("--base and --no-base contradict each other")
    if base is not None and path is None:
        raise UsageError("--base needs the PATH to scan (the checkout of the pull request)")
    if base is not None or no_base or path is None:
        return base, False
    default = base_ref.default_base()
    return default, default is not None


def files_read(request: ScanRequest) -> list[Path]:
    """The files a scan reads that a report must never overwrite: its inputs, policy and
    baseline, and the policy and ignore file it would find at PATH."""
    read = [spec.path for spec in request.inputs]
    if request.policy_path is not None and not str(request.policy_path).startswith("builtin:"):
        read.append(request.policy_path)
    if request.baseline is not None:
        read.append(request.baseline)
    if request.target is not None:
        read += [request.target / name for name in (*DISCOVERED_NAMES, IGNORE_FILE)]
    return read


def run_scan(
    request: ScanRequest,
    quiet: bool,
    log: RunLog | None = None,
    config: Configuration | None = None,
) -> ScanResult:
    display = choose_progress(quiet or (log is not None and log.json_lines))
    with log.progress(display) if log is not None else display as progress:
        return execute(request, progress, config)


def report_options(func: F) -> F:
    """The report files besides SARIF and JSON (shared by ``scan`` and ``report``); each
    parameter is named after its format in ``secgate.reports.outputs``."""
    path = click.Path(dir_okay=False, path_type=Path)
    options = [
        click.option(
            "--html", "html", type=path, help="Write the self-contained HTML report here."
        ),
        click.option(
            "--markdown",
            "markdown",
            type=path,
            help="Write the pull-request comment (Markdown) here ('-' for standard output).",
        ),
        click.option(
            "--summary",
            "summary",
            type=path,
            help="Write the job summary (Markdown, at most 1 MiB) here.",
        ),
        click.option(
            "--junit",
            "junit",
            type=path,
            help="Write JUnit XML here (one test case per blocking or warning finding).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@scan_options
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write report.sarif, report.json (and every other available report) here.",
)
@click.option(
    "--sarif",
    "sarif_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the SARIF 2.1.0 report here.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON report here ('-' for standard output).",
)
@report_options
@click.option(
    "--annotations/--no-annotations",
    default=None,
    help="Print GitHub workflow annotations for the most severe findings "
    "[default: on when GITHUB_ACTIONS=true].",
)
@click.option("--explain", is_flag=True, help="Print one line of why for each blocking finding.")
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline SARIF (from 'secgate baseline create'): findings in it cannot "
    "block [default: the policy's baseline:].",
)
@click.option(
    "--base",
    "base",
    metavar="REF",
    help="Pull-request mode: take the policy, .secgateignore and baseline from git "
    "REF (the base branch), not from PATH, and report what the pull request "
    "changes in them [default: the base branch on a GitHub Actions "
    "pull_request event].",
)
@click.option(
    "--no-base",
    "no_base",
    is_flag=True,
    help="No pull-request mode, even on a GitHub Actions pull_request event.",
)
@dispatch.options
@click.option(
    "--vex",
    "vex_files",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An OpenVEX or CycloneDX VEX document (repeatable): not_affected (with a "
    "justification) and fixed statements decide their findings; the policy's "
    "vex: adds more.",
)
@click.option(
    "--openvex",
    "openvex_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the accepted risks and VEX-decided findings as an OpenVEX document "
    "here ('-' for standard output).",
)
def scan(
    path: Path | None,
    inputs: tuple[str, ...],
    scanners: tuple[str, ...],
    policy_path: Path | None,
    jobs: int,
    timeout: float | None,
    excludes: tuple[str, ...],
    quiet: bool,
    no_cache: bool,
    output_dir: Path | None,
    sarif_out: Path | None,
    json_out: Path | None,
    explain: bool,
    baseline_path: Path | None,
    base: str | None,
    no_base: bool,
    annotations: bool | None,
    notify: tuple[str, ...],
    notify_on: str,
    metrics_file: Path | None,
    pushgateway: str | None,
    log_format: str,
    loki_url: str | None,
    vex_files: tuple[Path, ...],
    openvex_out: Path | None,
    **report_files: Path | None,
) -> None:
    """Scan PATH with the installed scanners, or ingest --input files, and judge the findings.

    With only --input files given, no scanner runs. Inside GitHub Actions (GITHUB_ACTIONS=true)
    the job summary is also appended to $GITHUB_STEP_SUMMARY. Notifications, metrics and log
    pushes that fail only warn: they never change the verdict."""
    request = build_request(path, inputs, scanners, policy_path, jobs, timeout, excludes, no_cache)
    request.baseline = baseline_path
    request.base, request.base_from_event = choose_base(path, base, no_base)
    request.vex = list(vex_files)
    targets = outputs.Targets.from_options(
        output_dir=output_dir, sarif=sarif_out, json=json_out, **report_files
    )
    check_outputs(targets.files, files_read(request))
    sending = dispatch.OutboundOptions.parse(
        notify=notify,
        notify_on=notify_on,
        metrics_file=metrics_file,
        pushgateway=pushgateway,
        loki_url=loki_url,
        log_format=log_format,
    )
    log = sending.run_log(sys.stderr, quiet)
    config = configure(request)  # in pull-request mode, the base commit's
    result = run_scan(request, quiet, log, config)
    outputs.write_all(result, targets)
    if openvex_out is not None:
        write_openvex(result, openvex_out, quiet)
    actions.publish(result, targets, annotations)
    if not quiet and not log.json_lines:
        print_summary(result, sys.stderr)
    log.result(result)
    if explain and not log.json_lines:
        print_explain(result, sys.stderr)
    dispatch.send_all(result, config.policy, sending, log)  # its notify: targets
    sys.exit(result.verdict.exit_code)


def write_openvex(result: ScanResult, path: Path, quiet: bool) -> None:
    """Write ``--openvex FILE`` and say what it holds."""
    from secgate.policy.accept import today
    from secgate.reports import openvex

    written = openvex.write(result, path, today())
    if not quiet:
        left = (
            f" ({written.left_out} accepted finding(s) without a package and "
            "vulnerability cannot be stated)"
            if written.left_out
            else ""
        )
        click.echo(f"secgate: OpenVEX: {written.statements} statement(s) in {path}{left}", err=True)


@cli.command()
@scan_options
@click.option(
    "--write",
    "write_files",
    is_flag=True,
    help="Apply the plan: rewrite the pins in the requirement files and pyproject.toml.",
)
@click.option(
    "--allow-major",
    is_flag=True,
    help="Let the plan move a pin to a new major version when no version of the "
    "current one clears the blocking vulnerabilities [default: list it only].",
)
def fix(
    path: Path | None,
    inputs: tuple[str, ...],
    scanners: tuple[str, ...],
    policy_path: Path | None,
    jobs: int,
    timeout: float | None,
    excludes: tuple[str, ...],
    quiet: bool,
    no_cache: bool,
    write_files: bool,
    allow_major: bool,
) -> None:
    """Scan PATH like 'scan' and plan the smallest upgrades that clear its blocking dependency
    vulnerabilities; print them as a unified diff of the requirement files (--write applies it).

    Ends with 0 when nothing blocks or the plan clears every blocking finding, 1 when blocking
    findings remain that it cannot clear (listed), 3 on a scanner error."""
    from secgate.cli import fix as fixing

    request = build_request(path, inputs, scanners, policy_path, jobs, timeout, excludes, no_cache)
    if request.target is None and not request.inputs:
        request.target = Path.cwd()
    request.allow_major = allow_major
    result = run_scan(request, quiet)
    fixing.report(result, sys.stdout, sys.stderr, quiet)
    if write_files:
        fixing.apply(result, request.target or Path.cwd(), sys.stderr, quiet)
    sys.exit(fixing.exit_code(result))


@cli.group()
def baseline() -> None:
    """Record today's findings, so that later scans block only new ones."""


@baseline.command("create")
@scan_options
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the baseline SARIF "
    "[default: .secgate/baseline.sarif under PATH, else here].",
)
def baseline_create(
    path: Path | None,
    inputs: tuple[str, ...],
    scanners: tuple[str, ...],
    policy_path: Path | None,
    jobs: int,
    timeout: float | None,
    excludes: tuple[str, ...],
    quiet: bool,
    no_cache: bool,
    output: Path | None,
) -> None:
    """Scan PATH (or ingest --input files) like 'scan' and write every finding to a baseline.

    Ends with 3 and writes nothing when a required scanner failed: a baseline missing a
    scanner's findings would let them through as new later."""
    from secgate.findings.baseline import DEFAULT_PATH, write

    request = build_request(path, inputs, scanners, policy_path, jobs, timeout, excludes, no_cache)
    request.use_baseline = False
    target = output or (path or Path.cwd()) / DEFAULT_PATH
    check_outputs({"baseline": target}, files_read(request))
    result = run_scan(request, quiet)
    sys.exit(write(result, target, sys.stderr))


@cli.command()
@click.option(
    "--from",
    "from_file",
    required=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A SARIF file written by 'secgate scan --sarif'.",
)
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every report here (report.sarif, report.json, report.html, report.md, "
    "summary.md, report.junit.xml).",
)
@click.option(
    "--sarif",
    "sarif_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the SARIF 2.1.0 report here.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON report here ('-' for standard output).",
)
@report_options
def report(
    from_file: Path,
    output_dir: Path | None,
    sarif_out: Path | None,
    json_out: Path | None,
    **report_files: Path | None,
) -> None:
    """Render reports again from a saved secgate SARIF file, with no scanner run.

    Ends with the saved verdict's exit code (0 pass, 1 blocked, 3 scanner error)."""
    targets = outputs.Targets.from_options(
        output_dir=output_dir, sarif=sarif_out, json=json_out, **report_files
    )
    if not targets.files:
        raise UsageError(
            "name at least one report to write: --html, --markdown, --summary, "
            "--junit, --json, --sarif or --output-dir"
        )
    check_outputs(targets.files, [from_file])
    result = load_result(from_file)
    outputs.write_all(result, targets)
    sys.exit(result.verdict.exit_code)


@cli.command()
def doctor() -> None:
    """List every supported scanner: found or not, its version, and how to install it."""
    from secgate.cli.doctor import report

    sys.exit(report(sys.stdout))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``secgate`` console script.

    The cycle collector is off while a command runs: every secgate command is a short batch job
    whose millions of small objects (parsed JSON, findings, report parts) live until it ends,
    so each collection re-walks them all for nothing. secgate's models hold no reference
    cycles; reference counting frees the rest."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        if was_enabled:
            gc.enable()


def _error(message: str, args: list[str]) -> None:
    """Print an error line: ``secgate: error: ...``, or a JSON log line with --log-format json."""
    if dispatch.json_logs_requested(args):
        click.echo(LogRecord(time.time(), "error", "error", message).as_json(), err=True)
    else:
        click.echo(f"secgate: error: {message}", err=True)


def _main(args: list[str]) -> None:
    debug = _debug_requested(args)
    try:
        with interrupt.handle_signals():  # SIGTERM/SIGINT: stop scanners, clean up, exit 3
            cli.main(args=args, prog_name="secgate", standalone_mode=False)
    except interrupt.Interrupted as exc:
        _interrupted(exc, args)
    except SecgateError as exc:
        if debug:
            traceback.print_exc()
        _error(scrub_line(exc.render()), args)
        sys.exit(exc.exit_code.value)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if dispatch.json_logs_requested(args):
            _error(exc.format_message(), args)
        else:
            exc.show()
        sys.exit(ExitCode.USAGE.value)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns it into an Abort
            _interrupted(exc.__cause__, args)
        click.echo("secgate: aborted", err=True)
        sys.exit(ExitCode.USAGE.value)
    except KeyboardInterrupt:
        click.echo("secgate: interrupted", err=True)
        sys.exit(ExitCode.SCANNER_ERROR.value)
    except Exception as exc:  # secgate itself failed: fail closed, no traceback by default
        if debug:
            traceback.print_exc()
        source = input_of(exc)
        if source is not None:  # it failed on an input file: that file is malformed
            click.echo(
                f"secgate: error: {scrub_line(source)}: cannot read this input "
                f"({type(exc).__name__}; run with --debug for a traceback)",
                err=True,
            )
            sys.exit(ExitCode.USAGE.value)
        click.echo(
            f"secgate: internal error: {type(exc).__name__}: {scrub_line(str(exc))} "
            "(run with --debug for a traceback)",
            err=True,
        )
        sys.exit(ExitCode.SCANNER_ERROR.value)
    sys.exit(ExitCode.PASS.value)


def _interrupted(exc: KeyboardInterrupt, args: list[str]) -> NoReturn:
    """End a command stopped by a signal (``secgate.interrupt``): exit 3, a scanner error
    (said in a JSON log line with ``--log-format json``)."""
    name = exc.signal_name if isinstance(exc, interrupt.Interrupted) else "SIGINT"
    message = f"interrupted by {name}: scanners stopped, temporary files removed"
    if dispatch.json_logs_requested(args):
        click.echo(LogRecord(time.time(), "error", "interrupted", message).as_json(), err=True)
    else:
        click.echo(f"secgate: {message}", err=True)
    sys.exit(ExitCode.SCANNER_ERROR.value)


__all__ = ["UsageError", "cli", "main", "scan_options"]
