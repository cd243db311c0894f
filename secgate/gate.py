"""One scan from request to result: collect (run scanners and/or ingest files), scrub secrets,
normalize, fingerprint, dedupe, add exploitation facts (KEV, EPSS) from imported advisory data
and the reachability of Python dependencies, judge (with VEX statements), then plan the
upgrades of the blocking dependencies. Reports are written by the caller from the result."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from secgate import __version__
from secgate.adapters import registry
from secgate.adapters.interface import Adapter
from secgate.advisories import exploits
from secgate.errors import UsageError
from secgate.files import scanned_tree
from secgate.findings import baseline as baselines
from secgate.findings import scrub
from secgate.findings.dedupe import code_dedupe_enabled, dedupe
from secgate.findings.exclude import IGNORE_FILE, check_excludes, read_ignore_file, split_excluded
from secgate.findings.fingerprint import assign as assign_fingerprints
from secgate.findings.fingerprint import disambiguate
from secgate.findings.normalize import normalize, redact
from secgate.findings.source_tree import SourceTree
from secgate.findings.unmask import masked_texts, unmask
from secgate.model import Category, Finding, ScannerRun, ScanResult
from secgate.policy import loader
from secgate.policy.accept import today as policy_today
from secgate.policy.evaluate import evaluate
from secgate.policy.model import Policy
from secgate.remediation import steps as remediation
from secgate.scanning import result_cache
from secgate.scanning.ingest import InputSpec, ingest
from secgate.scanning.runner import (
    DEFAULT_TIMEOUT,
    Outcome,
    ProgressCallback,
    RunOptions,
    default_jobs,
    run_all,
)

if TYPE_CHECKING:
    from secgate.advisories.vex import VexIndex
    from secgate.pull_request.trusted_gate import TrustedGate


@dataclass
class ScanRequest:
    """What the user asked for, as plain data (filled by the CLI, executed here)."""

    target: Path | None = None
    inputs: list[InputSpec] = field(default_factory=list)
    scanners: list[str] = field(default_factory=list)
    """Scanners named with ``--scanner``; they are required."""
    policy_path: Path | None = None
    jobs: int = field(default_factory=default_jobs)
    timeout: float | None = None
    excludes: list[str] = field(default_factory=list)
    """Globs from ``--exclude``; ``.secgateignore`` at the target's root adds more."""
    baseline: Path | None = None
    """``--baseline FILE``; without it, the policy's ``baseline:`` (relative to the target)."""
    use_baseline: bool = True
    """False for ``baseline create``: a baseline being made is not judged against an old one."""
    use_cache: bool = field(default_factory=result_cache.enabled_by_default)
    """Reuse scanner results of an unchanged tree (``secgate.scanning.result_cache``);
    ``--no-cache`` turns it off."""
    base: str | None = None
    """``--base REF``: pull-request mode (``secgate.pull_request.trusted_gate``), the gate
    configured by REF's files instead of the target's."""
    base_from_event: bool = False
    """True when ``base`` is the pull request's base branch taken from GitHub Actions."""
    vex: list[Path] = field(default_factory=list)
    """``--vex FILE`` documents; the policy's ``vex:`` (relative to the target) adds more."""
    allow_major: bool = False
    """``secgate fix --allow-major``: the upgrade plan may move a pin to a new major version."""


def select_scanners(request: ScanRequest, policy: Policy) -> list[Adapter]:
    """The adapters to run: those named on the command line, else every installed one."""
    if request.scanners:
        return [registry.get(name) for name in dict.fromkeys(request.scanners)]
    required = policy.scanners.required_names([])
    return [a for a in registry.scanners() if a.find_executable() or a.name in required]


def installed_scanners(request: ScanRequest) -> list[str]:
    """What ``scanners.required: installed`` stands for: the scanners found on this machine when
    secgate runs them; nothing more when it only ingests --input files."""
    if request.target is None or (request.inputs and not request.scanners):
        return []
    return [a.name for a in registry.scanners() if a.find_executable()]


def collect(
    request: ScanRequest,
    policy: Policy,
    progress: ProgressCallback | None = None,
    cache: result_cache.ResultCache | None = None,
    unsafe: tuple[str, ...] = (),
    history_since: str | None = None,
) -> list[Outcome]:
    """Run the scanners (when a target is given; reusing ``cache``'s results when one is
    given; ``unsafe``: the target's entries no tool may read; ``history_since``: in
    pull-request mode, where the history scanners start) and ingest the input files."""
    outcomes = ingest_all(request.inputs)
    run_scanners = request.target is not None and (not request.inputs or request.scanners)
    if run_scanners:
        assert request.target is not None  # noqa: S101 - checked just above
        adapters = select_scanners(request, policy)
        timeout = request.timeout or policy.scanners.timeout or DEFAULT_TIMEOUT
        settings = dict(policy.scanners.settings)
        options = RunOptions(
            target=request.target.resolve(),
            timeout=timeout,
            jobs=request.jobs,
            settings=settings,
            unsafe=unsafe,
            history_since=history_since,
        )
        if cache is not None:
            outcomes.extend(result_cache.run_all(adapters, options, cache, progress))
        else:
            outcomes.extend(run_all(adapters, options, progress))
    return outcomes


def ingest_all(specs: list[InputSpec]) -> list[Outcome]:
    """Ingest the ``--input`` files, in order. A secret scanner's file is read on a thread of
    its own, started first: its cost is the salted hash of each secret, which runs outside the
    GIL, so it overlaps the parsing of the other files instead of following it."""
    background = [i for i, spec in enumerate(specs) if _hashes_secrets(spec)]
    interval = sys.getswitchinterval()
    if background and len(specs) > 1:
        # each hash is ~1 ms outside the GIL; a hashing thread then needs the GIL back to
        # start the next one, and by default waits up to 5 ms for the parsing thread to yield
        sys.setswitchinterval(_SHARED_SWITCH_INTERVAL)
    done: dict[int, list[Outcome]] = {}
    failed: dict[int, Exception] = {}  # the first file in order that fails is the one reported
    try:
        with ThreadPoolExecutor(max_workers=max(1, len(background))) as pool:
            pending = {i: pool.submit(ingest, specs[i]) for i in background}
            for i, spec in enumerate(specs):
                if i not in pending:
                    try:
                        done[i] = ingest(spec)
                    except Exception as exc:  # re-raised below, in input order
                        failed[i] = exc
                        break
            for i, future in pending.items():
                try:
                    done[i] = future.result()
                except Exception as exc:  # re-raised below, in input order
                    failed[i] = exc
    finally:
        sys.setswitchinterval(interval)
    if failed:
        raise failed[min(failed)]
    return [outcome for i in range(len(specs)) for outcome in done[i]]


_SHARED_SWITCH_INTERVAL = 0.0001
"""Seconds a thread may hold the GIL while another waits for it, while secrets are hashed
beside the parsing (Python's default is 0.005)."""


def _hashes_secrets(spec: InputSpec) -> bool:
    return spec.tool is not None and Category.SECRET in registry.get(spec.tool).categories


@dataclass(frozen=True)
class Configuration:
    """What judges a scan: the policy, and in pull-request mode (``--base``) the base commit's
    gate it came from (``.secgateignore``, baseline, VEX documents, what the pull request
    changes)."""

    policy: Policy
    gate: TrustedGate | None = None
    cache: tuple[result_cache.ResultCache | None, str | None] | None = None
    """The result cache the scan uses and, when there is none, the note saying why; None when
    not opened yet (``execute`` then opens it)."""


def configure(request: ScanRequest) -> Configuration:
    """Check that ``request`` can run, then load what judges it (the first step of
    ``execute``)."""
    if request.target is None and not request.inputs:
        raise UsageError("give a PATH to scan or at least one --input FILE")
    if request.target is not None and not request.target.is_dir():
        raise UsageError(f"{request.target}: not a directory to scan")
    check_excludes(request.excludes)
    if request.base is not None and request.target is not None:
        from secgate.pull_request import trusted_gate  # pull-request mode only

        gate = trusted_gate.prepare(
            request.target,
            request.base,
            from_event=request.base_from_event,
            explicit_policy=request.policy_path,
            policy_baseline=request.use_baseline and request.baseline is None,
        )
        return Configuration(policy=gate.policy, gate=gate)
    cache = _open_cache(request)
    # the cache remembers the policy texts that passed the schema: a re-scan skips that check
    policy = loader.load(request.policy_path, request.target, checks=cache[0])
    return Configuration(policy=policy, cache=cache)


def _open_cache(request: ScanRequest) -> tuple[result_cache.ResultCache | None, str | None]:
    if request.use_cache and request.target is not None:
        return result_cache.ResultCache.for_scan(request.target.resolve())
    return None, None


def execute(
    request: ScanRequest,
    progress: ProgressCallback | None = None,
    config: Configuration | None = None,
) -> ScanResult:
    """Run one scan and judge it (with ``config`` when the caller loaded it already)."""
    if config is None:
        config = configure(request)
    policy, gate = config.policy, config.gate
    today = policy_today()
    # read before anything runs: a malformed document ends the scan at once (exit 2)
    vex = load_vex(request, policy, gate)
    cache, cache_note = config.cache if config.cache is not None else _open_cache(request)
    unsafe = scanned_tree.unsafe_entries(request.target) if request.target is not None else []
    since = gate.diff.merge_base if gate is not None and gate.diff is not None else None
    outcomes = collect(request, policy, progress, cache, tuple(u.path for u in unsafe), since)
    runs = [o.run for o in outcomes]
    findings: list[Finding] = [f for o in outcomes for f in o.parsed.findings]
    scrubber = scrub.start_run(set().union(*(o.parsed.secret_values for o in outcomes)))
    scrubber.add_partials(masked_texts(findings))
    findings = redact(findings, runs, scrubber)
    root = request.target.resolve() if request.target else Path.cwd()
    normalize(findings, root)
    tree = SourceTree(root)
    from_cache = {id(f) for o in outcomes if o.run.origin == "cache" for f in o.parsed.findings}
    # values read back where a tool masked them (a cached finding's secret is unmasked already)
    if scrubber.add(unmask(findings, tree, unmasked=from_cache)):
        scrubber.add_partials(masked_texts(findings))
        redact(findings, runs, scrubber)
    if cache is not None:
        # stored after redaction: raw secret values never reach the cache
        result_cache.store_fresh(cache, outcomes)
    notes: list[str] = [
        *(gate.notes() if gate else []),
        *(text for text in [scanned_tree.note(unsafe), cache_note] if text),
    ]
    ignored = gate.ignore if gate is not None else read_ignore_file(request.target)
    patterns = [*request.excludes, *ignored]
    findings, excluded = split_excluded(findings, patterns)
    if excluded:
        notes.append(
            f"{len(excluded)} finding(s) in excluded paths left out (--exclude / {IGNORE_FILE})"
        )
    findings, fixed = identify(findings, runs, request, policy, root, notes, tree, gate)
    if gate is not None and gate.diff is not None:
        from secgate.pull_request import diff as code_diff

        code_diff.mark(findings, gate.diff, root)
    advisories = exploits.consult(findings, runs, registry.dependency_scanners())
    prepared = remediation.judge_reachability(findings, request.target, policy)
    required = set(request.scanners)
    evaluation = evaluate(
        findings,
        runs,
        policy,
        required=required,
        today=today,
        installed=installed_scanners(request),
        vex=vex,
        advisories=advisories,
    )
    verdict = evaluation.verdict
    if gate is not None:
        from secgate.pull_request import trusted_gate

        verdict = trusted_gate.judge(verdict, gate.review)
    notes.extend(evaluation.notes)
    if fixed is not None:
        verdict.counts["fixed"] = len(fixed)
    upgrades = remediation.plan_upgrades(
        findings, root, policy, vex, today, prepared, request.allow_major
    )
    findings.sort(key=Finding.sort_key)
    runs.sort(key=lambda r: (r.tool, r.input_file or ""))
    return ScanResult(
        findings=findings,
        runs=runs,
        verdict=verdict,
        policy=policy.source,
        target=str(request.target) if request.target else None,
        secgate_version=__version__,
        notes=notes,
        fixed=fixed or [],
        advisories=advisories,
        upgrades=upgrades,
        pull_request=gate.review if gate is not None else None,
    )


def identify(
    findings: list[Finding],
    runs: list[ScannerRun],
    request: ScanRequest,
    policy: Policy,
    root: Path,
    notes: list[str],
    tree: SourceTree | None = None,
    gate: TrustedGate | None = None,
) -> tuple[list[Finding], list[Finding] | None]:
    """Fingerprint, merge the reports of one problem, and mark findings new or existing against
    the baseline (the base commit's in pull-request mode, unless ``--baseline`` names one;
    masked secrets are unmasked before, in ``execute``). Returns the findings and the
    baseline's fixed ones (None without a baseline)."""
    tree = tree if tree is not None else SourceTree(root)
    by_cwe = code_dedupe_enabled(policy)
    assign_fingerprints(findings, tree, by_cwe=by_cwe)
    merged = dedupe(findings, tree, code=by_cwe)
    if merged.removed:
        notes.append(
            f"{merged.removed} duplicate report(s) merged into {merged.merged} "
            "finding(s) found by several tools"
        )
    findings = merged.findings
    disambiguate(findings)
    if not request.use_baseline:
        return findings, None
    if gate is not None and request.baseline is None:
        return findings, (
            baselines.mark(findings, gate.baseline, runs) if gate.baseline is not None else None
        )
    path = baselines.resolve(request.baseline, policy.baseline, root)
    if path is None:
        return findings, None
    # the policy's baseline is a file of the scanned tree; --baseline FILE is the user's
    baseline = baselines.load(path, root=root if request.baseline is None else None)
    return findings, baselines.mark(findings, baseline, runs)


def load_vex(request: ScanRequest, policy: Policy, gate: TrustedGate | None) -> VexIndex | None:
    """The VEX documents of the scan: ``--vex`` files, then the policy's ``vex:`` (relative to
    the target, read as files of the scanned tree; in pull-request mode the base commit's,
    read from it as the baseline is)."""
    if not request.vex and not policy.vex and (gate is None or not gate.vex):
        return None  # nothing to read: the VEX reader is not even loaded
    from secgate.advisories import vex as vex_documents

    if gate is not None:
        policy_documents = gate.vex
    else:
        root = request.target.resolve() if request.target else Path.cwd()
        policy_documents = [
            vex_documents.Document.read(root / name, root=root) for name in policy.vex
        ]
    documents = [*(vex_documents.Document.read(path) for path in request.vex), *policy_documents]
    return vex_documents.index(documents) if documents else None
