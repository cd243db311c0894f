"""Vulnerability and weakness ids: their normal form, finding them in text, and their public pages.

A vulnerability id is compared in its normal form: upper case (``CVE-2018-18074``,
``PYSEC-2018-28``), except that a GHSA id is lower case after ``GHSA-``
(``GHSA-x84v-xcm2-53pg``), as GitHub writes it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_IDS_IN_TEXT = re.compile(
    r"\b(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3}|PYSEC-\d{4}-\d+)\b", re.IGNORECASE
)
_CVE_RE = re.compile(r"CVE-\d{4}-\d{4,}")
_GHSA_RE = re.compile(r"GHSA(-[23456789cfghjmpqrvwx]{4}){3}")
_CWE_RE = re.compile(r"CWE-(\d{1,6})")
_CWE_IN_TEXT = re.compile(r"CWE[-_ :]?(\d+)", re.IGNORECASE)
_CWE_DIGITS = 9
_MAX_CWE = 10**_CWE_DIGITS
_OSV_RE = re.compile(r"(PYSEC|OSV|GO|RUSTSEC|PYUP)-[A-Za-z0-9-]{1,40}")


def normal_vuln_id(vuln_id: str) -> str:
    """``vuln_id`` in its normal form (see the module docstring), surrounding space removed."""
    text = vuln_id.strip()
    if text.upper().startswith("GHSA-"):
        return "GHSA-" + text[5:].lower()
    return text.upper()


def ids_in(texts: Iterable[str]) -> list[str]:
    """CVE, GHSA and PYSEC ids named in ``texts`` (advisory links, say), normalized, sorted."""
    return sorted({normal_vuln_id(m) for text in texts for m in _IDS_IN_TEXT.findall(text)})


@functools.lru_cache(maxsize=4096)
def normalize_cwe(value: str | int) -> str | None:
    """``CWE-78`` from ``78``, ``cwe-78``, ``CWE-78: Improper ...``; None when there is no id."""
    if isinstance(value, int):
        return f"CWE-{value}" if 0 <= value < _MAX_CWE else None
    text = str(value).strip()
    if text.isascii() and text.isdigit():  # isdigit alone takes "²", which int() refuses
        return f"CWE-{int(text)}" if len(text) <= _CWE_DIGITS else None
    match = _CWE_IN_TEXT.search(text)
    return f"CWE-{int(match.group(1))}" if match and len(match.group(1)) <= _CWE_DIGITS else None


def id_url(identifier: str) -> str | None:
    """The public page of a CVE, GHSA, CWE or OSV id (NVD, GitHub, MITRE, OSV), written in its
    normal form; None for anything else."""
    if _CVE_RE.fullmatch(identifier):
        return f"https://nvd.nist.gov/vuln/detail/{identifier}"
    if _GHSA_RE.fullmatch(identifier):
        return f"https://github.com/advisories/{identifier}"
    cwe = _CWE_RE.fullmatch(identifier)
    if cwe:
        return f"https://cwe.mitre.org/data/definitions/{int(cwe.group(1))}.html"
    if _OSV_RE.fullmatch(identifier):
        return f"https://osv.dev/vulnerability/{identifier}"
    return None
