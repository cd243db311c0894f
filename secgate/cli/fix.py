"""``secgate fix``: print the upgrade plan of a scan, write it with ``--write``, and the exit code.

The diff goes to standard output (``secgate fix > fix.patch`` is a patch ``git apply`` takes);
what the plan does per package, and what it leaves blocking, goes to standard error.

Exit codes: 0 when nothing blocks or the plan clears every blocking finding; 1 when blocking
findings remain that the plan cannot clear (they are listed); 3 when a scanner failed (the scan
fails closed, whatever the plan); 2 for usage and input errors, as for ``scan``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from secgate.cli.terminal import terminal_text
from secgate.errors import ExitCode
from secgate.model import ScanResult, VerdictStatus
from secgate.remediation import rewrite
from secgate.remediation.model import PackageUpgrade
from secgate.remediation.plan import plan_rewrite

_STATUS_WORDS = {
    "upgrade": "upgrade",
    "new-major": "NEW MAJOR",
    "unfixable": "UNFIXABLE",
    "locked": "LOCKED",
    "transitive": "TRANSITIVE",
    "unpinned": "UNPINNED",
    "hash-pinned": "HASH-PINNED",
    "not-python": "NOT PYTHON",
}


def package_line(upgrade: PackageUpgrade) -> str:
    """One line for a person: the package, what the plan does, and why."""
    target = f" -> {upgrade.target}" if upgrade.target else ""
    written = " (written with --write)" if upgrade.applied else ""
    return (
        f"{_STATUS_WORDS[upgrade.status]:<11} {upgrade.name} {upgrade.version or '?'}"
        f"{target}{written}: {upgrade.reason}"
    )


def report(result: ScanResult, out: TextIO, err: TextIO, quiet: bool) -> None:
    """Print the plan: its lines on ``err``, the diff on ``out``."""
    plan = result.upgrades
    if plan is None:
        if not quiet:
            print("secgate fix: nothing blocks, nothing to fix", file=err)
        return
    if not quiet:
        for upgrade in plan.packages:
            print(f"  {terminal_text(package_line(upgrade), 600)}", file=err)
        for line in plan.left_blocking:
            print(f"  still blocking: {terminal_text(line, 300)}", file=err)
        if plan.candidates_from:
            print(f"  candidate versions from: {'; '.join(plan.candidates_from)}", file=err)
        left = len(plan.left_blocking)
        print(
            "secgate fix: the plan clears every blocking finding"
            if not left
            else f"secgate fix: {left} blocking finding(s) remain that the plan cannot clear",
            file=err,
        )
    out.write(plan.diff)


def apply(result: ScanResult, root: Path, err: TextIO, quiet: bool) -> list[str]:
    """Write the plan's upgrades into the requirement files under ``root``; the files."""
    plan = result.upgrades
    if plan is None or not plan.diff:
        return []
    written = rewrite.write(root, plan_rewrite(plan, root))
    if not quiet:
        print(f"secgate fix: rewrote {', '.join(written)}", file=err)
    return written


def exit_code(result: ScanResult) -> int:
    """See the module docstring."""
    if result.verdict.status is VerdictStatus.ERROR:
        return ExitCode.SCANNER_ERROR.value
    plan = result.upgrades
    if plan is None or plan.clears_everything:
        return ExitCode.PASS.value
    return ExitCode.BLOCKED.value
