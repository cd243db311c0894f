"""One mapping from CVSS ratings and tools' severity words to secgate's severity and 0-10 score.

Every dependency adapter rates its findings here, so one CVE gets the same severity whichever
tool reported it. The rules (also in ``docs/severity.md``):

- **CVSS v3.x and v4.0 scores** use the qualitative bands of both specifications: 0.0 info,
  0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical.
- **CVSS v2 scores** use NVD's v2 bands, which have no "critical": 0.0 info, 0.1-3.9 low,
  4.0-6.9 medium, 7.0-10.0 high.
- **A vector** is scored with the ``cvss`` library (base score). When the tool also gives the
  published base score, that score is kept (it is what advisories show); the vector still
  decides the CVSS version.
- **Several ratings** (a v2 and a v3 rating of one CVE, say): the newest CVSS version wins
  (v4.0, then v3.1, v3.0, then v2); within one version, the highest score.
- **A tool's severity word** (``HIGH``, ``Moderate``...) is used only when there is no CVSS rating,
  with the representative score of that severity (``Severity.default_score``). Words that say
  nothing (``unknown``, empty) count as no rating.
- **No rating at all**: the caller's default. For a known vulnerability secgate assumes
  ``UNRATED_VULNERABILITY`` (high, 8.0): a vulnerability nobody scored is not treated as harmless.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from secgate.model import Severity

CVSS_BASES = ("CVSS:4.0", "CVSS:3.1", "CVSS:3.0", "CVSS:2.0")
"""The CVSS versions secgate reads, newest (most preferred) first."""

_UNRATED_WORDS = frozenset({"", "unknown", "unspecified", "n/a", "none given", "unrated"})
_V3_PREFIX = re.compile(r"^CVSS:3\.([01])/")


@dataclass(frozen=True)
class Rating:
    """A severity with its 0-10 score and what it was derived from."""

    severity: Severity
    score: float
    basis: str
    """``CVSS:4.0``, ``CVSS:3.1``, ``CVSS:3.0``, ``CVSS:2.0``, ``tool`` or ``default``."""
    vector: str | None = None

    def properties(self) -> dict[str, Any]:
        """What a finding keeps of this rating in ``Finding.properties``."""
        props: dict[str, Any] = {"severity_basis": self.basis}
        if self.vector:
            props["cvss_vector"] = self.vector
        return props


UNRATED_VULNERABILITY = Rating(Severity.HIGH, Severity.HIGH.default_score, "default")
"""The rating of a known vulnerability that no source rates."""


def band(score: float, basis: str) -> Severity:
    """The severity of a CVSS score under ``basis`` (v2 bands have no critical)."""
    if basis == "CVSS:2.0":
        if score >= 7.0:
            return Severity.HIGH
        if score >= 4.0:
            return Severity.MEDIUM
        return Severity.LOW if score > 0.0 else Severity.INFO
    return Severity.from_score(score)


def cvss_version(vector: str) -> str | None:
    """The ``CVSS:x.y`` basis a vector is written for; v2 vectors carry no prefix."""
    text = vector.strip().strip("()")
    if text.startswith("CVSS:4.0/"):
        return "CVSS:4.0"
    match = _V3_PREFIX.match(text)
    if match:
        return f"CVSS:3.{match.group(1)}"
    if text.startswith("CVSS:2.0/"):
        return "CVSS:2.0"
    if "Au:" in text and not text.startswith("CVSS:"):
        return "CVSS:2.0"
    return None


def score_vector(vector: str) -> tuple[str, float] | None:
    """The basis and base score of a CVSS vector; None when it is not a valid vector."""
    text = vector.strip().strip("()")
    if len(text) > _MAX_VECTOR:
        return None
    basis = cvss_version(text)
    if basis is None:
        return None
    from cvss import CVSS2, CVSS3, CVSS4, CVSSError  # loaded when a vector is first scored

    try:
        if basis == "CVSS:4.0":
            return basis, float(CVSS4(text).base_score)
        if basis == "CVSS:2.0":
            return basis, float(CVSS2(text.removeprefix("CVSS:2.0/")).base_score)
        return basis, float(CVSS3(text).base_score)
    except (CVSSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


_MAX_VECTOR = 256
"""Longer than any CVSS vector: text from a report that is none."""


def from_cvss(
    vector: str | None = None, score: float | str | None = None, version: str | None = None
) -> Rating | None:
    """A rating from a CVSS vector and/or a numeric base score.

    ``version`` (``"3.1"``, ``"2"``, ``"CVSSv31"``...) names the CVSS version of a bare score;
    a bare score with no version is read as v3. Returns None when neither is usable.
    """
    number = _as_score(score)
    scored = score_vector(vector) if isinstance(vector, str) and vector else None
    if scored is not None:
        basis, computed = scored
        final = number if number is not None else computed
        clean = vector.strip().strip("()") if isinstance(vector, str) else None
        return Rating(band(final, basis), final, basis, clean)
    if number is None:
        return None
    basis = _basis_from_version(version)
    return Rating(band(number, basis), number, basis)


def from_tool(word: str | None, score: float | str | None = None) -> Rating | None:
    """A rating from a tool's own severity word (and its score, when it gives one)."""
    if not isinstance(word, str) or word.strip().lower() in _UNRATED_WORDS:
        return None
    try:
        severity = Severity.parse(word)
    except ValueError:
        return None
    number = _as_score(score)
    return Rating(severity, number if number is not None else severity.default_score, "tool")


def from_cvss_dict(data: Mapping[str, Any] | None, version: str) -> Rating | None:
    """A rating from a ``{base_score, vector_string, base_severity}`` object (NVD and Safety
    spell CVSS this way); ``version`` is the CVSS version the object is for (``"2"``, ``"3"``)."""
    if not isinstance(data, Mapping):
        return None
    vector = data.get("vector_string") or data.get("vectorString") or data.get("vector")
    score = data.get("base_score", data.get("baseScore", data.get("score")))
    return from_cvss(vector if isinstance(vector, str) else None, score, version)


def best(ratings: Iterable[Rating | None]) -> Rating | None:
    """The rating that decides: CVSS before tool words before defaults; the newest CVSS version
    first; then the highest score."""
    usable = [r for r in ratings if r is not None]
    if not usable:
        return None
    return min(usable, key=_precedence)


def rate(ratings: Iterable[Rating | None], default: Rating = UNRATED_VULNERABILITY) -> Rating:
    """``best(ratings)``, or ``default`` when nothing rates the finding."""
    return best(ratings) or default


def _precedence(rating: Rating) -> tuple[int, float]:
    if rating.basis in CVSS_BASES:
        rank = CVSS_BASES.index(rating.basis)
    elif rating.basis == "tool":
        rank = len(CVSS_BASES)
    else:
        rank = len(CVSS_BASES) + 1
    return rank, -rating.score


def _as_score(value: float | str | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not 0.0 <= number <= 10.0:
        return None
    return round(number, 1)


def _basis_from_version(version: str | None) -> str:
    digits = re.sub(r"[^0-9]", "", version or "")
    if digits.startswith("4"):
        return "CVSS:4.0"
    if digits.startswith("2"):
        return "CVSS:2.0"
    if digits == "30":
        return "CVSS:3.0"
    return "CVSS:3.1"
