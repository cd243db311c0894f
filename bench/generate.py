"""Scanner outputs of any size for the benchmarks, shaped like the real captures in
``tests/fixtures`` (Bandit 1.9.4 JSON, Semgrep 1.185.0 JSON, Gitleaks 8.30.1 JSON).

Each finding is one of the captured results moved to its own file and line, so that no two
findings merge: the benchmark measures the work for N distinct findings. Gitleaks findings get
a distinct made-up value each (``bench-`` and a hex digest: matches no real credential format),
because every distinct secret costs one salted hash.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SHARES = {"bandit": 0.55, "semgrep": 0.43, "gitleaks": 0.02}
"""How the findings are split between the tools."""
FILES_PER_DIR = 200
LINES_PER_FILE = 50


def _load(*parts: str) -> Any:
    return json.loads((FIXTURES.joinpath(*parts)).read_text(encoding="utf-8"))


def _place(index: int) -> tuple[str, int]:
    """A distinct (file, line) for finding number ``index``."""
    file_number, line = divmod(index, LINES_PER_FILE)
    directory, file_in_dir = divmod(file_number, FILES_PER_DIR)
    return f"src/pkg{directory:04d}/module{file_in_dir:03d}.py", line + 1


def bandit(count: int, start: int = 0) -> dict[str, Any]:
    template = _load("bandit", "1.9.4", "vulnerable-app.json")
    samples = template["results"]
    results = []
    for number in range(count):
        result = copy.deepcopy(samples[number % len(samples)])
        path, line = _place(start + number)
        result["filename"] = path
        result["line_number"] = line
        result["line_range"] = [line]
        results.append(result)
    return {
        "errors": [],
        "generated_at": template["generated_at"],
        "metrics": {"_totals": template["metrics"]["_totals"]},
        "results": results,
    }


def semgrep(count: int, start: int = 0) -> dict[str, Any]:
    template = _load("semgrep", "1.185.0", "vulnerable-app.json")
    samples = template["results"]
    results = []
    for number in range(count):
        result = copy.deepcopy(samples[number % len(samples)])
        path, line = _place(start + number)
        result["path"] = path
        result["start"]["line"] = result["end"]["line"] = line
        results.append(result)
    doc = {key: template[key] for key in ("version", "errors", "paths", "skipped_rules")}
    doc["results"] = results
    doc["paths"] = {"scanned": sorted({r["path"] for r in results})}
    return doc


def gitleaks(count: int, start: int = 0) -> list[dict[str, Any]]:
    samples = _load("gitleaks", "8.30.1", "dir.json")
    sample = next(s for s in samples if "\n" not in s["Secret"])
    results = []
    for number in range(count):
        result = copy.deepcopy(sample)
        path, line = _place(start + number)
        value = "bench-" + hashlib.sha256(str(number).encode()).hexdigest()[:24]
        result.update(
            RuleID="generic-api-key",
            File=path,
            StartLine=line,
            EndLine=line,
            Secret=value,
            Match=f'api_key = "{value}"',
            Fingerprint=f"{path}:generic-api-key:{line}",
        )
        results.append(result)
    return results


def write(total: int, out_dir: Path) -> dict[str, Path]:
    """Write the three outputs holding ``total`` findings between them; returns tool -> file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {tool: int(total * share) for tool, share in SHARES.items()}
    counts["bandit"] += total - sum(counts.values())
    files: dict[str, Path] = {}
    start = 0
    for tool, make in (("bandit", bandit), ("semgrep", semgrep), ("gitleaks", gitleaks)):
        path = out_dir / f"{tool}.json"
        path.write_text(json.dumps(make(counts[tool], start)), encoding="utf-8")
        files[tool] = path
        start += counts[tool]
    return files


if __name__ == "__main__":
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for tool, path in write(size, Path(sys.argv[2] if len(sys.argv) > 2 else "bench-out")).items():
        print(tool, path, path.stat().st_size)
