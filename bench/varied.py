"""The "varied" benchmark shape: scanner outputs shaped like a scan of a large monorepo.

Where ``generate.py`` copies a few captured results to new places (so messages, snippets and
rules repeat), here every finding is its own: ~one distinct file per finding spread over
directories of ``FILES_PER_DIR`` files, its own line, message and snippet; rules drawn from a
realistic few hundred (Bandit's own test ids with their CWEs, a few hundred Semgrep rule ids),
2 % secrets, each a distinct made-up value. One file in ``PRESENT_EVERY`` is written to disk
under the tree the scan runs in (its flagged line holds the finding's code), the rest are
absent, as when a report is ingested without the whole checkout.

The tool outputs follow the formats of the captures in ``tests/fixtures`` (Bandit 1.9.4,
Semgrep 1.185.0, Gitleaks 8.30.1); Semgrep's OSS output says ``requires login`` for its
``lines``, as those captures do.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

SHARES = {"bandit": 0.55, "semgrep": 0.43, "gitleaks": 0.02}
FILES_PER_DIR = 40
PRESENT_EVERY = 10
"""One file in this many exists on disk."""
LINES_PER_FILE = 60
SEED = 16

# Bandit's plugin ids, names and the CWE each reports (Bandit 1.9 documentation).
BANDIT_TESTS: list[tuple[str, str, int, str]] = [
    ("B101", "assert_used", 703, "LOW"),
    ("B102", "exec_used", 78, "MEDIUM"),
    ("B103", "set_bad_file_permissions", 732, "HIGH"),
    ("B104", "hardcoded_bind_all_interfaces", 605, "MEDIUM"),
    ("B105", "hardcoded_password_string", 259, "LOW"),
    ("B106", "hardcoded_password_funcarg", 259, "LOW"),
    ("B107", "hardcoded_password_default", 259, "LOW"),
    ("B108", "hardcoded_tmp_directory", 377, "MEDIUM"),
    ("B110", "try_except_pass", 703, "LOW"),
    ("B112", "try_except_continue", 703, "LOW"),
    ("B113", "request_without_timeout", 400, "MEDIUM"),
    ("B201", "flask_debug_true", 94, "HIGH"),
    ("B202", "tarfile_unsafe_members", 22, "HIGH"),
    ("B301", "blacklist", 502, "MEDIUM"),
    ("B302", "blacklist", 502, "MEDIUM"),
    ("B303", "blacklist", 327, "MEDIUM"),
    ("B304", "blacklist", 327, "HIGH"),
    ("B305", "blacklist", 327, "MEDIUM"),
    ("B306", "blacklist", 377, "MEDIUM"),
    ("B307", "blacklist", 78, "MEDIUM"),
    ("B308", "blacklist", 79, "MEDIUM"),
    ("B310", "blacklist", 22, "MEDIUM"),
    ("B311", "blacklist", 330, "LOW"),
    ("B312", "blacklist", 319, "HIGH"),
    ("B313", "blacklist", 20, "MEDIUM"),
    ("B314", "blacklist", 20, "MEDIUM"),
    ("B315", "blacklist", 20, "MEDIUM"),
    ("B316", "blacklist", 20, "MEDIUM"),
    ("B317", "blacklist", 20, "MEDIUM"),
    ("B318", "blacklist", 20, "MEDIUM"),
    ("B319", "blacklist", 20, "MEDIUM"),
    ("B321", "blacklist", 319, "HIGH"),
    ("B323", "blacklist", 295, "MEDIUM"),
    ("B324", "hashlib", 327, "HIGH"),
    ("B401", "blacklist", 319, "HIGH"),
    ("B402", "blacklist", 319, "HIGH"),
    ("B403", "blacklist", 502, "LOW"),
    ("B404", "blacklist", 78, "LOW"),
    ("B405", "blacklist", 20, "LOW"),
    ("B406", "blacklist", 20, "LOW"),
    ("B407", "blacklist", 20, "LOW"),
    ("B408", "blacklist", 20, "LOW"),
    ("B409", "blacklist", 20, "LOW"),
    ("B411", "blacklist", 20, "HIGH"),
    ("B412", "blacklist", 319, "HIGH"),
    ("B413", "blacklist", 327, "HIGH"),
    ("B415", "blacklist", 327, "HIGH"),
    ("B501", "request_with_no_cert_validation", 295, "HIGH"),
    ("B502", "ssl_with_bad_version", 327, "HIGH"),
    ("B503", "ssl_with_bad_defaults", 327, "MEDIUM"),
    ("B504", "ssl_with_no_version", 327, "LOW"),
    ("B505", "weak_cryptographic_key", 326, "HIGH"),
    ("B506", "yaml_load", 20, "MEDIUM"),
    ("B507", "ssh_no_host_key_verification", 295, "HIGH"),
    ("B508", "snmp_insecure_version", 319, "MEDIUM"),
    ("B509", "snmp_weak_cryptography", 319, "MEDIUM"),
    ("B601", "paramiko_calls", 78, "MEDIUM"),
    ("B602", "subprocess_popen_with_shell_equals_true", 78, "HIGH"),
    ("B603", "subprocess_without_shell_equals_true", 78, "LOW"),
    ("B604", "any_other_function_with_shell_equals_true", 78, "MEDIUM"),
    ("B605", "start_process_with_a_shell", 78, "HIGH"),
    ("B606", "start_process_with_no_shell", 78, "LOW"),
    ("B607", "start_process_with_partial_path", 78, "LOW"),
    ("B608", "hardcoded_sql_expressions", 89, "MEDIUM"),
    ("B609", "linux_commands_wildcard_injection", 155, "HIGH"),
    ("B610", "django_extra_used", 89, "MEDIUM"),
    ("B611", "django_rawsql_used", 89, "MEDIUM"),
    ("B612", "logging_config_insecure_listen", 94, "MEDIUM"),
    ("B613", "trojansource", 838, "HIGH"),
    ("B614", "pytorch_load", 502, "MEDIUM"),
    ("B701", "jinja2_autoescape_false", 94, "HIGH"),
    ("B702", "use_of_mako_templates", 80, "MEDIUM"),
    ("B703", "django_mark_safe", 80, "MEDIUM"),
    ("B704", "markupsafe_markup_xss", 79, "HIGH"),
]
SEMGREP_AREAS = [
    "lang",
    "flask",
    "django",
    "requests",
    "sqlalchemy",
    "jwt",
    "boto3",
    "cryptography",
    "fastapi",
    "aws-lambda",
    "pyramid",
    "jinja2",
]
SEMGREP_CHECKS: list[tuple[str, str, str]] = [
    (
        "tainted-sql-string",
        "CWE-89: Improper Neutralization of Special Elements used in an SQL "
        "Command ('SQL Injection')",
        "ERROR",
    ),
    (
        "subprocess-shell-true",
        "CWE-78: Improper Neutralization of Special Elements used in an OS "
        "Command ('OS Command Injection')",
        "ERROR",
    ),
    (
        "eval-injection",
        "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated "
        "Code ('Eval Injection')",
        "ERROR",
    ),
    ("insecure-deserialization", "CWE-502: Deserialization of Untrusted Data", "ERROR"),
    ("weak-hash-md5", "CWE-327: Use of a Broken or Risky Cryptographic Algorithm", "WARNING"),
    ("weak-hash-sha1", "CWE-328: Use of Weak Hash", "WARNING"),
    ("hardcoded-password", "CWE-798: Use of Hard-coded Credentials", "WARNING"),
    ("ssrf-requests", "CWE-918: Server-Side Request Forgery (SSRF)", "ERROR"),
    (
        "path-traversal-open",
        "CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
        "WARNING",
    ),
    ("open-redirect", "CWE-601: URL Redirection to Untrusted Site ('Open Redirect')", "WARNING"),
    (
        "xss-direct-response",
        "CWE-79: Improper Neutralization of Input During Web Page "
        "Generation ('Cross-site Scripting')",
        "WARNING",
    ),
    ("csrf-exempt", "CWE-352: Cross-Site Request Forgery (CSRF)", "WARNING"),
    ("disabled-cert-validation", "CWE-295: Improper Certificate Validation", "ERROR"),
    ("insecure-random", "CWE-330: Use of Insufficiently Random Values", "INFO"),
    ("unverified-jwt-decode", "CWE-347: Improper Verification of Cryptographic Signature", "ERROR"),
    ("debug-enabled", "CWE-489: Active Debug Code", "WARNING"),
    ("xxe-parser", "CWE-611: Improper Restriction of XML External Entity Reference", "ERROR"),
    ("logging-sensitive-data", "CWE-532: Insertion of Sensitive Information into Log File", "INFO"),
    ("insecure-tempfile", "CWE-377: Insecure Temporary File", "WARNING"),
    ("template-autoescape-off", "CWE-116: Improper Encoding or Escaping of Output", "WARNING"),
    (
        "bind-all-interfaces",
        "CWE-200: Exposure of Sensitive Information to an Unauthorized Actor",
        "INFO",
    ),
    (
        "cookie-missing-secure",
        "CWE-614: Sensitive Cookie in HTTPS Session Without 'Secure' Attribute",
        "WARNING",
    ),
    ("regex-dos", "CWE-1333: Inefficient Regular Expression Complexity", "INFO"),
    (
        "mass-assignment",
        "CWE-915: Improperly Controlled Modification of Dynamically-Determined Object Attributes",
        "WARNING",
    ),
    ("unsafe-yaml-load", "CWE-502: Deserialization of Untrusted Data", "ERROR"),
]
"""Semgrep checks: with the areas, ``len(SEMGREP_AREAS) * len(SEMGREP_CHECKS)`` = 300 rules."""
GITLEAKS_RULES = [
    "generic-api-key",
    "aws-access-token",
    "github-pat",
    "slack-bot-token",
    "stripe-access-token",
    "gcp-api-key",
    "jwt",
    "private-key",
]
RULE_COUNT = len(BANDIT_TESTS) + len(SEMGREP_AREAS) * len(SEMGREP_CHECKS) + len(GITLEAKS_RULES)
_WORDS = [
    "user",
    "order",
    "payment",
    "invoice",
    "session",
    "token",
    "report",
    "export",
    "upload",
    "profile",
    "account",
    "search",
    "billing",
    "audit",
    "cache",
    "queue",
    "webhook",
    "tenant",
    "config",
    "metrics",
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}_{rng.randrange(10**6):06d}"


def _path(index: int) -> str:
    directory, number = divmod(index, FILES_PER_DIR)
    area, package = divmod(directory, 50)
    return f"services/area{area:03d}/pkg{package:02d}/module_{number:02d}_{index:06d}.py"


class _Tree:
    """The files present on disk: path -> {line: code}, written at the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[int, str]] = {}

    def add(self, index: int, path: str, line: int, code: str) -> None:
        if index % PRESENT_EVERY == 0:
            self.files.setdefault(path, {})[line] = code

    def write(self) -> None:
        for path, lines in self.files.items():
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            text = [lines.get(n, f"value_{n} = compute({n})") for n in range(1, LINES_PER_FILE + 1)]
            target.write_text("\n".join(text) + "\n", encoding="utf-8")


def bandit(indices: list[int], rng: random.Random, tree: _Tree) -> dict[str, Any]:
    results = []
    for index in indices:
        test_id, test_name, cwe, severity = rng.choice(BANDIT_TESTS)
        path, line = _path(index), rng.randrange(2, LINES_PER_FILE)
        subject = _name(rng)
        code = f"{subject} = call_{test_name}({subject!r}, {index})"
        tree.add(index, path, line, code)
        results.append(
            {
                "code": f"{line - 1} def handler_{index}():\n{line} {code}\n{line + 1} \n",
                "col_offset": 4,
                "end_col_offset": 4 + len(code),
                "filename": path,
                "issue_confidence": rng.choice(["LOW", "MEDIUM", "HIGH"]),
                "issue_cwe": {
                    "id": cwe,
                    "link": f"https://cwe.mitre.org/data/definitions/{cwe}.html",
                },
                "issue_severity": severity,
                "issue_text": f"{test_name.replace('_', ' ').capitalize()}: `{subject}` at call "
                f"{index} in handler_{index}.",
                "line_number": line,
                "line_range": [line],
                "more_info": f"https://bandit.readthedocs.io/en/1.9.4/plugins/"
                f"{test_id.lower()}_{test_name}.html",
                "test_id": test_id,
                "test_name": test_name,
            }
        )
    return {
        "errors": [],
        "generated_at": "2026-11-20T10:00:00Z",
        "metrics": {"_totals": {"loc": len(indices) * LINES_PER_FILE, "nosec": 0}},
        "results": results,
    }


def semgrep(indices: list[int], rng: random.Random, tree: _Tree) -> dict[str, Any]:
    results = []
    for index in indices:
        area = rng.choice(SEMGREP_AREAS)
        check, cwe, severity = rng.choice(SEMGREP_CHECKS)
        path, line = _path(index), rng.randrange(2, LINES_PER_FILE)
        subject = _name(rng)
        code = f"result = {area.replace('-', '_')}_{check.replace('-', '_')}({subject})"
        tree.add(index, path, line, code)
        results.append(
            {
                "check_id": f"python.{area}.security.{check}",
                "path": path,
                "start": {"line": line, "col": 5, "offset": line * 40},
                "end": {"line": line, "col": 5 + len(code), "offset": line * 40 + len(code)},
                "extra": {
                    "message": f"`{subject}` flows into {check.replace('-', ' ')} in "
                    f"{area} handler {index}: untrusted data reaches a sensitive sink.",
                    "metadata": {
                        "cwe": [cwe],
                        "owasp": ["A03:2021 - Injection"],
                        "confidence": rng.choice(["LOW", "MEDIUM", "HIGH"]),
                        "likelihood": "MEDIUM",
                        "impact": "HIGH",
                        "category": "security",
                        "subcategory": ["vuln"],
                        "references": ["https://owasp.org/Top10/A03_2021-Injection"],
                    },
                    "severity": severity,
                    "fingerprint": "requires login",
                    "lines": "requires login",
                    "validation_state": "NO_VALIDATOR",
                    "engine_kind": "OSS",
                },
            }
        )
    return {
        "version": "1.185.0",
        "errors": [],
        "results": results,
        "skipped_rules": [],
        "paths": {"scanned": sorted({r["path"] for r in results})},
    }


def gitleaks(indices: list[int], rng: random.Random, tree: _Tree) -> list[dict[str, Any]]:
    results = []
    for index in indices:
        rule = rng.choice(GITLEAKS_RULES)
        path, line = _path(index), rng.randrange(2, LINES_PER_FILE)
        value = "bench-" + hashlib.sha256(f"varied-{index}".encode()).hexdigest()[:24]
        name = _name(rng)
        match = f'{name} = "{value}"'
        tree.add(index, path, line, match)
        results.append(
            {
                "RuleID": rule,
                "Description": f"Detected a {rule.replace('-', ' ')}.",
                "StartLine": line,
                "EndLine": line,
                "StartColumn": 1,
                "EndColumn": len(match),
                "Match": match,
                "Secret": value,
                "File": path,
                "SymlinkFile": "",
                "Commit": "",
                "Entropy": round(rng.uniform(3.5, 5.5), 6),
                "Author": "",
                "Email": "",
                "Date": "",
                "Message": "",
                "Tags": [],
                "Fingerprint": f"{path}:{rule}:{line}",
            }
        )
    return results


def write(total: int, out_dir: Path, tree_root: Path) -> dict[str, Path]:
    """Write the three outputs holding ``total`` findings between them, and the files present
    under ``tree_root``; returns tool -> file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tree_root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    tree = _Tree(tree_root)
    counts = {tool: int(total * share) for tool, share in SHARES.items()}
    counts["bandit"] += total - sum(counts.values())
    files: dict[str, Path] = {}
    # the tools' findings interleave over the tree: each tool reports across every directory
    order = list(range(total))
    rng.shuffle(order)
    start = 0
    makers: tuple[tuple[str, Any], ...] = (
        ("bandit", bandit),
        ("semgrep", semgrep),
        ("gitleaks", gitleaks),
    )
    for tool, make in makers:
        path = out_dir / f"{tool}.json"
        path.write_text(
            json.dumps(make(order[start : start + counts[tool]], rng, tree)), encoding="utf-8"
        )
        files[tool] = path
        start += counts[tool]
    tree.write()
    return files
