"""secgate's benchmarks, measured side by side in one run: ``python bench/run.py``.

1. Processing generated scanner outputs (Bandit + Semgrep + Gitleaks JSON) of 10,000 and
   100,000 findings in two shapes, "repeated" (``bench/generate.py``: captured results copied to
   new places) and "varied" (``bench/varied.py``: one file per finding, its own texts):
   ``secgate scan --input ... --sarif`` and the same with every report, each against the floor
   of a bare ``json.load`` + ``json.dump`` of the same files, and sarif-tools' ``sarif summary``
   of the SARIF secgate wrote; wall time, CPU time and peak memory of each.
2. ``secgate scan`` of a copy of ``examples/vulnerable-app`` and of each ``--project`` (no
   cache): scanners in parallel (the default ``--jobs``), one after another (``--jobs 1``, the
   example only), and each scanner alone; judged against the slowest scanner where the cores
   allow, else the CPU bound.
3. The result cache: cold scans and warm re-scans with nothing changed (the fastest of
   ``CACHE_RUNS`` pairs), and a re-scan with one source file changed.
4. Advisory data (``bench/advisories.py``): importing the whole PyPA advisory database (given
   with ``--pypa DIR``; skipped without it) and auditing 200 pins against it.

Every figure is one process started from here (its wall time, and its peak resident memory from
``getrusage(RUSAGE_CHILDREN)`` read in a wrapper process of its own). Options: ``--sizes``,
``--runs N`` (section 1: the fastest of N), ``--skip-scan``, ``--project PATH``, ``--keep DIR``
(keep the generated files), ``--pypa DIR``, ``--only advisories|scan``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import advisories  # section 4, beside this script
import varied  # the varied shape of section 1
from generate import write as generate  # the generator lives beside this script

from secgate.scanning.runner import default_jobs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "vulnerable-app"
PYTHON = sys.executable
CACHE_RUNS = 3
"""Cold and warm scans of section 3 each keep the fastest of this many runs: a warm re-scan
lasts about a second, and one run of it on this VM moves by a fifth."""
TARGETS = {"processing": 2.0, "memory_mb": 1024.0, "growth": 1.20, "parallel": 1.15, "warm": 0.10}

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
SHAPES = ("repeated", "varied")
PIPELINES = {
    "sarif": ("--sarif", "report.sarif"),
    "reports": (
        "--sarif",
        "report.sarif",
        "--json",
        "report.json",
        "--html",
        "report.html",
        "--markdown",
        "report.md",
        "--summary",
        "summary.md",
        "--junit",
        "junit.xml",
    ),
}
"""ingest -> dedupe -> policy -> SARIF; and the same with every report of a scan."""


def generated(shape: str, size: int, work: Path) -> tuple[dict[str, Path], Path]:
    """The scanner outputs of ``shape`` with ``size`` findings, and the directory the scan runs
    in (its source tree: empty for "repeated", some of the files for "varied")."""
    folder = work / f"{shape}-{size}"
    if shape == "repeated":
        files = generate(size, folder / "in")
        tree = folder / "tree"
        tree.mkdir(parents=True, exist_ok=True)
        return files, tree
    return varied.write(size, folder / "in", folder / "tree"), folder / "tree"


def best(runs: int, argv: list[str], **kwargs: Any) -> Measure:
    """The fastest of ``runs`` runs of ``argv`` (its peak memory the highest seen)."""
    measures = [measure(argv, **kwargs) for _ in range(runs)]
    fastest = min(measures, key=lambda m: m.wall)
    fastest.peak_mb = max(m.peak_mb for m in measures)
    return fastest


def processing(
    sizes: list[int], work: Path, runs: int = 1
) -> dict[tuple[str, int], dict[str, Measure]]:
    print(
        "== 1. Processing generated scanner outputs: ingest -> dedupe -> policy -> SARIF "
        '("sarif"), and with every report ("reports": SARIF, JSON, HTML, PR comment, job '
        "summary, JUnit)"
    )
    print(
        "   shapes: repeated = captured results copied to new places (texts and rules repeat);"
        " varied = one file per finding, own message, snippet and line, "
        f"{varied.RULE_COUNT} rules, one file in {varied.PRESENT_EVERY} on disk"
    )
    if runs > 1:
        print(f"   each figure the fastest of {runs} runs")
    print(
        "   each: wall time, peak memory, ratio of wall times to the json floor's (and of CPU "
        "times, which other processes on the machine disturb less)"
    )
    print(
        f"   {'shape':>8} {'findings':>9} | {'json floor':>18} | {'sarif':>18} {'ratio':>13} | "
        f"{'reports':>18} {'ratio':>13} | {'sarif summary':>18} {'ratio':>6}"
    )
    sarif_cmd = sarif_tools()
    results: dict[tuple[str, int], dict[str, Measure]] = {}
    for size in sizes:
        for shape in SHAPES:
            files, tree = generated(shape, size, work)
            out = tree.parent / "out"
            out.mkdir(exist_ok=True)
            floor = best(runs, [PYTHON, "-c", _FLOOR, *map(str, files.values())])
            inputs = [arg for tool, path in files.items() for arg in ("--input", f"{tool}={path}")]
            row = {"floor": floor}
            line = f"   {shape:>8} {size:>9,} | {floor.wall:7.2f} s {floor.peak_mb:6.0f} MiB | "
            for name, options in PIPELINES.items():
                targets = [
                    str(out / option) if not option.startswith("--") else option
                    for option in options
                ]
                run = best(runs, secgate("scan", *inputs, "--quiet", *targets), ok=(0, 1), cwd=tree)
                row[name] = run
                line += (
                    f"{run.wall:7.2f} s {run.peak_mb:6.0f} MiB "
                    f"{ratio(run.wall, floor.wall):>6} ({ratio(run.cpu, floor.cpu):>5}) | "
                )
            if sarif_cmd:
                summary = measure([sarif_cmd, "summary", str(out / "report.sarif")])
                row["sarif-tools"] = summary
                line += (
                    f"{summary.wall:7.2f} s {summary.peak_mb:6.0f} MiB "
                    f"{ratio(row['reports'].wall, summary.wall):>6}"
                )
            else:
                line += "sarif-tools not installed"
            results[shape, size] = row
            print(line, flush=True)
    largest, smallest = max(sizes), min(sizes)
    for shape in SHAPES:
        big = results[shape, largest]
        for name in PIPELINES:
            value = big[name].wall / big["floor"].wall
            print(
                f"   target {shape}, {name}: {largest:,} findings in <= "
                f"{TARGETS['processing']:g}x the json floor: {value:.2f}x -> "
                f"{verdict(value, TARGETS['processing'])} (CPU time "
                f"{big[name].cpu / big['floor'].cpu:.2f}x); peak memory < 1 GiB: "
                f"{big[name].peak_mb:.0f} MiB -> "
                f"{verdict(big[name].peak_mb, TARGETS['memory_mb'])}"
            )
        if largest == smallest:
            continue
        small = results[shape, smallest]
        for name in PIPELINES:
            per_small = small[name].wall / smallest * 1e6
            per_big = big[name].wall / largest * 1e6
            growth = per_big / per_small
            print(
                f"   growth {shape}, {name}: {smallest:,} -> {largest:,} findings: "
                f"{small[name].wall:.2f} s -> {big[name].wall:.2f} s, per finding "
                f"{per_small:.0f} us -> {per_big:.0f} us = {growth:.2f}x "
                f"(target <= {TARGETS['growth']:.2f}x: {verdict(growth, TARGETS['growth'])}); "
                f"json floor {small['floor'].wall / smallest * 1e6:.0f} -> "
                f"{big['floor'].wall / largest * 1e6:.0f} us"
            )
    return results


# --- 2. parallel scan ------------------------------------------------------------------------
def scan_runs(report: Path) -> list[dict[str, Any]]:
    """The runs of the JSON report a scan wrote to ``report``."""
    doc = json.loads(report.read_text(encoding="utf-8"))
    runs: list[dict[str, Any]] = doc["runs"]
    return runs


def project_copy(source: Path, work: Path) -> Path:
    """A copy of ``source`` (a directory, or a ``.tar.gz`` such as a PyPI sdist) under ``work``."""
    target = work / "project"
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
        return target
    target.mkdir(parents=True)
    with tarfile.open(source) as archive:
        archive.extractall(target, filter="data")
    entries = list(target.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target


def parallel_scan(work: Path, source: Path = EXAMPLE, *, sequential_run: bool = True) -> None:
    target = work / source.name if source == EXAMPLE else project_copy(source, work)
    if source == EXAMPLE:
        shutil.copytree(EXAMPLE, target)
    files = sum(1 for p in target.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"== 2. secgate scan {source.name} (no cache): {files:,} files, {size / 2**20:.1f} MiB")
    env = scanner_env(SECGATE_NO_CACHE="1")
    ok = (0, 1, 3)
    report = target.parent / f"{target.name}-report.json"
    # the example's scans last seconds and move by a tenth from run to run: keep the fastest
    runs = CACHE_RUNS if source == EXAMPLE else 1
    if runs > 1:
        print(f"   the parallel scan and each scanner alone: the fastest of {runs} runs")
    parallel = best(runs, secgate("scan", target, "--quiet", "--json", report), env=env, ok=ok)
    ran = [r for r in scan_runs(report) if r["status"] != "skipped"]
    names = [r["tool"] for r in ran]
    only = [arg for name in names for arg in ("--scanner", name)]
    sequential = (
        measure(
            secgate("scan", target, *only, "--jobs", "1", "--quiet", "--json", report),
            env=env,
            ok=ok,
        )
        if sequential_run
        else None
    )
    alone = {
        name: best(
            runs,
            secgate("scan", target, "--scanner", name, "--quiet", "--json", report),
            env=env,
            ok=ok,
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
    if sequential is not None:
        print(
            f"   one after another (--jobs 1) {sequential.wall:7.2f} s   "
            f"parallel / sequential = {ratio(parallel.wall, sequential.wall)}; "
            f"sum of the scanners alone {total:.2f} s"
        )
    else:
        print(f"   sum of the scanners alone {total:.2f} s")
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
        f" = {ratio(parallel.wall, alone[slowest].wall)}"
    )
    # the target: the slowest scanner where the cores allow it, else the CPU bound
    bound = max(alone[slowest].wall, parallel.cpu / cores)
    what = "the slowest scanner" if bound == alone[slowest].wall else "the CPU bound"
    print(
        f"   bound: {what}, {bound:.2f} s   parallel / bound = {ratio(parallel.wall, bound)} "
        f"(target <= {TARGETS['parallel']:g}x: "
        f"{verdict(parallel.wall / bound, TARGETS['parallel'])})"
    )


# --- 3. cache ----------------------------------------------------------------------------------
def cache_scans(work: Path, runs: int = CACHE_RUNS) -> None:
    print(
        "== 3. Result cache: cold scan, warm re-scan (nothing changed, one file changed); "
        f"cold and warm each the fastest of {runs} runs, each pair with a cache of its own"
    )
    target = work / "cached-app"
    shutil.copytree(EXAMPLE, target)
    ok = (0, 1, 3)
    report = work / "cached-report.json"
    argv = secgate("scan", target, "--quiet", "--json", report)
    pairs = []
    for number in range(runs):
        env = scanner_env(SECGATE_NO_CACHE="0", SECGATE_CACHE_DIR=str(work / f"cache-{number}"))
        pairs.append((measure(argv, env=env, ok=ok), measure(argv, env=env, ok=ok)))
    cold = min((c for c, _ in pairs), key=lambda m: m.wall)
    warm = min((w for _, w in pairs), key=lambda m: m.wall)
    reused = sum(r["origin"] == "cache" for r in scan_runs(report))
    changed_file = target / "app" / "calc.py"
    with changed_file.open("a", encoding="utf-8") as out:
        out.write("\n# touched by bench/run.py\n")
    changed = measure(argv, env=env, ok=ok)
    fresh = sorted(
        r["tool"] for r in scan_runs(report) if r["origin"] == "run" and r["status"] != "skipped"
    )
    colds = ", ".join(f"{c.wall:.2f}" for c, _ in pairs)
    print(f"   cold scan {cold.wall:7.2f} s  (runs: {colds})")
    print(
        f"   warm, nothing changed {warm.wall:7.2f} s  = {ratio(warm.wall, cold.wall)} of cold "
        f"(target <= {TARGETS['warm']:.2f}x: {verdict(warm.wall / cold.wall, TARGETS['warm'])}"
        f"; {reused} result(s) from cache; runs: {', '.join(f'{w.wall:.2f}' for _, w in pairs)})"
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
        "--runs",
        type=int,
        default=1,
        help="run each processing figure this many times, keep the fastest",
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
        "--project",
        type=Path,
        action="append",
        default=[],
        help="also scan a copy of this large real project (a directory or a "
        ".tar.gz such as a PyPI sdist) in section 2; repeatable",
    )
    parser.add_argument(
        "--only", choices=["advisories", "scan"], default=None, help="run only this section"
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
            processing(sizes, work, args.runs)
        if args.only in (None, "scan") and not args.skip_scan:
            parallel_scan(work)
            for number, project in enumerate(args.project):
                parallel_scan(work / f"project-{number}", project, sequential_run=False)
            cache_scans(work)
        if args.only in (None, "advisories"):
            advisories.run(args.pypa, work, measure, secgate, scanner_env, PYTHON)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
