"""Pull-request mode, ``secgate scan PATH --base REF``: the pull request cannot switch the gate off.

The scanners examine the pull request's working tree, but the gate is configured by the base
commit (``secgate.pull_request.base_ref``), never by files the pull request can edit:

1. the policy (with its rules, thresholds, acceptances, ``advisories:`` limits and ``notify:``
   targets): ``.secgate.yml`` (or ``.yaml``) of REF's tree at the scanned directory, else the
   shipped default; an explicit ``--policy`` still wins;
2. ``.secgateignore``: REF's;
3. the baseline named by the policy's ``baseline:`` (relative to the scanned directory): REF's
   (``--baseline FILE`` still wins);
4. the VEX documents named by the policy's ``vex:`` (relative to the scanned directory): REF's,
   as the baseline is, since a ``not_affected`` statement decides a finding like an acceptance
   (``--vex FILE`` documents are the caller's and are read from the disk);
5. what the pull request changes in all of these, and in the scanners' own configuration files,
   is compared (``secgate.pull_request.changes``) and carried in the result (``ScanResult.
   pull_request``) for the terminal summary, the PR comment and the JSON report;
6. when a change weakens the gate, the verdict is at least "warn" — or "block" when the
   judging policy says ``gate_changes: block`` — with a reason that says so;
7. what the pull request changes in the code (``secgate.pull_request.diff``): its added and
   modified lines mark each finding ``changed``, and its commits are all that history scanners
   read; a shallow clone without the merge base is a usage error.

Files are read from git within the input size limit and parsed by the same functions as in a
normal scan (``policy.loader.parse`` with its YAML and glob checks, ``exclude.parse_ignore``,
``baseline.parse`` and ``advisories.vex.index`` with the reading layer's bounded JSON); the pull
request's own files are read as files of the scanned tree (``secgate.files.reading`` with its root).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from secgate.adapters import registry
from secgate.advisories import vex as vex_documents
from secgate.errors import InputError, PolicyError, SecgateError
from secgate.files import scanned_tree
from secgate.findings import baseline as baselines
from secgate.findings.baseline import Baseline
from secgate.findings.exclude import IGNORE_FILE, parse_ignore, read_ignore_file
from secgate.model import Finding, PullRequestGate, Verdict, VerdictStatus
from secgate.policy import loader
from secgate.policy.model import Policy
from secgate.pull_request import base_ref
from secgate.pull_request import diff as code_diff
from secgate.pull_request.changes import GateView, VexStatement, compare

DEFAULT_SOURCE = f"{loader.BUILTIN_PREFIX}{loader.DEFAULT}"
_BANDIT_TABLE = re.compile(r"^\s*\[\s*tool\.bandit[\].]")
_TABLE = re.compile(r"^\s*\[")


@dataclass
class TrustedGate:
    """The gate's configuration as the base commit has it, and what the pull request changes."""

    base: base_ref.BaseRef
    policy: Policy
    """The judging policy: REF's, or the explicit ``--policy``."""
    ignore: list[str]
    baseline: Baseline | None
    """The policy's baseline read from REF; None when the policy names none."""
    review: PullRequestGate
    vex: list[vex_documents.Document] = field(default_factory=list)
    """The VEX documents the judging policy's ``vex:`` names, read from REF."""
    diff: code_diff.PullRequestDiff | None = None
    """What the pull request changes in the code (its lines, files and commits)."""

    def notes(self) -> list[str]:
        fetched = (
            f" (fetched from {base_ref.REMOTE}: the checkout was shallow)"
            if self.base.fetched
            else ""
        )
        notes = [
            f"pull-request mode: the policy, {IGNORE_FILE}, baseline and VEX documents "
            f"come from {self.base.label}{fetched}, not from the pull request"
        ]
        if self.diff is not None:
            notes.append(
                f"pull-request mode: findings are changed or not by the diff from "
                f"{self.diff.merge_base[:12]} (where the pull request branched) to the "
                f"scanned tree; history scanners read its {len(self.diff.commits)} "
                f"commit(s) only"
            )
        return notes


def prepare(
    target: Path,
    ref: str,
    *,
    from_event: bool = False,
    explicit_policy: Path | str | None = None,
    policy_baseline: bool = True,
) -> TrustedGate:
    """Resolve ``ref`` (fetching it when needed) and read the gate's configuration from it.
    ``policy_baseline``: False when the judging baseline is not the policy's (``--baseline
    FILE``, or none wanted); the base's is then read for the comparison only."""
    base = base_ref.resolve(target, ref, from_event=from_event)
    changed = code_diff.compute(base)
    base_policy, base_file = _base_policy(base)
    policy = loader.load(explicit_policy, None) if explicit_policy is not None else base_policy
    ignore_text = base_ref.read_text(base, IGNORE_FILE, InputError)
    ignore = parse_ignore(ignore_text, base.source(IGNORE_FILE)) if ignore_text is not None else []
    baseline = _base_baseline(base, policy.baseline) if policy_baseline else None
    vex = [_base_vex(base, name) for name in policy.vex]
    base_view = GateView(
        policy=base_policy,
        policy_file=base_file,
        ignore=ignore,
        baseline_file=base_policy.baseline,
        scanner_readers=_scanner_readers(),
    )
    if base_policy.vex == policy.vex:
        base_view.vex = _described_vex(list(zip(policy.vex, vex, strict=True)))
    else:  # for the comparison only: a problem with them must not stop the scan
        try:
            base_view.vex = _described_vex(
                [(name, _base_vex(base, name)) for name in base_policy.vex]
            )
        except SecgateError as exc:
            base_view.vex_error = exc.message
    if policy_baseline and base_policy.baseline == policy.baseline:
        base_view.baseline = _described(baseline)
    else:  # for the comparison only: a problem with it must not stop the scan
        try:
            base_view.baseline = _described(_base_baseline(base, base_policy.baseline))
        except SecgateError as exc:
            base_view.baseline_error = exc.message
    base_view.scanner_files = {path: _base_file(base, path) for path in base_view.scanner_readers}
    head_view = _head_view(target, base_view)
    review = PullRequestGate(
        base=ref,
        commit=base.commit,
        on_weakening=policy.gate_changes,
        changes=compare(base_view, head_view),
        block=policy.pull_request.block,
        head=changed.head,
        merge_base=changed.merge_base,
        prefix=base.prefix,
    )
    return TrustedGate(
        base=base,
        policy=policy,
        ignore=ignore,
        baseline=baseline,
        review=review,
        vex=vex,
        diff=changed,
    )


def judge(verdict: Verdict, review: PullRequestGate) -> Verdict:
    """The verdict once the pull request's changes to the gate are counted (module docstring,
    step 5)."""
    weakening = review.weakening
    if not weakening:
        return verdict
    files = ", ".join(dict.fromkeys(change.file for change in weakening))
    reason = (
        f"this pull request weakens the gate: {len(weakening)} change(s) to {files} "
        f"(gate_changes: {review.on_weakening})"
    )
    status = verdict.status
    if review.on_weakening == "block" and status is not VerdictStatus.ERROR:
        status = VerdictStatus.BLOCK
    elif status is VerdictStatus.PASS:
        status = VerdictStatus.WARN
    return verdict.model_copy(update={"status": status, "reasons": [*verdict.reasons, reason]})


# --- the base commit's side ---------------------------------------------------------------------


def _base_policy(base: base_ref.BaseRef) -> tuple[Policy, str]:
    """REF's discovered policy and its file name (``builtin:default`` when it has none)."""
    for name in loader.DISCOVERED_NAMES:
        text = base_ref.read_text(base, name, PolicyError)
        if text is not None:
            return loader.parse(text, base.source(name)), name
    return loader.parse(loader.shipped(loader.DEFAULT), DEFAULT_SOURCE), DEFAULT_SOURCE


def _base_baseline(base: base_ref.BaseRef, configured: str | None) -> Baseline | None:
    """The baseline a policy names: from REF when relative, from the disk when absolute."""
    if not configured:
        return None
    if Path(configured).is_absolute():
        return baselines.load(Path(configured))
    data = base_ref.read(base, configured)
    if data is None:
        raise InputError(
            f"baseline file not found in {base.label}; {baselines.CREATE_HINT}",
            path=base.source(configured),
        )
    return baselines.parse(data, base.source(configured))


def _base_vex(base: base_ref.BaseRef, name: str) -> vex_documents.Document:
    """A VEX document a policy names: from REF when relative, from the disk when absolute."""
    if Path(name).is_absolute():
        return vex_documents.Document.read(Path(name))
    data = base_ref.read(base, name)
    if data is None:
        raise InputError(
            f"VEX document not found in {base.label} (the policy's vex: names it)",
            path=base.source(name),
        )
    return vex_documents.Document(data, base.source(name))


def _base_file(base: base_ref.BaseRef, path: str) -> bytes | None:
    try:
        data = base_ref.read(base, path)
    except SecgateError:
        return b"(not a regular file)"
    return _relevant(path, data)


# --- the pull request's side --------------------------------------------------------------------


def _head_view(target: Path, base_view: GateView) -> GateView:
    """The pull request's own configuration in the working tree (compared, never applied)."""
    try:
        text, source = loader.discover(None, target)
        policy: Policy | None = loader.parse(text, source)
        error = None
    except PolicyError as exc:
        policy, error, source = None, exc.render(), _discovered_name(target)
    file = Path(source).name if source != DEFAULT_SOURCE else DEFAULT_SOURCE
    view = GateView(
        policy=policy,
        policy_file=file,
        policy_error=error,
        scanner_readers=base_view.scanner_readers,
    )
    try:
        view.ignore = read_ignore_file(target)
    except SecgateError as exc:
        view.ignore_error = exc.render()
    configured = policy.baseline if policy is not None else base_view.baseline_file
    view.baseline_file = configured
    if configured:
        view.baseline, view.baseline_error = _head_baseline(target, configured)
    try:
        names = policy.vex if policy is not None else []
        view.vex = _described_vex([(name, _head_vex(target, name)) for name in names])
    except SecgateError as exc:
        view.vex_error = exc.render()
    view.scanner_files = {path: _head_file(target, path) for path in view.scanner_readers}
    return view


def _discovered_name(target: Path) -> str:
    for name in loader.DISCOVERED_NAMES:
        if (target / name).exists() or (target / name).is_symlink():
            return str(target / name)
    return DEFAULT_SOURCE


def _head_baseline(target: Path, configured: str) -> tuple[dict[str, str] | None, str | None]:
    path = Path(configured) if Path(configured).is_absolute() else target / configured
    if not scanned_tree.lexically_inside(target, path):
        return None, f"{configured} is outside the scanned directory (not compared)"
    problem = scanned_tree.problem(target, path)
    if problem:
        return None, f"{configured} is a {problem}"
    if not path.exists():
        return None, None
    try:
        return _described(baselines.load(path, root=target)), None
    except SecgateError as exc:
        return None, exc.message


def _head_vex(target: Path, name: str) -> vex_documents.Document:
    path = Path(name) if Path(name).is_absolute() else target / name
    return vex_documents.Document.read(path, root=target)


def _head_file(target: Path, path: str) -> bytes | None:
    if scanned_tree.problem(target, path):
        return b"(not a regular file)"
    return _relevant(path, scanned_tree.read_bytes(target, path))


# --- shared -----------------------------------------------------------------------------------


def _scanner_readers() -> dict[str, list[str]]:
    """Every scanner configuration file, and the scanners that read it."""
    readers: dict[str, list[str]] = {}
    for adapter in registry.scanners():
        for path in adapter.config_files:
            readers.setdefault(path, []).append(adapter.name)
    return readers


def _relevant(path: str, data: bytes | None) -> bytes | None:
    """The part of a configuration file its scanner reads: for ``pyproject.toml``, its
    ``[tool.bandit]`` tables only (None when it has none)."""
    if data is None or Path(path).name != "pyproject.toml":
        return data
    kept: list[str] = []
    inside = False
    for line in data.decode("utf-8", "replace").splitlines():
        if _TABLE.match(line):
            inside = bool(_BANDIT_TABLE.match(line))
        if inside:
            kept.append(line)
    return "\n".join(kept).encode() if kept else None


def _described_vex(named: list[tuple[str, vex_documents.Document]]) -> dict[str, VexStatement]:
    """The statements of the documents a policy names (``(name in vex:, document)``), keyed by
    what they say, not by where they stand."""
    described: dict[str, VexStatement] = {}
    for name, document in named:
        for statement in vex_documents.index([document]).statements:
            products = sorted(p.text for p in statement.products)
            key = json.dumps(
                [
                    sorted(statement.vulnerabilities),
                    products,
                    statement.status,
                    statement.justification,
                    statement.impact,
                    statement.timestamp,
                ]
            )
            what = statement.status.replace("_", " ")
            described.setdefault(
                key,
                VexStatement(
                    clears=statement.clears,
                    document=name,
                    text=f"{', '.join(sorted(statement.vulnerabilities))} {what} for "
                    f"{', '.join(products) or 'no package'}",
                ),
            )
    return described


def _described(baseline: Baseline | None) -> dict[str, str] | None:
    if baseline is None:
        return None
    return {fp: _describe(finding) for fp, finding in baseline.by_fingerprint.items()}


def _describe(finding: Finding) -> str:
    where = ""
    if finding.package is not None:
        where = f" ({finding.package.name}=={finding.package.version or '?'})"
    elif finding.location is not None:
        where = f" in {finding.location.path}"
    return f"{finding.tool}:{finding.rule_id}{where}"
