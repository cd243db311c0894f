"""secgate's benchmarks, measured side by side in one run: ``python bench/run.py``.

1. Processing generated scanner outputs (Bandit + Semgrep + Gitleaks JSON, ``bench/generate.py``)
   of 10,000 and 100,000 findings: ``secgate scan --input ... --sarif --html --markdown``
   (ingest, dedupe, policy, three reports) against the floor of a bare ``json.load`` +
   ``json.dump`` of the same files, and against sarif-tools' ``sarif summary`` of the SARIF
   secgate wrote; wall time and peak memory of each.
2. ``secgate scan`` of a copy of ``examples/vulnerable-app`` (no cache): scanners in parallel
   (the default ``--jobs``), the same scanners one after another (``--jobs 1``), and the
   slowest scanner alone.
3. The result cache: a cold scan, a warm re-scan with nothing changed, and one with one source
   file changed.
4. Advisory data (``bench/advisories.py``): importing the whole PyPA advisory database (given
   with ``--pypa DIR``; skipped without it) and auditing 200 pins against it.

Every figure is one process started from here (its wall time, and its peak resident memory from
``getrusage(RUSAGE_CHILDREN)`` read in a wrapper process of its own). Options: ``--sizes``,
``--skip-scan``, ``--keep DIR`` (keep the generated files), ``--pypa DIR``, ``--only
advisories``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import advisories  # section 4, beside this script
from generate import write as generate  # the generator lives beside this script

from secgate.scanning.runner import default_jobs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "vulnerable-app"
PYTHON = sys.executable
TARGETS = {"processing": 3.0, "memory_mb": 1024.0, "parallel": 1.15, "warm": 0.10}

_WRAPPER = """
import json, resource, subprocess, sys, time
spec = json.loads(sys.argv[1])
started = time.perf_counter()
done = subprocess.run(spec["argv"], cwd=spec["cwd"], env=spec["env"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "peak_kb": usage.ru_maxrss,
                  "cpu": usage.ru_utime + usage.ru_stime, "code": done.returncode,
                  "stdout": done.stdout.decode("utf-8", "replace")[-200000:],
                  "stderr": done.stderr.decode("utf-8", "replace")[-2000:]}))
"""

_FLOOR = """
import json, sys
for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as src:
        doc = json.load(src)
    with open(name + ".floor", "w", encoding="utf-8") as out:
        json.dump(doc, out)
"""


@dataclass
class Measure:
    wall: float
    peak_mb: float
    """Peak resident memory in MiB (``ru_maxrss`` / 1024)."""
    cpu: float
    """User + system CPU seconds of the process and its children."""
    code: int
    stdout: str
    stderr: str


def measure(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    ok: tuple[int, ...] = (0,),
) -> Measure:
    """Run ``argv`` once in a wrapper process; its wall time and peak memory."""
    spec = {"argv": argv, "cwd": str(cwd) if cwd else None, "env": env or dict(os.environ)}
    done = subprocess.run(
        [PYTHON, "-c", _WRAPPER, json.dumps(spec)], capture_output=True, text=True, check=True
    )
    row = json.loads(done.stdout)
    result = Measure(
        row["wall"], row["peak_kb"] / 1024, row["cpu"], row["code"], row["stdout"], row["stderr"]
    )
    if result.code not in ok:
        raise SystemExit(f"bench: {' '.join(argv[:6])} ... exited {result.code}:\n{result.stderr}")
    return result


def secgate(*args: str | Path) -> list[str]:
    return [PYTHON, "-m", "secgate", *map(str, args)]


def sarif_tools() -> str | None:
    found = shutil.which(
        "sarif", path=f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    )
    return found


def scanner_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    tools = ROOT / ".tools" / "bin"
    if tools.is_dir():
        env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("SEMGREP_ENABLE_VERSION_CHECK", "0")
    env.setdefault("SEMGREP_SEND_METRICS", "off")
    env.update(extra)
    return env


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "n/a"


def verdict(value: float, target: float, *, below: bool = True) -> str:
    met = value <= target if below else value >= target
    return "met" if met else "NOT met"


# --- 1. processing -------------------------------------------------------------------------
def processing(sizes: list[int], work: Path) -> dict[int, dict[str, Measure]]:
    print(
        "== 1. Processing generated scanner outputs: ingest -> dedupe -> policy -> "
        "SARIF + HTML + Markdown"
    )
    print(
        f"   {'findings':>9} | {'json floor':>18} | {'secgate':>18} {'ratio':>7} | "
        f"{'sarif summary':>18} {'ratio':>7}"
    )
    sarif_cmd = sarif_tools()
    results: dict[int, dict[str, Measure]] = {}
    for size in sizes:
        folder = work / f"gen-{size}"
        files = generate(size, folder)
        floor = measure([PYTHON, "-c", _FLOOR, *map(str, files.values())])
        out = folder / "out"
        out.mkdir(exist_ok=True)
        inputs = [arg for tool, path in files.items() for arg in ("--input", f"{tool}={path}")]
        run = measure(
            secgate(
                "scan",
                *inputs,
                "--quiet",
                "--sarif",
                out / "report.sarif",
                "--html",
                out / "report.html",
                "--markdown",
                out / "report.md",
            ),
            ok=(0, 1),
        )
        row = {"floor": floor, "secgate": run}
        line = (
            f"   {size:>9,} | {floor.wall:7.2f} s {floor.peak_mb:6.0f} MiB | "
            f"{run.wall:7.2f} s {run.peak_mb:6.0f} MiB {ratio(run.wall, floor.wall):>7} | "
        )
        if sarif_cmd:
            summary = measure([sarif_cmd, "summary", str(out / "report.sarif")])
            row["sarif-tools"] = summary
            line += (
                f"{summary.wall:7.2f} s {summary.peak_mb:6.0f} MiB "
                f"{ratio(run.wall, summary.wall):>7}"
            )
        else:
            line += "sarif-tools not installed"
        results[size] = row
        print(line, flush=True)
    largest = max(sizes)
    big = results[largest]
    print(
        f"   target: {largest:,} findings in <= {TARGETS['processing']:g}x the json floor: "
        f"{ratio(big['secgate'].wall, big['floor'].wall)} -> "
        f"{verdict(big['secgate'].wall / big['floor'].wall, TARGETS['processing'])}; "
        f"peak memory < 1 GiB: {big['secgate'].peak_mb:.0f} MiB "
        f"(= {big['secgate'].peak_mb * 1.048576:.0f} MB) -> "
        f"{verdict(big['secgate'].peak_mb, TARGETS['memory_mb'])}"
    )
    if len(sizes) > 1:
        small = results[min(sizes)]
        factor = largest / min(sizes)
        growth = big["secgate"].wall / small["secgate"].wall
        floor_growth = big["floor"].wall / small["floor"].wall
        print(
            f"   growth {min(sizes):,} -> {largest:,} findings (x{factor:g}): secgate "
            f"x{growth:.2f}, json floor x{floor_growth:.2f}; per finding "
            f"{small['secgate'].wall / min(sizes) * 1e6:.0f} us -> "
            f"{big['secgate'].wall / largest * 1e6:.0f} us "
            f"({'linear or better' if growth <= factor * 1.15 else 'worse than linear'})"
        )
    return results


# --- 2. parallel scan ------------------------------------------------------------------------
def scan_runs(report: str) -> list[dict[str, Any]]:
    doc = json.loads(report)
    runs: list[dict[str, Any]] = doc["runs"]
    return runs


def parallel_scan(work: Path) -> None:
    print("== 2. secgate scan examples/vulnerable-app (no cache)")
    target = work / "vulnerable-app"
    shutil.copytree(EXAMPLE, target)
    env = scanner_env(SECGATE_NO_CACHE="1")
    ok = (0, 1, 3)
    parallel = measure(secgate("scan", target, "--quiet", "--json", "-"), env=env, ok=ok)
    ran = [r for r in scan_runs(parallel.stdout) if r["status"] != "skipped"]
    names = [r["tool"] for r in ran]
    only = [arg for name in names for arg in ("--scanner", name)]
    sequential = measure(
        secgate("scan", target, *only, "--jobs", "1", "--quiet", "--json", "-"), env=env, ok=ok
    )
    alone = {
        name: measure(
            secgate("scan", target, "--scanner", name, "--quiet", "--json", "-"), env=env, ok=ok
        )
        for name in names
    }
    slowest = max(alone, key=lambda name: alone[name].wall)
    print(f"   scanners that ran: {', '.join(names)}")
    print(
        "   each scanner alone (secgate scan --scanner NAME): "
        + ", ".join(
            f"{name} {alone[name].wall:.2f} s"
            for name in sorted(alone, key=lambda n: -alone[n].wall)
        )
    )
    total = sum(m.wall for m in alone.values())
    cpu = sum(m.cpu for m in alone.values())
    cores = os.cpu_count() or 1
    print(f"   parallel (--jobs {default_jobs()}, the default) {parallel.wall:7.2f} s")
    print(
        f"   one after another (--jobs 1) {sequential.wall:7.2f} s   "
        f"parallel / sequential = {ratio(parallel.wall, sequential.wall)}; "
        f"sum of the scanners alone {total:.2f} s"
    )
    print(
        f"   CPU time of the single-scanner scans (secgate's own start-up included): "
        f"{cpu:.2f} s over {cores} core(s) = {cpu / cores:.2f} s of wall if spread perfectly "
        f"({ratio(cpu / cores, alone[slowest].wall)} the slowest scanner)"
    )
    print(
        f"   CPU time of the parallel scan itself (secgate and every scanner): "
        f"{parallel.cpu:.2f} s: on {cores} core(s) no schedule ends before "
        f"{parallel.cpu / cores:.2f} s = {ratio(parallel.cpu / cores, alone[slowest].wall)} "
        f"the slowest scanner"
    )
    print(
        f"   slowest scanner alone ({slowest}) {alone[slowest].wall:7.2f} s   parallel / slowest"
        f" = {ratio(parallel.wall, alone[slowest].wall)} (target <= {TARGETS['parallel']:g}x: "
        f"{verdict(parallel.wall / alone[slowest].wall, TARGETS['parallel'])})"
    )


# --- 3. cache ----------------------------------------------------------------------------------
def cache_scans(work: Path) -> None:
    print("== 3. Result cache: cold scan, warm re-scan (nothing changed, one file changed)")
    target = work / "cached-app"
    shutil.copytree(EXAMPLE, target)
    env = scanner_env(SECGATE_NO_CACHE="0", SECGATE_CACHE_DIR=str(work / "cache"))
    ok = (0, 1, 3)
    argv = secgate("scan", target, "--quiet", "--json", "-")
    cold = measure(argv, env=env, ok=ok)
    warm = measure(argv, env=env, ok=ok)
    reused = sum(r["origin"] == "cache" for r in scan_runs(warm.stdout))
    changed_file = target / "app" / "calc.py"
    with changed_file.open("a", encoding="utf-8") as out:
        out.write("\n# touched by bench/run.py\n")
    changed = measure(argv, env=env, ok=ok)
    fresh = sorted(
        r["tool"]
        for r in scan_runs(changed.stdout)
        if r["origin"] == "run" and r["status"] != "skipped"
    )
    print(f"   cold scan {cold.wall:7.2f} s")
    print(
        f"   warm, nothing changed {warm.wall:7.2f} s  = {ratio(warm.wall, cold.wall)} of cold "
        f"(target <= {TARGETS['warm']:.2f}x: {verdict(warm.wall / cold.wall, TARGETS['warm'])}"
        f"; {reused} result(s) from cache)"
    )
    print(
        f"   warm, app/calc.py changed {changed.wall:7.2f} s  = "
        f"{ratio(changed.wall, cold.wall)} of cold (ran again: {', '.join(fresh)})"
    )


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} CPU(s) {model}, "
        f"Python {platform.python_version()}, load average {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10000,100000", help="finding counts to generate, comma-separated"
    )
    parser.add_argument(
        "--skip-scan", action="store_true", help="only the processing benchmark (no scanner runs)"
    )
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument(
        "--pypa",
        type=Path,
        default=None,
        help="the PyPA advisory database's vulns/ directory for section 4 "
        f"[default: ${advisories.ENV}; skipped without it]",
    )
    parser.add_argument(
        "--only", choices=["advisories"], default=None, help="run only this section"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"machine: {machine()}", flush=True)
    # byte-compile the sources first, as scripts/setup and `pip install` do: with
    # PYTHONDONTWRITEBYTECODE set, an edited module would be compiled again at every start
    subprocess.run(
        [PYTHON, "-m", "compileall", "-q", str(ROOT / "secgate")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    work = args.keep or Path(tempfile.mkdtemp(prefix="secgate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.only is None:
            processing(sizes, work)
            if not args.skip_scan:
                parallel_scan(work)
                cache_scans(work)
        advisories.run(args.pypa, work, measure, secgate, scanner_env, PYTHON)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
