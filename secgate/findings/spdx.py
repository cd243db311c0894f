"""License names as scanners print them, turned into SPDX license expressions.

Scanners name licenses in three ways: SPDX ids and expressions (Trivy, newer packaging metadata),
Python trove classifiers (``MIT License``, ``GNU Library or Lesser General Public License
(LGPL)``: pip-licenses' default) and free text from package metadata (``BSD``, ``Apache 2.0``,
``BSD or Apache License, Version 2.0``). ``normalize`` maps each to an SPDX expression with the
``license-expression`` library, or keeps it visible as unknown (``License(raw=..., spdx=None)``).

Readings that are choices, not facts (see docs/severity.md, "Licenses"):

- a name without a version maps to the version the name almost always means (``Apache Software
  License`` -> Apache-2.0, ``BSD License`` -> BSD-3-Clause);
- an unversioned GNU license maps to "any version, from the first" (``GPL`` ->
  GPL-1.0-or-later, ``LGPL`` -> LGPL-2.0-or-later), which is what the GNU licenses say when a
  program names no version;
- several names listed side by side (pip-licenses joins classifiers with ``; ``) all apply: they
  are joined with AND, the reading a gate can defend (Trivy lists one result per license: each
  is a finding of its own, judged alike). An explicit ``or`` in free text stays a choice (OR).

The policy's allow/deny evaluation works on expressions through ``choices``: the sets of licenses
a user may pick from to comply.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson
from license_expression import (
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
    vendored_scancode_licensedb_index_location,
)

from secgate.model import License

__all__ = [
    "choices",
    "combine",
    "is_known",
    "keys_named",
    "known_ids",
    "license_ids",
    "licensing",
    "normalize",
    "normalize_all",
    "parse_expression",
    "read_expression",
]

_UNKNOWN_KEYS = frozenset(
    {
        "",
        "unknown",
        "none",
        "noassertion",
        "n/a",
        "na",
        "null",
        "other",
        "-",
        "other/proprietary",
        "other/proprietary license",
        "proprietary",
        "license.txt",
        "see license",
        "see license file",
        "dual license",
        "public domain",
        "freely distributable",
        "freeware",
    }
)
"""Names that say nothing an SPDX id could carry: they stay unknown (Public Domain has no SPDX
id, and a policy can still match it by its raw name)."""

_MARKERS = frozenset({"dfsg approved", "osi approved", "fsf approved"})
"""Classifiers that qualify a license without naming one (``License :: DFSG approved``): left
out when they sit beside a real license name."""

# Keys are ``_key(name)``: lower case, single spaces, no classifier prefix, "licence" -> "license".
_ALIASES: dict[str, str] = {
    # MIT family
    "mit": "MIT",
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit licensed": "MIT",
    "expat": "MIT",
    "expat license": "MIT",
    "mit/expat": "MIT",
    "mit no attribution license (mit-0)": "MIT-0",
    "mit no attribution": "MIT-0",
    # BSD family
    "bsd": "BSD-3-Clause",
    "bsd license": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "modified bsd license": "BSD-3-Clause",
    "revised bsd": "BSD-3-Clause",
    "bsd-3": "BSD-3-Clause",
    "bsd 3": "BSD-3-Clause",
    "bsd3": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd 3-clause license": "BSD-3-Clause",
    "bsd-3-clause license": "BSD-3-Clause",
    "bsd (3 clause)": "BSD-3-Clause",
    "3-clause bsd license (bsd-3-clause)": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "simplified bsd license": "BSD-2-Clause",
    "freebsd": "BSD-2-Clause",
    "bsd-2": "BSD-2-Clause",
    "bsd 2": "BSD-2-Clause",
    "bsd2": "BSD-2-Clause",
    "2-clause bsd": "BSD-2-Clause",
    "2-clause bsd license": "BSD-2-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "bsd 2-clause license": "BSD-2-Clause",
    "bsd-2-clause license": "BSD-2-Clause",
    "bsd (2 clause)": "BSD-2-Clause",
    "zero-clause bsd": "0BSD",
    "bsd zero clause license": "0BSD",
    # Apache
    "apache": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache v2": "Apache-2.0",
    "apache license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license v2": "Apache-2.0",
    "apache license v2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license (2.0)": "Apache-2.0",
    "apache 2.0 license": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "apache software license, version 2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "asl2": "Apache-2.0",
    "apache-2.0 license": "Apache-2.0",
    "apache software license 1.1": "Apache-1.1",
    "apache license 1.1": "Apache-1.1",
    # Python
    "psf": "PSF-2.0",
    "psfl": "PSF-2.0",
    "psf license": "PSF-2.0",
    "psf-2": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "python software foundation": "PSF-2.0",
    "python software foundation license version 2": "PSF-2.0",
    "python license": "Python-2.0",
    "python license (cnri python license)": "CNRI-Python",
    # GNU GPL
    "gpl": "GPL-1.0-or-later",
    "gnu gpl": "GPL-1.0-or-later",
    "gnu general public license": "GPL-1.0-or-later",
    "gnu general public license (gpl)": "GPL-1.0-or-later",
    "gplv2": "GPL-2.0-only",
    "gpl v2": "GPL-2.0-only",
    "gpl-2": "GPL-2.0-only",
    "gpl2": "GPL-2.0-only",
    "gnu gplv2": "GPL-2.0-only",
    "gnu general public license v2 (gplv2)": "GPL-2.0-only",
    "gnu general public license v2": "GPL-2.0-only",
    "gnu general public license v2 or later (gplv2+)": "GPL-2.0-or-later",
    "gnu general public license v2 or later": "GPL-2.0-or-later",
    "gplv2+": "GPL-2.0-or-later",
    "gpl v2+": "GPL-2.0-or-later",
    "gpl-2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gpl v3": "GPL-3.0-only",
    "gpl-3": "GPL-3.0-only",
    "gpl3": "GPL-3.0-only",
    "gnu gplv3": "GPL-3.0-only",
    "gnu general public license v3 (gplv3)": "GPL-3.0-only",
    "gnu general public license v3": "GPL-3.0-only",
    "gnu general public license v3 or later (gplv3+)": "GPL-3.0-or-later",
    "gnu general public license v3 or later": "GPL-3.0-or-later",
    "gplv3+": "GPL-3.0-or-later",
    "gpl v3+": "GPL-3.0-or-later",
    "gpl-3+": "GPL-3.0-or-later",
    # GNU LGPL
    "lgpl": "LGPL-2.0-or-later",
    "gnu lgpl": "LGPL-2.0-or-later",
    "gnu library or lesser general public license (lgpl)": "LGPL-2.0-or-later",
    "gnu lesser general public license": "LGPL-2.0-or-later",
    "gnu library general public license": "LGPL-2.0-or-later",
    "lgplv2": "LGPL-2.0-only",
    "lgpl v2": "LGPL-2.0-only",
    "lgpl-2": "LGPL-2.0-only",
    "gnu lesser general public license v2 (lgplv2)": "LGPL-2.0-only",
    "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.0-or-later",
    "lgplv2+": "LGPL-2.0-or-later",
    "lgpl v2+": "LGPL-2.0-or-later",
    "lgplv2.1": "LGPL-2.1-only",
    "lgpl v2.1": "LGPL-2.1-only",
    "lgpl 2.1": "LGPL-2.1-only",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgplv2.1+": "LGPL-2.1-or-later",
    "lgpl v2.1+": "LGPL-2.1-or-later",
    "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgplv3": "LGPL-3.0-only",
    "lgpl v3": "LGPL-3.0-only",
    "lgpl-3": "LGPL-3.0-only",
    "lgpl3": "LGPL-3.0-only",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0-only",
    "gnu lesser general public license v3 or later (lgplv3+)": "LGPL-3.0-or-later",
    "lgplv3+": "LGPL-3.0-or-later",
    "lgpl v3+": "LGPL-3.0-or-later",
    "lgpl-3+": "LGPL-3.0-or-later",
    # GNU AGPL / FDL
    "agpl": "AGPL-3.0-or-later",
    "agplv3": "AGPL-3.0-only",
    "agpl v3": "AGPL-3.0-only",
    "agpl-3": "AGPL-3.0-only",
    "gnu affero general public license v3": "AGPL-3.0-only",
    "gnu affero general public license v3 or later (agplv3+)": "AGPL-3.0-or-later",
    "agplv3+": "AGPL-3.0-or-later",
    "agpl v3+": "AGPL-3.0-or-later",
    "gnu free documentation license (fdl)": "GFDL-1.1-or-later",
    # Mozilla
    "mpl": "MPL-2.0",
    "mpl 2.0": "MPL-2.0",
    "mpl2": "MPL-2.0",
    "mpl-2": "MPL-2.0",
    "mpl v2": "MPL-2.0",
    "mpl v2.0": "MPL-2.0",
    "mozilla public license 2.0": "MPL-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "mozilla public license 1.1 (mpl 1.1)": "MPL-1.1",
    "mpl 1.1": "MPL-1.1",
    "mozilla public license 1.0 (mpl)": "MPL-1.0",
    # other permissive and weak copyleft licenses with trove classifiers
    "isc": "ISC",
    "isc license": "ISC",
    "isc license (iscl)": "ISC",
    "iscl": "ISC",
    "the unlicense": "Unlicense",
    "the unlicense (unlicense)": "Unlicense",
    "unlicense": "Unlicense",
    "unlicensed": "Unlicense",
    "cc0": "CC0-1.0",
    "cc0 1.0": "CC0-1.0",
    "cc0 1.0 universal": "CC0-1.0",
    "cc0 1.0 universal (cc0 1.0) public domain dedication": "CC0-1.0",
    "hpnd": "HPND",
    "historical permission notice and disclaimer (hpnd)": "HPND",
    "zlib": "Zlib",
    "zlib license": "Zlib",
    "zlib/libpng": "Zlib",
    "zlib/libpng license": "Zlib",
    "boost": "BSL-1.0",
    "boost software license": "BSL-1.0",
    "boost software license 1.0 (bsl-1.0)": "BSL-1.0",
    "eclipse public license 1.0 (epl-1.0)": "EPL-1.0",
    "epl 1.0": "EPL-1.0",
    "eclipse public license 2.0 (epl-2.0)": "EPL-2.0",
    "epl 2.0": "EPL-2.0",
    "european union public licence 1.1 (eupl 1.1)": "EUPL-1.1",
    "european union public license 1.1 (eupl 1.1)": "EUPL-1.1",
    "european union public licence 1.2 (eupl 1.2)": "EUPL-1.2",
    "european union public license 1.2 (eupl 1.2)": "EUPL-1.2",
    "common development and distribution license 1.0 (cddl-1.0)": "CDDL-1.0",
    "cddl": "CDDL-1.0",
    "common public license": "CPL-1.0",
    "universal permissive license (upl)": "UPL-1.0",
    "upl": "UPL-1.0",
    "zope public license": "ZPL-2.1",
    "zpl 2.1": "ZPL-2.1",
    "zpl": "ZPL-2.1",
    "artistic license 2.0": "Artistic-2.0",
    "artistic 2.0": "Artistic-2.0",
    "wtfpl": "WTFPL",
    "academic free license (afl)": "AFL-3.0",
    "python software foundation license (psf)": "PSF-2.0",
}

_PREFIXES = ("license :: osi approved :: ", "license :: ")
_MAX_NAME = 512
_ONLY_TO_LATER = re.compile(r"^((?:A|L)?GPL-\d\.\d)-only$")
_LATER_SUFFIX = re.compile(
    r"^(?P<base>.+?)(?:\s*\+|,?\s+or\s+(?:any\s+)?later(?:\s+version)?)$", re.IGNORECASE
)
_CHOICE_SPLIT = re.compile(r"\s+or\s+|\s*/\s*|\s*\|\s*", re.IGNORECASE)
_BOTH_SPLIT = re.compile(r"\s+and\s+|\s*&\s*", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"\s*[;\n]\s*")
_ONE_ID = re.compile(r"[A-Za-z0-9.\-]+")
_OPERATOR_WORDS = frozenset({"and", "or", "with"})


@lru_cache(maxsize=1)
def licensing() -> Licensing:
    """The SPDX license list (loaded once, on first use)."""
    return get_spdx_licensing()


@lru_cache(maxsize=1)
def known_ids() -> dict[str, str]:
    """Every SPDX id (licenses and exceptions) ``licensing`` knows, by its lowercase form: the
    keys of license-expression's license index, read without building the expression parser
    (a third of the cost), which checking a policy's license lists does not need."""
    return {
        entry["spdx_license_key"].lower(): entry["spdx_license_key"]
        for entry in _license_index()
        if entry.get("spdx_license_key")
    }


def _license_index() -> list[dict[str, Any]]:
    """license-expression's license index, the file its ``get_license_index`` reads, parsed by
    orjson (6 ms against the json module's 15 ms: paid by every scan, whose policy's license
    lists are checked against it)."""
    with open(vendored_scancode_licensedb_index_location, "rb") as index:
        entries: list[dict[str, Any]] = orjson.loads(index.read())
    return entries


def _key(name: str) -> str:
    text = " ".join(name.split()).lower().replace("licence", "license").rstrip(".,")
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def normalize(raw: str) -> License:
    """The SPDX expression of one license name as a tool printed it; ``spdx`` is None when the
    name is unknown (the raw name is always kept)."""
    return License(raw=raw, spdx=_resolve(raw))


def normalize_all(raws: Iterable[str]) -> License:
    """One license from several names that all apply (several classifiers, several Trivy
    results for one package): the raw names joined with ``; ``, the expressions with AND.
    Unknown when any name is unknown."""
    names = list(dict.fromkeys(r.strip() for r in raws if r and r.strip()))
    if len(names) == 1:
        return normalize(names[0])
    spdx = combine(_resolve(n) for n in names) if names else None
    return License(raw="; ".join(names), spdx=spdx)


def combine(expressions: Iterable[str | None], operator: str = "AND") -> str | None:
    """SPDX expressions joined with ``operator`` (AND or OR), duplicates removed; None when any
    is None or there are none."""
    parts: list[str] = []
    for expression in expressions:
        if expression is None:
            return None
        if expression not in parts:
            parts.append(expression)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    joined = f" {operator} ".join(f"({p})" if " " in p and " WITH " not in p else p for p in parts)
    return _canonical(joined)


def parse_expression(spdx: str) -> Any:
    """The parsed ``license_expression`` object of an SPDX expression; ValueError when it is
    not a valid expression of known SPDX ids (``LicenseRef-`` ids are accepted)."""
    try:
        parsed = licensing().parse(spdx, validate=False, strict=True)
    except ExpressionError as exc:
        raise ValueError(f"invalid SPDX expression {spdx!r}: {exc}") from None
    if parsed is None:
        raise ValueError("empty SPDX expression")
    unknown = [k for k in licensing().unknown_license_keys(parsed) if not _is_ref(k)]
    if unknown:
        raise ValueError(f"unknown SPDX license id(s) in {spdx!r}: {', '.join(unknown)}")
    return parsed


def is_known(spdx_id: str) -> bool:
    """True when ``spdx_id`` is an SPDX license id (or exception id, or a ``LicenseRef-``)."""
    try:
        parse_expression(spdx_id)
    except ValueError:
        return False
    return True


def license_ids(spdx: str) -> list[str]:
    """Every license id an expression names, in order, exceptions left out."""
    return list(dict.fromkeys(_ids(parse_expression(spdx))))


def single_key(spdx: str) -> str | None:
    """The license key of an expression that is one id, as ``read_expression`` would give it:
    the SPDX list's spelling of a known id in any case, the text itself of an unknown one;
    None for anything else (operators, parentheses, ``WITH``, a ``+`` suffix), which only the
    parser reads. Reading a lone id needs only the id index (``known_ids``), not the parser,
    whose construction took most of a warm re-scan's license judgment."""
    if not _ONE_ID.fullmatch(spdx) or spdx.lower() in _OPERATOR_WORDS:
        return None
    return known_ids().get(spdx.lower(), spdx)


@lru_cache(maxsize=4096)
def read_expression(spdx: str) -> Any:
    """The parsed expression, or None when it cannot be read. Unlike ``parse_expression`` it
    accepts ids the SPDX list does not know (a policy judges those as unknown)."""
    try:
        return licensing().parse(spdx, validate=False)
    except (ExpressionError, ValueError, TypeError):
        return None


def keys_named(spdx: str | None) -> list[str]:
    """Every license and exception key an expression names; ``[]`` when there is none or it
    cannot be read. Unlike ``license_ids`` it never raises and keeps exceptions."""
    if not spdx:
        return []
    parsed = read_expression(spdx)
    if parsed is None:
        return []
    return [str(key) for key in licensing().license_keys(parsed)]


def _ids(node: Any) -> list[str]:
    if isinstance(node, LicenseWithExceptionSymbol):
        return [node.license_symbol.key]
    if isinstance(node, LicenseSymbol):
        return [node.key]
    return [key for arg in node.args for key in _ids(arg)]


def choices(spdx: str) -> list[frozenset[str]]:
    """The ways to comply with an expression: each set holds the licenses a user must accept
    together, and accepting any one set is enough. ``MIT OR (Apache-2.0 AND BSD-3-Clause)`` gives
    ``[{MIT}, {Apache-2.0, BSD-3-Clause}]``. A ``WITH`` exception stays on its license
    (``GPL-2.0-only WITH Classpath-exception-2.0``). So an allow-list accepts an expression when
    some choice is wholly allowed, and a deny-list rejects it when every choice has a denied
    license."""
    result: list[frozenset[str]] = []
    for choice in _choices(parse_expression(spdx)):
        if choice not in result:
            result.append(choice)
    return result


def _choices(node: Any) -> list[frozenset[str]]:
    known = licensing()
    if isinstance(node, LicenseWithExceptionSymbol):
        return [frozenset({f"{node.license_symbol.key} WITH {node.exception_symbol.key}"})]
    if isinstance(node, LicenseSymbol):
        return [frozenset({node.key})]
    if isinstance(node, known.OR):
        return [c for arg in node.args for c in _choices(arg)]
    if isinstance(node, known.AND):
        product = itertools.product(*(_choices(arg) for arg in node.args))
        return [frozenset().union(*combo) for combo in product]
    raise ValueError(f"unsupported license expression part {node!r}")


def _is_ref(key: str) -> bool:
    return key.startswith(("LicenseRef-", "DocumentRef-"))


def _canonical(text: str) -> str | None:
    """A valid SPDX expression in canonical spelling, or None."""
    try:
        parsed = parse_expression(text)
    except ValueError:
        return None
    rendered: str = licensing().dedup(parsed).render()
    return rendered


def _resolve(raw: str) -> str | None:
    text = " ".join(raw.split()) if "\n" not in raw.strip() else raw.strip()
    key = _key(text)
    if key in _UNKNOWN_KEYS:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    if "\n" in text:  # a whole license text pasted into metadata
        return _resolve_list(text)
    return (
        _canonical(text)
        or _resolve_later(text)
        or _resolve_list(text)
        or _resolve_split(text, _CHOICE_SPLIT, "OR")
        or _resolve_split(text, _BOTH_SPLIT, "AND")
    )


def _resolve_later(text: str) -> str | None:
    """``GPLv2 or later``, ``LGPL 2.1+``: the -or-later form of a GNU license."""
    if len(text) > _MAX_NAME:  # no license name is this long (and the pattern backtracks)
        return None
    match = _LATER_SUFFIX.match(text)
    if not match:
        return None
    base = _ALIASES.get(_key(match.group("base"))) or _canonical(match.group("base"))
    later = _ONLY_TO_LATER.match(base or "")
    return f"{later.group(1)}-or-later" if later else None


def _resolve_list(text: str) -> str | None:
    pieces = [p for p in _LIST_SPLIT.split(text) if p.strip()]
    parts = [p for p in pieces if _key(p) not in _MARKERS]
    if len(parts) == 1 and len(pieces) > 1:  # a real name beside a marker
        return _resolve(parts[0])
    if len(parts) < 2 or len(parts) > 10:
        return None
    return combine(_resolve(p) for p in parts)


def _resolve_split(text: str, pattern: re.Pattern[str], operator: str) -> str | None:
    parts = [p for p in pattern.split(text) if p.strip()]
    if len(parts) < 2:
        return None
    resolved = []
    for part in parts:
        key = _key(part)
        spdx = _ALIASES.get(key) or _canonical(part) or _resolve_later(part)
        if spdx is None:
            return None
        resolved.append(spdx)
    return combine(resolved, operator)
