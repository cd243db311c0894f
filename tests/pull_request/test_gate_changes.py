"""The comparison of two gate configurations (``secgate.pull_request.changes``): which changes weaken the
gate and how each is named. Policies are parsed from YAML by the loader, as a scan reads them."""

from __future__ import annotations

import pytest

from secgate.policy.loader import parse
from secgate.pull_request.changes import GateView, VexStatement, compare

BASE = """version: 1
fail_on: high
warn_on: medium
scanners:
  required: [bandit, gitleaks]
  on_error: block
  settings: {gitleaks: {mode: git}}
rules:
  - id: secrets
    match: {category: secret}
    action: block
  - id: tests
    match: {tool: bandit, rule: B101, path: "tests/**"}
    action: ignore
licenses:
  allow: [MIT]
  deny: [GPL-*]
  unknown: block
inline_suppressions: report
accept_warn_days: 14
"""


def view(text: str | None, **fields: object) -> GateView:
    policy = parse(text, ".secgate.yml") if text is not None else None
    return GateView(policy=policy, policy_file=".secgate.yml", **fields)  # type: ignore[arg-type]


def changed(head: str, base: str = BASE) -> list[tuple[str, bool, str]]:
    return [(c.setting, c.weakens, c.summary) for c in compare(view(base), view(head))]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "fail_on: high",
            "fail_on: critical",
            [("fail_on", True, "fail_on raised from high to critical: the gate blocks on less")],
        ),
        (
            "fail_on: high",
            "fail_on: low",
            [("fail_on", False, "fail_on lowered from high to low: the gate blocks on more")],
        ),
        (
            "warn_on: medium",
            "warn_on: none",
            [("warn_on", True, "warn_on raised from medium to none: the gate warns on less")],
        ),
        (
            "  on_error: block",
            "  on_error: warn",
            [("scanners.on_error", True, "scanners.on_error turned from block to warn")],
        ),
        (
            "  required: [bandit, gitleaks]",
            "  required: [bandit, semgrep]",
            [
                ("scanners.required", True, "scanner gitleaks is no longer required"),
                ("scanners.required", False, "now required: semgrep"),
            ],
        ),
        (
            "  required: [bandit, gitleaks]",
            "  required: installed",
            [("scanners.required", False, "scanners.required is now 'installed'")],
        ),
        (
            "{gitleaks: {mode: git}}",
            "{gitleaks: {mode: dir}}",
            [
                (
                    "scanners.settings.gitleaks",
                    True,
                    "scanners.settings.gitleaks changed from "
                    '{"mode": "git"} to {"mode": "dir"}: it can change what gitleaks examines',
                )
            ],
        ),
        (
            "    action: block",
            "    action: warn",
            [("rule:secrets", True, "rule secrets turned from block to warn")],
        ),
        (
            '{tool: bandit, rule: B101, path: "tests/**"}',
            "{tool: bandit, rule: B101}",
            [
                (
                    "rule:tests",
                    True,
                    'rule tests now matches {"rule": ["B101"], "tool": ["bandit"]} '
                    '(was {"path": ["tests/**"], "rule": ["B101"], "tool": ["bandit"]})',
                )
            ],
        ),
        (
            "  allow: [MIT]",
            "  allow: [MIT, GPL-3.0-only]",
            [("licenses.allow", True, "licenses.allow: GPL-3.0-only added")],
        ),
        (
            "  deny: [GPL-*]",
            "  deny: [GPL-*, AGPL-*]",
            [("licenses.deny", False, "licenses.deny: AGPL-* added")],
        ),
        (
            "  unknown: block",
            "  unknown: ignore",
            [("licenses.unknown", True, "licenses.unknown turned from block to ignore")],
        ),
        (
            "inline_suppressions: report",
            "inline_suppressions: honour",
            [("inline_suppressions", True, "inline_suppressions turned from report to honour")],
        ),
        (
            "accept_warn_days: 14",
            "accept_warn_days: 3",
            [("accept_warn_days", True, "accept_warn_days lowered from 14 to 3")],
        ),
    ],
)
def test_one_setting(old: str, new: str, expected: list[tuple[str, bool, str]]) -> None:
    assert old in BASE
    assert changed(BASE.replace(old, new)) == expected


def test_rules_added_removed_and_reordered() -> None:
    head = BASE.replace(
        """  - id: secrets
    match: {category: secret}
    action: block
  - id: tests
    match: {tool: bandit, rule: B101, path: "tests/**"}
    action: ignore
""",
        """  - id: tests
    match: {tool: bandit, rule: B101, path: "tests/**"}
    action: ignore
  - match: {severity: critical}
    action: block
  - match: {tool: semgrep}
    action: warn
""",
    )
    assert changed(head) == [
        ("rules[1]", False, 'rules[1] added: block for {"severity": "critical"}'),
        ("rules[2]", True, 'rules[2] added: warn for {"tool": ["semgrep"]}'),
        ("rule:secrets", True, "rule secrets (block) removed"),
    ]
    rules = BASE[BASE.index("  - id: secrets") : BASE.index("licenses:")]
    first, second = rules.split("  - id: tests")
    swapped = BASE.replace(rules, f"  - id: tests{second}{first}")
    assert changed(swapped) == [
        ("rules", True, "rules reordered (the first matching rule decides)")
    ]


def test_licenses_removed_and_the_policy_file_replaced() -> None:
    without = BASE.split("licenses:")[0] + "inline_suppressions: report\naccept_warn_days: 14\n"
    assert changed(without) == [
        ("licenses", True, "licenses removed: licenses are no longer judged")
    ]
    default = GateView(
        policy=parse("version: 1\n", "builtin:default"), policy_file="builtin:default"
    )
    settings = [c.setting for c in compare(view(BASE), default)]
    assert settings[0] == "policy" and "fail_on" not in settings  # the default is high too
    assert "scanners.on_error" not in settings and "scanners.required" in settings


def test_an_invalid_policy_in_the_pull_request_is_named() -> None:
    head = GateView(
        policy=None,
        policy_file=".secgate.yml",
        policy_error=".secgate.yml:2: fail_on: 'hihg' is not one of [...]",
    )
    (change,) = compare(view(BASE), head)
    assert (change.setting, change.weakens) == ("policy", False)
    assert (
        change.summary == "not a valid policy: .secgate.yml:2: fail_on: 'hihg' is not one of [...]"
    )


def test_acceptances() -> None:
    base = (
        BASE
        + """accept:
  - id: a
    vulnerability: CVE-2020-1
    reason: r
    expires: 2027-01-01
    approved_by: sec
  - rule: B303
    reason: legacy
"""
    )
    head = (
        BASE
        + """accept:
  - id: a
    vulnerability: [CVE-2020-1, CVE-2020-2]
    reason: r
    expires: 2026-06-01
    approved_by: me
"""
    )
    assert changed(head, base) == [
        (
            "accept:a",
            True,
            'acceptance a now accepts {"vulnerability": ["CVE-2020-1", '
            '"CVE-2020-2"]} (was {"vulnerability": ["CVE-2020-1"]})',
        ),
        ("accept:a", False, "acceptance a shortened: now until 2026-06-01 (was until 2027-01-01)"),
        ("accept:a", False, "acceptance a: approved_by changed from sec to me"),
        ("accept", False, "accept[1] removed"),
    ]


def test_ignore_baseline_and_scanner_files() -> None:
    base = view(
        BASE,
        ignore=["docs/**"],
        baseline_file=".secgate/baseline.sarif",
        baseline={"fp1": "bandit:B602 in a.py"},
        scanner_files={".gitleaks.toml": None, ".bandit": b"[bandit]\n"},
        scanner_readers={".gitleaks.toml": ["gitleaks"], ".bandit": ["bandit"]},
    )
    head = view(
        BASE,
        ignore=["**"],
        baseline_file=".secgate/baseline.sarif",
        baseline={"fp2": "bandit:B101 in b.py", "fp3": "pip-audit:CVE-1 (x==1)"},
        scanner_files={".gitleaks.toml": b"[allowlist]\n", ".bandit": b"[bandit]\n"},
        scanner_readers={".gitleaks.toml": ["gitleaks"], ".bandit": ["bandit"]},
    )
    assert [(c.file, c.weakens, c.summary) for c in compare(base, head)] == [
        (
            ".secgateignore",
            True,
            "new ignore pattern '**': findings in matching paths are left out",
        ),
        (".secgateignore", False, "ignore patterns removed: docs/**"),
        (
            ".secgate/baseline.sarif",
            True,
            "2 finding(s) added to the baseline (they can no "
            "longer block): bandit:B101 in b.py; pip-audit:CVE-1 (x==1)",
        ),
        (".secgate/baseline.sarif", False, "1 finding(s) removed from the baseline"),
        (".gitleaks.toml", True, "added (read by gitleaks): it can change what gitleaks reports"),
    ]


def test_advisory_limits_vex_list_and_notify_targets() -> None:
    base = BASE + (
        "advisories: {max_age_days: 7, on_stale: block}\nvex: [a.openvex.json]\n"
        "notify:\n  - url: https://hooks.slack.com/services/T1/B1/credential\n"
    )
    head = BASE + (
        "advisories: {max_age_days: 30}\nvex: [a.openvex.json, b.openvex.json]\n"
        "notify:\n  - url_env: TEAM_HOOK\n    on: [block]\n"
    )
    found = changed(head, base)
    assert found[:3] == [
        (
            "vex",
            True,
            "VEX document b.openvex.json added to vex: its not_affected and fixed "
            "statements decide findings like acceptances",
        ),
        (
            "advisories.max_age_days",
            True,
            "advisories.max_age_days changed from 7 to 30: older advisory data passes",
        ),
        ("advisories.on_stale", True, "advisories.on_stale turned from block to warn"),
    ]
    (notify,) = found[3:]
    assert notify[:2] == ("notify", False)
    assert notify[2].startswith("notify changed from [hooks.slack.com (URL #")
    assert notify[2].endswith("on block/error] to [$TEAM_HOOK on block]")
    assert "credential" not in notify[2]
    assert changed(BASE, base)[0] == (
        "vex",
        False,
        "VEX documents removed from vex: a.openvex.json",
    )
    assert (
        "advisories.max_age_days",
        False,
        "advisories.max_age_days changed from none to 7: older advisory data is judged stale",
    ) in changed(base, BASE)


def test_vex_statements_added_and_removed() -> None:
    clears = VexStatement(
        clears=True, text="CVE-1 not affected for pkg:pypi/x@1", document="a.openvex.json"
    )
    affected = VexStatement(
        clears=False, text="CVE-2 affected for pkg:pypi/x@1", document="a.openvex.json"
    )
    base = view(BASE, vex={"old": affected})
    head = view(BASE, vex={"new": clears})
    assert [(c.file, c.setting, c.weakens, c.summary) for c in compare(base, head)] == [
        (
            "a.openvex.json",
            "vex",
            True,
            "VEX statement added: CVE-1 not affected for "
            "pkg:pypi/x@1; it decides its findings like an "
            "acceptance",
        ),
        (
            "a.openvex.json",
            "vex",
            True,
            "VEX statement removed: CVE-2 affected for "
            "pkg:pypi/x@1; it may have ended an older "
            "not_affected statement",
        ),
    ]
    assert [(c.weakens, c.summary) for c in compare(head, base)] == [
        (False, "VEX statement removed: CVE-1 not affected for pkg:pypi/x@1")
    ]
    broken = view(BASE, vex_error="a.openvex.json: 'statements' must be a list")
    assert [(c.weakens, c.summary) for c in compare(base, broken)] == [
        (
            False,
            "the pull request's VEX documents are not usable: a.openvex.json: "
            "'statements' must be a list",
        )
    ]
