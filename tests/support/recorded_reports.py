"""The bundled example's reports, recorded, so that a change can show it leaves them byte-identical.

Two cases, each written with ``--output-dir`` (report.sarif, report.json, report.html, report.md,
summary.md, report.junit.xml) under the shipped default policy, with ``SECGATE_TODAY``,
``SECGATE_SECRET_SALT`` and the git identity and dates fixed and no result cache:

- ``inputs``: a fixed set of real captures under ``tests/fixtures`` ingested with ``--input``;
- ``example-scan``: a real scan of a git copy of ``examples/vulnerable-app`` by every scanner
  ``scripts/setup`` installs, with the advisory data of ``examples/advisories`` imported first
  (as ``scripts/demo`` does).

What a run cannot repeat is normalized before comparing, and only that: the time a scanner ran
and for how long (SARIF ``startTimeUtc``/``endTimeUtc``, ``started_at``, ``duration``; the
duration cell of the HTML and Markdown run tables), the time the advisory data was imported
(``imported_at``), and the two locations of a run (this checkout, and the temporary directory
that holds the scanned copy and the data), which stand in scanners' command lines and artifact
paths. The ``--input`` case needs only the last: the paths of its input files.

Record again (after a change that means to alter the reports) with
``.venv/bin/python -m tests.support.recorded_reports --record`` from the repository's root;
``--check`` compares and prints what differs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "gate" / "recorded"
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLE_APP = ROOT / "examples" / "vulnerable-app"
ADVISORIES = ROOT / "examples" / "advisories"
REPORT_FILES = (
    "report.sarif",
    "report.json",
    "report.html",
    "report.md",
    "summary.md",
    "report.junit.xml",
)
INPUTS = (
    "bandit/1.9.4/vulnerable-app.json",
    "semgrep/1.130.0/vulnerable-app.sarif",
    "gitleaks/8.30.1/git.json",
    "trivy/0.70.0/fs-secret-license-misconfig.json",
    "pip-audit/2.10.1/vulns-osv-standin.json",
    "safety/2.3.5/check.json",
    "trufflehog/3.x/git.jsonl",
    "pip-licenses/5.5.5/licenses-default.json",
)
FIXED_ENV = {
    "SECGATE_TODAY": "2026-12-15",
    "SECGATE_SECRET_SALT": "recorded-reports",
    "SECGATE_NO_CACHE": "1",
    "GIT_AUTHOR_NAME": "secgate-recorded",
    "GIT_AUTHOR_EMAIL": "recorded@example.invalid",
    "GIT_COMMITTER_NAME": "secgate-recorded",
    "GIT_COMMITTER_EMAIL": "recorded@example.invalid",
    "GIT_AUTHOR_DATE": "2026-12-01T10:00:00Z",
    "GIT_COMMITTER_DATE": "2026-12-01T10:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "SEMGREP_ENABLE_VERSION_CHECK": "0",
    "SEMGREP_SEND_METRICS": "off",
}
_LEFT_OUT_ENV = ("GITHUB_", "SECGATE_", "RUNNER_")
_TIMES = re.compile(r'"(startTimeUtc|endTimeUtc|started_at|imported_at)": "[^"]*"')
_DURATION = re.compile(r'"duration": [0-9.e+-]+')
_HTML_DURATION_CELL = re.compile(
    r"(<tr class=\"run-[a-z-]+\">(?:<td>[^<]*</td>){3})<td>[0-9]+\.[0-9] s</td>"
)
_MD_DURATION_CELL = re.compile(r"^(\| [^|]+ \| [^|]+ \| [^|]+ \| )[0-9]+\.[0-9] s \|", re.MULTILINE)


@dataclass(frozen=True)
class Case:
    """One recorded case: its name and whether its reports hold run times to normalize."""

    name: str
    timed: bool


CASES = (Case("inputs", timed=False), Case("example-scan", timed=True))


def environment(home: Path) -> dict[str, str]:
    """The fixed environment of a recorded run: no CI variables, no secgate settings but the
    fixed ones, the project's scanners first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LEFT_OUT_ENV)}
    env.update(FIXED_ENV)
    env["HOME"] = str(home)
    env["PATH"] = f"{ROOT / '.tools' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["SECGATE_DATA_DIR"] = str(home / "data")
    env["SECGATE_CACHE_DIR"] = str(home / "cache")
    return env


def _secgate(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secgate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def run_case(case: Case, work: Path, out: Path) -> int:
    """Write ``case``'s reports into ``out`` (using ``work`` for its files); secgate's exit code."""
    env = environment(work)
    out.mkdir(parents=True, exist_ok=True)
    if case.name == "inputs":
        args = [arg for rel in INPUTS for arg in ("--input", str(FIXTURES / rel))]
        done = _secgate(
            "scan",
            "-q",
            "--policy",
            "builtin:default",
            "--output-dir",
            str(out),
            *args,
            cwd=work,
            env=env,
        )
        return done.returncode
    target = work / "vulnerable-app"
    shutil.copytree(EXAMPLE_APP, target)
    _git(target, env, "init", "-q", "-b", "main")
    _git(target, env, "add", "-A")
    _git(target, env, "commit", "-q", "-m", "vulnerable example")
    imported = _secgate(
        "advisories",
        "import",
        str(ADVISORIES / "pypa-advisory-database" / "vulns"),
        "--kev",
        str(ADVISORIES / "kev-data" / "known_exploited_vulnerabilities.json"),
        cwd=work,
        env=env,
    )
    if imported.returncode != 0:
        raise RuntimeError(f"advisories import failed: {imported.stderr}")
    done = _secgate(
        "scan",
        "-q",
        "vulnerable-app",
        "--policy",
        "builtin:default",
        "--output-dir",
        str(out),
        cwd=work,
        env=env,
    )
    return done.returncode


def normalize(text: str, work: Path, timed: bool) -> str:
    """``text`` with the run locations, and with ``timed`` the times and durations, replaced
    by fixed words."""
    text = text.replace(str(work), "$RUN").replace(str(ROOT), "$CHECKOUT")
    if not timed:
        return text
    text = _TIMES.sub(lambda m: f'"{m.group(1)}": "$TIME"', text)
    text = _DURATION.sub('"duration": "$SECONDS"', text)
    text = _HTML_DURATION_CELL.sub(r"\1<td>$SECONDS</td>", text)
    return _MD_DURATION_CELL.sub(r"\1$SECONDS |", text)


def produce(case: Case) -> tuple[int, dict[str, bytes]]:
    """Run ``case`` afresh: its exit code and its (normalized where needed) report files."""
    with tempfile.TemporaryDirectory(prefix=f"secgate-recorded-{case.name}-") as tmp:
        work = Path(tmp).resolve()
        out = work / "reports"
        code = run_case(case, work, out)
        files: dict[str, bytes] = {}
        for name in REPORT_FILES:
            text = (out / name).read_bytes().decode("utf-8")
            files[name] = normalize(text, work, case.timed).encode("utf-8")
        return code, files


def recorded(case: Case) -> tuple[int, dict[str, bytes]]:
    """The exit code and files recorded for ``case``."""
    folder = RECORDED / case.name
    code = int((folder / "exit-code").read_text(encoding="utf-8"))
    return code, {name: (folder / name).read_bytes() for name in REPORT_FILES}


def record(case: Case) -> None:
    """Run ``case`` and keep what it wrote as the recorded reports."""
    code, files = produce(case)
    folder = RECORDED / case.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exit-code").write_text(f"{code}\n", encoding="utf-8")
    for name, data in files.items():
        (folder / name).write_bytes(data)


def differences(case: Case) -> list[str]:
    """What differs between a fresh run of ``case`` and its recording (empty: byte-identical)."""
    code, files = produce(case)
    want_code, want = recorded(case)
    found = [] if code == want_code else [f"{case.name}: exit code {code}, recorded {want_code}"]
    found += [f"{case.name}/{name} differs" for name in REPORT_FILES if files[name] != want[name]]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="record the reports anew")
    parser.add_argument("cases", nargs="*", default=[case.name for case in CASES])
    options = parser.parse_args()
    chosen = [case for case in CASES if case.name in options.cases]
    if options.record:
        for case in chosen:
            record(case)
        return 0
    found = [line for case in chosen for line in differences(case)]
    print("\n".join(found) or "reports byte-identical to the recording")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
