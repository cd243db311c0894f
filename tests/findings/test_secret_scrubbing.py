"""No raw secret value leaves the process, wherever a tool put it.

For every secret format secgate reads (Gitleaks v8 JSON and SARIF, Gitleaks v7 JSON, TruffleHog
v3 and truffleHog v2 JSON lines), each captured fixture gets fresh made-up secret values, and
each value is then planted in every other text field of its finding: the file path, the rule id
and name, the detector name, tags, commit, author, fingerprint, extra data... The real command
line ingests the file and writes every report (SARIF, JSON, HTML, Markdown, job summary, JUnit),
the GitHub annotations and the terminal summary with ``--explain``; then every one of them, and
standard output and error, is searched for each value, its base64 and URL-encoded forms, and
every 12-character window of it. A real Gitleaks scan does the same for the result cache, with a
secret in a file's name; Trivy's masked matches are checked with the value recovered from the
scanned file and with a match that masks only part of a token.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.commands import require_tool
from tests.support.paths import FIXTURES

WINDOW = 12
ENUM_KEYS = {"level", "kind", "baselineState", "status"}
"""SARIF keys whose values are enumerations: planting text there makes the file malformed."""

# --- the secret formats: where each finding keeps its value ---------------------------------


def _alphabet_value(prefix: str) -> str:
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(28))
    return f"{prefix}{body}"


def _gitleaks_v8(item: dict[str, Any]) -> tuple[list[str], set[str]]:
    return [item["Secret"]], {"Secret", "Match"}


def _gitleaks_v7(item: dict[str, Any]) -> tuple[list[str], set[str]]:
    return [item["offender"]], {"offender", "line"}


def _gitleaks_sarif(result: dict[str, Any]) -> tuple[list[str], set[str]]:
    region = result["locations"][0]["physicalLocation"]["region"]
    return [region["snippet"]["text"]], {"text"}


def _trufflehog_v3(row: dict[str, Any]) -> tuple[list[str], set[str]]:
    return [v for v in (row.get("Raw"), row.get("RawV2")) if v], {"Raw", "RawV2", "Redacted"}


def _trufflehog_v2(row: dict[str, Any]) -> tuple[list[str], set[str]]:
    return list(row["stringsFound"]), {"stringsFound", "diff", "printDiff"}


Extractor = Callable[[dict[str, Any]], tuple[list[str], set[str]]]
FORMATS: list[tuple[str, str, Extractor]] = [
    ("gitleaks", "gitleaks/8.30.1/dir.json", _gitleaks_v8),
    ("gitleaks", "gitleaks/8.30.1/git.json", _gitleaks_v8),
    ("gitleaks", "gitleaks/7.6.1/git.json", _gitleaks_v7),
    ("gitleaks", "gitleaks/7.6.1/no-git.json", _gitleaks_v7),
    ("gitleaks", "gitleaks/8.30.1/dir.sarif", _gitleaks_sarif),
    ("trufflehog", "trufflehog/3.x/git.jsonl", _trufflehog_v3),
    ("trufflehog", "trufflehog/3.x/filesystem.jsonl", _trufflehog_v3),
    ("trufflehog", "trufflehog/3.x/github.jsonl", _trufflehog_v3),
    ("trufflehog", "trufflehog/2.2.1/git-regex.jsonl", _trufflehog_v2),
]


def _findings(doc: Any, relative: str) -> list[dict[str, Any]]:
    if relative.endswith(".sarif"):
        return [r for run in doc["runs"] for r in run["results"]]
    return list(doc)


def _replace_everywhere(item: Any, old: str, new: str) -> Any:
    if isinstance(item, str):
        return item.replace(old, new)
    if isinstance(item, list):
        return [_replace_everywhere(v, old, new) for v in item]
    if isinstance(item, dict):
        return {k: _replace_everywhere(v, old, new) for k, v in item.items()}
    return item


def _plant(item: Any, value: str, skip: set[str], key: str = "") -> Any:
    """``item`` with ``value`` added to every text field but the value's own ones."""
    if isinstance(item, str):
        if key in skip or key in ENUM_KEYS:
            return item
        return f"{item}-{value}" if item else value
    if isinstance(item, list):
        return [_plant(v, value, skip, key) for v in item]
    if isinstance(item, dict):
        return {k: _plant(v, value, skip, k) for k, v in item.items()}
    return item


def planted(relative: str, extract: Extractor) -> tuple[bytes, set[str]]:
    """The fixture with fresh values planted everywhere, and every raw value it now holds."""
    path = FIXTURES / relative
    lines = path.suffix == ".jsonl"
    text = path.read_text(encoding="utf-8")
    docs = (
        [json.loads(line) for line in text.splitlines() if line.strip()]
        if lines
        else [json.loads(text)]
    )
    values: set[str] = set()
    out_docs = []
    for doc in docs:
        holder = {"doc": doc}
        for index, finding in enumerate(_findings(doc, relative) if not lines else [doc]):
            originals, skip = extract(finding)
            replaced = finding
            fresh_values = []
            for original in sorted(originals, key=len, reverse=True):
                fresh = _alphabet_value(f"Pl4nt{index}")
                if original.startswith("-----BEGIN"):  # a key block: one token for it
                    fresh = _alphabet_value("PlantKey")
                replaced = _replace_everywhere(replaced, original, fresh)
                fresh_values.append(fresh)
            for fresh in fresh_values:
                replaced = _plant(replaced, fresh, skip)
            values.update(fresh_values)
            _swap(holder, finding, replaced)
        out_docs.append(holder["doc"])
    body = "\n".join(json.dumps(d) for d in out_docs) + "\n" if lines else json.dumps(out_docs[0])
    return body.encode("utf-8"), values


def _swap(holder: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> None:
    """Put ``new`` where ``old`` is inside ``holder`` (by identity)."""
    stack: list[Any] = [holder]
    while stack:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, value in list(pairs):
            if value is old:
                item[key] = new
                return
            if isinstance(value, (dict, list)):
                stack.append(value)


# --- searching the outputs -----------------------------------------------------------------
def needles(value: str) -> Iterator[tuple[str, str]]:
    """What must appear nowhere: the value, its base64 and URL-encoded forms, and every
    12-character window of it."""
    raw = value.encode("utf-8")
    yield "value", value
    yield "base64", base64.b64encode(raw).decode("ascii").rstrip("=")
    yield "base64url", base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    yield "url", quote(value, safe="")
    yield "url-path", quote(value)
    for start in range(max(0, len(value) - WINDOW + 1)):
        yield f"window {start}", value[start : start + WINDOW]


def assert_nowhere(values: set[str], texts: dict[str, str]) -> None:
    """No needle of any value in any text; windows are searched without case (a rule id made
    from a name holding a value would hold it in lower case)."""
    folded = {name: text.casefold() for name, text in texts.items()}
    for value in values:
        for what, needle in needles(value):
            for name, text in texts.items():
                assert needle not in text, f"{what} of a secret value found in {name}"
                if what.startswith("window"):
                    assert needle.casefold() not in folded[name], (
                        f"{what} of a secret value found in {name} (in another case)"
                    )


def scan_everything(
    tmp_path: Path, *args: str | os.PathLike[str], env: dict[str, str] | None = None
) -> dict[str, str]:
    """Run a scan writing every report, the annotations and the terminal summary; every text
    it wrote, by name."""
    out = tmp_path / "out"
    step_summary = tmp_path / "step-summary.md"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    full_env.update(
        {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step_summary), "SECGATE_DEBUG": "1"}
    )
    full_env.update(env or {})
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "secgate",
            "scan",
            *map(str, args),
            "--output-dir",
            out,
            "--annotations",
            "--explain",
        ],
        cwd=tmp_path,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    texts = {"stdout": proc.stdout, "stderr": proc.stderr}
    for path in sorted(out.iterdir()):
        texts[path.name] = path.read_text(encoding="utf-8")
    if step_summary.exists():
        texts["GITHUB_STEP_SUMMARY"] = step_summary.read_text(encoding="utf-8")
    assert {
        "report.sarif",
        "report.json",
        "report.html",
        "report.md",
        "summary.md",
        "report.junit.xml",
    } <= set(texts)
    return texts


@pytest.mark.parametrize(
    ("tool", "relative", "extract"), FORMATS, ids=[relative for _, relative, _ in FORMATS]
)
def test_a_value_planted_in_every_field_reaches_no_output(
    tmp_path: Path, tool: str, relative: str, extract: Extractor
) -> None:
    data, values = planted(relative, extract)
    source = tmp_path / Path(relative).name
    source.write_bytes(data)
    texts = scan_everything(tmp_path, "--input", f"{tool}={source}")
    report = json.loads(texts["report.json"])
    assert report["findings"], "the planted report still reads as findings"
    assert_nowhere(values, texts)


def test_a_secret_in_a_file_name_reaches_neither_outputs_nor_the_cache(tmp_path: Path) -> None:
    require_tool("gitleaks")
    key = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
    tree = tmp_path / "tree"
    (tree / "keys").mkdir(parents=True)
    (tree / "keys" / f"{key}.env").write_text(f"AWS_ACCESS_KEY_ID={key}\n")
    cache = tmp_path / "cache"
    env = {"SECGATE_NO_CACHE": "0", "SECGATE_CACHE_DIR": str(cache)}
    texts = scan_everything(tmp_path, tree, "--scanner", "gitleaks", env=env)
    assert any(f["category"] == "secret" for f in json.loads(texts["report.json"])["findings"])
    for entry in sorted(cache.rglob("*")):
        if entry.is_file():
            data = entry.read_bytes()
            texts[f"cache {entry.name}"] = data.decode("latin-1")
            _, _, body = data.partition(b"\n")
            try:
                texts[f"cache {entry.name} (decompressed)"] = zlib.decompress(body).decode()
            except zlib.error:
                pass
    assert any(name.startswith("cache ") for name in texts), "nothing was cached"
    assert_nowhere({key}, texts)


def _trivy_report(path: str, match: str, line: int) -> dict[str, Any]:
    return {
        "SchemaVersion": 2,
        "ArtifactName": ".",
        "ArtifactType": "filesystem",
        "Results": [
            {
                "Target": path,
                "Class": "secret",
                "Secrets": [
                    {
                        "RuleID": "generic-token",
                        "Category": "Generic",
                        "Severity": "HIGH",
                        "Title": "Generic token",
                        "StartLine": line,
                        "EndLine": line,
                        "Match": match,
                    }
                ],
            }
        ],
    }


def _sarif_quoting(path: str, line: int, text: str) -> dict[str, Any]:
    """A SARIF result of another tool whose snippet quotes the line as it is."""
    return {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "linter"}},
                "results": [
                    {
                        "ruleId": "long-line",
                        "message": {"text": f"long line: {text}"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": path},
                                    "region": {"startLine": line, "snippet": {"text": text}},
                                }
                            }
                        ],
                    }
                ],
            }
        ],
    }


def test_a_value_recovered_from_trivys_mask_is_scrubbed_everywhere(tmp_path: Path) -> None:
    value = _alphabet_value("tok_")
    tree = tmp_path / "tree"
    tree.mkdir()
    line = f'API_TOKEN = "{value}"'
    (tree / "settings.py").write_text(f"# settings\n{line}\n")
    trivy = tmp_path / "trivy.json"
    trivy.write_text(
        json.dumps(_trivy_report("settings.py", f'API_TOKEN = "{"*" * len(value)}"', 2))
    )
    other = tmp_path / "other.sarif"
    other.write_text(json.dumps(_sarif_quoting("settings.py", 2, line)))
    texts = scan_everything(tmp_path, tree, "--input", f"trivy={trivy}", "--input", other)
    assert_nowhere({value}, texts)


def test_a_partial_value_beside_trivys_mask_is_scrubbed(tmp_path: Path) -> None:
    value = _alphabet_value("ghp_")
    visible = value[:16]  # Trivy's match starts mid-token: its first part shows
    line = f"token: {value}"
    gitleaks = tmp_path / "gitleaks.json"
    gitleaks.write_text(
        json.dumps(
            [
                {
                    "RuleID": "github-pat",
                    "File": "ci.yml",
                    "StartLine": 3,
                    "Secret": value,
                    "Match": value,
                }
            ]
        )
    )
    trivy = tmp_path / "trivy.json"
    trivy.write_text(
        json.dumps(
            _trivy_report("ci.yml", f"token: {visible}{'*' * (len(value) - len(visible))}", 3)
        )
    )
    texts = scan_everything(
        tmp_path, "--input", f"gitleaks={gitleaks}", "--input", f"trivy={trivy}"
    )
    assert line not in "".join(texts.values())
    assert_nowhere({value}, texts)


@pytest.mark.parametrize(
    "relative",
    [
        "semgrep/1.100.0/vulnerable-app.sarif",
        "semgrep/1.185.0/vulnerable-app.sarif",
        "bandit/1.9.4/vulnerable-app.json",
    ],
)
def test_code_scanners_password_literals_reach_no_output(tmp_path: Path, relative: str) -> None:
    from tests.support.example_app import example_password_literals

    texts = scan_everything(tmp_path, "--input", FIXTURES / relative)
    literals = {v for v in example_password_literals() if v in (FIXTURES / relative).read_text()}
    assert literals, "the fixture quotes the example's password literals"
    assert_nowhere(literals, texts)


def test_a_match_running_past_the_secret_is_masked_as_one_token(tmp_path: Path) -> None:
    """Gitleaks' ``Match`` can hold more of the token than its ``Secret`` (a capture group
    inside a longer credential): the whole token is masked, and remembered for every other
    tool's text."""
    value = _alphabet_value("sec_")
    token = f"ID9x{value}Zq81tail"
    gitleaks = tmp_path / "gitleaks.json"
    gitleaks.write_text(
        json.dumps(
            [
                {
                    "RuleID": "generic-api-key",
                    "File": "app.cfg",
                    "StartLine": 1,
                    "Secret": value,
                    "Match": f"api_key={token}; region=eu",
                }
            ]
        )
    )
    other = tmp_path / "other.sarif"
    other.write_text(json.dumps(_sarif_quoting("app.cfg", 1, f"api_key={token}; region=eu")))
    texts = scan_everything(tmp_path, "--input", f"gitleaks={gitleaks}", "--input", other)
    snippets = [f["location"].get("snippet") for f in json.loads(texts["report.json"])["findings"]]
    assert any(s and s.startswith("api_key=") and s.endswith("; region=eu") for s in snippets)
    assert_nowhere({value, token}, texts)
