"""Judging a license's SPDX expression against the policy's ``licenses`` lists.

``A OR B`` is allowed when either side is allowed (the user may pick it); ``A AND B`` needs both;
``X WITH E`` is judged by an entry for ``X WITH E`` when there is one (the more specific entry:
``GPL-2.0-only WITH Classpath-exception-2.0`` can be allowed while ``GPL-*`` is denied), else as
``X``; a license that both lists name is denied (deny wins); a license in neither list, an
expression that cannot be read, or a license with no SPDX expression at all, is unknown and
follows ``licenses.unknown``. List entries are SPDX ids or globs over them (``GPL-*``), any case.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any

from license_expression import (
    AND,
    OR,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
)

from secgate.findings.spdx import known_ids, read_expression, single_key
from secgate.policy.model import LicensePolicy


class LicenseStatus(str, Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNKNOWN = "unknown"


def entry_problem(entry: str) -> str | None:
    """Why a ``licenses`` allow/deny entry can never match, else None. Globs, ``LicenseRef-``
    ids, SPDX ids and ``X WITH E`` pairs of SPDX ids are fine, in any case."""
    text = " ".join(entry.split())
    if any(c in text for c in "*?[") or text.lower().startswith("licenseref-"):
        return None
    known = known_ids()
    parts = [p.strip() for p in re.split(r"\s+with\s+", text, flags=re.IGNORECASE)]
    unknown = [p for p in parts if p.lower() not in known]
    if not unknown:
        return None
    hint = _closest(unknown[0])
    return f"{unknown[0]!r} is not an SPDX license id" + (
        f" (did you mean {hint}?)" if hint else ""
    )


def _closest(name: str) -> str | None:
    keys = known_ids()
    squashed = name.lower().replace(" ", "-")
    if squashed in keys:
        return keys[squashed]
    found = get_close_matches(squashed, list(keys), n=1, cutoff=0.88)
    return keys[found[0]] if found else None


def judge(spdx: str | None, policy: LicensePolicy) -> tuple[LicenseStatus, str]:
    """Whether ``spdx`` is allowed, denied or unknown under ``policy``, and a phrase saying why."""
    if not spdx:
        return LicenseStatus.UNKNOWN, "the license could not be identified"
    key = single_key(spdx)  # the common case, read without building the expression parser
    if key is not None:
        return _judge_key(key, policy)
    parsed = read_expression(spdx)
    if parsed is None:
        return LicenseStatus.UNKNOWN, f"{spdx!r} is not a readable SPDX expression"
    status, why = _judge(parsed, policy)
    return status, why


def _judge(node: Any, policy: LicensePolicy) -> tuple[LicenseStatus, str]:
    if isinstance(node, (LicenseSymbol, LicenseWithExceptionSymbol)):
        return _judge_symbol(node, policy)
    parts = [_judge(arg, policy) for arg in node.args]
    statuses = [status for status, _ in parts]
    if isinstance(node, OR):
        for status, why in parts:
            if status is LicenseStatus.ALLOWED:
                return status, f"{why} (a choice in {node.render()})"
        if all(s is LicenseStatus.DENIED for s in statuses):
            return LicenseStatus.DENIED, f"every choice of {node.render()} is denied"
        return LicenseStatus.UNKNOWN, f"no choice of {node.render()} is allowed"
    if isinstance(node, AND):
        for status, why in parts:
            if status is LicenseStatus.DENIED:
                return status, why
        if all(s is LicenseStatus.ALLOWED for s in statuses):
            return LicenseStatus.ALLOWED, f"every license of {node.render()} is allowed"
        unknown = next(why for status, why in parts if status is LicenseStatus.UNKNOWN)
        return LicenseStatus.UNKNOWN, unknown
    return LicenseStatus.UNKNOWN, f"{node} is not a license expression secgate understands"


def _judge_symbol(symbol: Any, policy: LicensePolicy) -> tuple[LicenseStatus, str]:
    if isinstance(symbol, LicenseWithExceptionSymbol):
        whole = f"{symbol.license_symbol.key} WITH {symbol.exception_symbol.key}"
        if _listed(whole, policy.deny):
            return LicenseStatus.DENIED, f"{whole} is denied"
        if _listed(whole, policy.allow):
            return LicenseStatus.ALLOWED, f"{whole} is allowed"
        return _judge_key(str(symbol.license_symbol.key), policy)
    return _judge_key(str(symbol.key), policy)


def _judge_key(key: str, policy: LicensePolicy) -> tuple[LicenseStatus, str]:
    if _listed(key, policy.deny):
        return LicenseStatus.DENIED, f"{key} is denied"
    if _listed(key, policy.allow):
        return LicenseStatus.ALLOWED, f"{key} is allowed"
    return LicenseStatus.UNKNOWN, f"{key} is neither allowed nor denied"


def _listed(key: str, entries: list[str]) -> bool:
    """True when an entry names ``key``; ``X WITH E`` entries only match ``X WITH E`` keys."""
    wanted = " ".join(key.split()).upper()
    with_form = " WITH " in wanted
    for entry in entries:
        pattern = " ".join(entry.split()).upper()
        if (" WITH " in pattern) == with_form and fnmatchcase(wanted, pattern):
            return True
    return False
