"""Rules of different tools that report one weakness at one place: the reviewed equivalence
table the code rule of ``secgate.findings.dedupe`` merges by.

Each entry pairs a rule of one tool with a rule of another, names the weakness both report (the
CWE that stands for the pair in fingerprints, so that a finding keeps its fingerprint whether the
other tool joins or not) and says why they are one problem. Two findings of a pair merge when
they are in one file and their statements overlap: tools anchor a call spread over several lines
on different lines (Bandit on the line of the offending argument, Semgrep on the first line of
the call), so the same first line is not required.

CWE families (``secgate.findings.fingerprint.CWE_FAMILY``) still merge code findings of rules the
table does not list, but only on the same first line; the table is what allows more (a line
range, or CWEs that differ: Bandit files ``yaml.load`` under CWE-20, Semgrep under CWE-502).

Reviewed against the rules' own documentation (Bandit's plugin docs, secgate's shipped Semgrep
rules in ``secgate/rules/python.yml``) and the captures of both tools on the same code
(``tests/fixtures/bandit/``, ``tests/fixtures/semgrep/``, ``tests/fixtures/targets/identity-app``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class RulePair:
    """Two rules of two tools that report one weakness."""

    tool_a: str
    rule_a: str
    tool_b: str
    rule_b: str
    cwe: str
    """The weakness both report, as it stands for either rule in fingerprints."""
    reason: str


EQUIVALENT_RULES: tuple[RulePair, ...] = (
    RulePair(
        "bandit",
        "B602",
        "semgrep",
        "python-subprocess-shell-true",
        "CWE-78",
        "both flag a subprocess call with shell=True (Bandit: subprocess_popen_with_shell"
        "_equals_true; the Semgrep rule matches call/run/Popen/check_* with shell=True)",
    ),
    RulePair(
        "bandit",
        "B307",
        "semgrep",
        "python-eval-exec-non-literal",
        "CWE-78",
        "both flag eval() of a non-constant expression (Bandit's blacklist call 'eval')",
    ),
    RulePair(
        "bandit",
        "B102",
        "semgrep",
        "python-eval-exec-non-literal",
        "CWE-78",
        "both flag exec() (Bandit's exec_used; the Semgrep rule covers exec and eval)",
    ),
    RulePair(
        "bandit",
        "B301",
        "semgrep",
        "python-pickle-loads",
        "CWE-502",
        "both flag pickle.load/loads of data that may be untrusted",
    ),
    RulePair(
        "bandit",
        "B506",
        "semgrep",
        "python-yaml-load-unsafe",
        "CWE-502",
        "both flag yaml.load without a safe Loader; Bandit files it under CWE-20, Semgrep "
        "under CWE-502 (deserialization of untrusted data), which is the weakness",
    ),
    RulePair(
        "bandit",
        "B324",
        "semgrep",
        "python-weak-password-hash",
        "CWE-327",
        "both flag hashlib.md5/sha1 used for security (Bandit's hashlib check)",
    ),
    RulePair(
        "bandit",
        "B303",
        "semgrep",
        "python-weak-password-hash",
        "CWE-327",
        "Bandit before 1.7.5 reported hashlib.md5/sha1 as B303, later as B324",
    ),
    RulePair(
        "bandit",
        "B608",
        "semgrep",
        "python-sql-string-format",
        "CWE-89",
        "both flag SQL built by string formatting or concatenation",
    ),
    RulePair(
        "bandit",
        "B501",
        "semgrep",
        "python-requests-verify-false",
        "CWE-295",
        "both flag a requests call with verify=False",
    ),
    RulePair(
        "bandit",
        "B306",
        "semgrep",
        "python-tempfile-mktemp",
        "CWE-377",
        "both flag tempfile.mktemp (a race between naming and creating the file)",
    ),
    RulePair(
        "bandit",
        "B105",
        "semgrep",
        "python-hardcoded-password",
        "CWE-798",
        "both flag a password-like name assigned a string literal",
    ),
    RulePair(
        "bandit",
        "B106",
        "semgrep",
        "python-hardcoded-password",
        "CWE-798",
        "both flag a password-like keyword argument given a string literal",
    ),
)


@functools.cache
def _index() -> dict[tuple[str, str], dict[tuple[str, str], RulePair]]:
    index: dict[tuple[str, str], dict[tuple[str, str], RulePair]] = {}
    for pair in EQUIVALENT_RULES:
        a, b = (pair.tool_a, pair.rule_a), (pair.tool_b, pair.rule_b)
        index.setdefault(a, {})[b] = pair
        index.setdefault(b, {})[a] = pair
    return index


def pair_of(tool_a: str, rule_a: str, tool_b: str, rule_b: str) -> RulePair | None:
    """The table's entry for these two rules, or None."""
    return _index().get((tool_a, rule_a), {}).get((tool_b, rule_b))


def has_pairs(tool: str, rule_id: str) -> bool:
    """True when the table lists this rule."""
    return (tool, rule_id) in _index()


def weakness_of(tool: str, rule_id: str) -> str | None:
    """The CWE that stands for this rule in fingerprints, when the table lists it."""
    pairs = _index().get((tool, rule_id))
    return min(p.cwe for p in pairs.values()) if pairs else None
