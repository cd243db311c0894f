"""VEX in: statements that a product is (not) affected by a vulnerability, from OpenVEX and
CycloneDX VEX documents (JSON), and which finding each one decides.

**OpenVEX** (https://github.com/openvex/spec, v0.0.x and v0.2.0): a document with an
``@context`` naming openvex, an ``@id``, a ``timestamp`` and ``statements``. A statement names a
``vulnerability`` (a string in v0.0.x; ``{"name", "@id", "aliases"}`` in v0.2), ``products``
(strings, or ``{"@id", "identifiers": {"purl"}, "subcomponents": [...]}``), a ``status``
(``not_affected``, ``affected``, ``fixed``, ``under_investigation``), and for ``not_affected`` a
``justification`` and/or an ``impact_statement``; it may carry its own ``timestamp``.

**CycloneDX VEX** (1.4 and later): a BOM whose ``vulnerabilities`` have an ``id``,
``references`` (aliases), ``affects`` (``ref``: a package URL, or the ``bom-ref`` of one of the
document's ``components``, whose ``purl`` is used) and an ``analysis`` with a ``state``
(``not_affected`` and ``false_positive`` read as not_affected, ``resolved`` and
``resolved_with_pedigree`` as fixed, ``exploitable`` as affected, ``in_triage`` as
under_investigation), a ``justification``, a ``detail`` and ``lastUpdated``.

**Which finding a statement is about**: one with a vulnerability id or alias the statement
names (ids compared without case), whose package URL matches one of the statement's products
or subcomponents: the same type, namespace and name (PyPI names as PEP 503 compares them) and,
when the statement's purl has a version, the same version (PEP 440 for PyPI); qualifiers and
subpaths are not compared.

**What it decides**: of the statements about a finding, the latest (statement timestamp, else
its document's; among equals, the later given) is the current one, as VEX tools read them.
``not_affected`` with a justification (or OpenVEX impact statement, CycloneDX detail) and
``fixed`` decide the finding like an accepted risk; ``affected`` and ``under_investigation``
decide nothing (the policy judges the finding) and also end what an older statement said. A
``not_affected`` without any justification decides nothing either, and a note says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from packageurl import PackageURL
from packaging.utils import canonicalize_name

from secgate.errors import InputError
from secgate.files.reading import decode_json, read_bytes
from secgate.findings.packages import purl_of
from secgate.findings.versions import canonical_version
from secgate.model import Finding, VexDecision

Status = Literal["not_affected", "affected", "fixed", "under_investigation"]
STATUSES: tuple[Status, ...] = ("not_affected", "affected", "fixed", "under_investigation")
_CYCLONEDX_STATES: dict[str, Status] = {
    "not_affected": "not_affected",
    "false_positive": "not_affected",
    "resolved": "fixed",
    "resolved_with_pedigree": "fixed",
    "exploitable": "affected",
    "in_triage": "under_investigation",
}


@dataclass(frozen=True)
class Product:
    """A package URL a statement is about, read once for matching."""

    text: str
    type: str
    namespace: str | None
    name: str
    version: str | None

    @classmethod
    def parse(cls, text: str) -> Product | None:
        try:
            purl = PackageURL.from_string(text.strip())
        except ValueError:
            return None
        pypi = purl.type.lower() == "pypi"
        name = canonicalize_name(purl.name) if pypi else purl.name
        version = purl.version
        if pypi and version:
            version = canonical_version(version)
        return cls(
            text=text,
            type=purl.type.lower(),
            namespace=purl.namespace or None,
            name=name,
            version=version or None,
        )

    def covers(self, other: Product) -> bool:
        """True when this product (from a statement) names ``other`` (a finding's package)."""
        return (self.type, self.namespace, self.name) == (
            other.type,
            other.namespace,
            other.name,
        ) and (self.version is None or self.version == other.version)


@dataclass(frozen=True)
class Statement:
    """One VEX statement, whichever format it came in."""

    document: str
    """The document's id (OpenVEX ``@id``, CycloneDX ``serialNumber``), else its file name."""
    source: str
    """The file it came from."""
    index: int
    """Its place in the document (statements, or CycloneDX vulnerabilities)."""
    vulnerabilities: frozenset[str]
    """Its vulnerability id and aliases, upper case."""
    products: tuple[Product, ...]
    status: Status
    justification: str | None = None
    impact: str | None = None
    """OpenVEX ``impact_statement``, CycloneDX ``analysis.detail``."""
    action: str | None = None
    timestamp: str = ""

    @property
    def label(self) -> str:
        return f"vex:{self.document}"

    @property
    def clears(self) -> bool:
        """True when the statement decides its findings (see the module docstring)."""
        return self.status == "fixed" or (
            self.status == "not_affected" and bool(self.justification or self.impact)
        )

    def decision(self) -> VexDecision:
        assert self.status in ("not_affected", "fixed")  # noqa: S101 - callers check clears
        return VexDecision(
            status=self.status,
            justification=self.justification,
            impact=self.impact,
            document=self.document,
            source=self.source,
            statement=self.index,
        )

    def reason(self) -> str:
        """Why a finding it decides is ignored, in one line."""
        what = self.status.replace("_", " ")
        why = "; ".join(p for p in (self.justification, self.impact) if p)
        return (
            f"VEX says {what}"
            + (f": {why}" if why else "")
            + f" (statement {self.index} of {self.source})"
        )


@dataclass
class VexIndex:
    """Every statement of the documents given to a scan."""

    statements: list[Statement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the reader should know: statements that can decide nothing, and why."""
    documents: list[str] = field(default_factory=list)

    def current(self, finding: Finding) -> Statement | None:
        """The current statement about ``finding`` (the latest of those about it), or None."""
        if finding.vulnerability is None or finding.package is None or not self.statements:
            return None
        product = finding_product(finding)
        if product is None:
            return None
        ids = {i.strip().upper() for i in finding.vulnerability.all_ids}
        about = [
            (s.timestamp, order, s)
            for order, s in enumerate(self.statements)
            if s.vulnerabilities & ids and any(p.covers(product) for p in s.products)
        ]
        return max(about, key=lambda item: item[:2])[2] if about else None

    def deciding(self, finding: Finding) -> Statement | None:
        """The statement that decides ``finding``, or None (see the module docstring)."""
        statement = self.current(finding)
        return statement if statement is not None and statement.clears else None


def finding_product(finding: Finding) -> Product | None:
    """The package URL of a finding's package (made from its ecosystem, name and version when
    the tool gave none)."""
    package = finding.package
    if package is None:
        return None
    if package.purl:
        return Product.parse(package.purl)
    if not package.ecosystem:
        return None
    purl = purl_of(package.ecosystem.lower(), package.name, package.version)
    return Product.parse(purl) if purl is not None else None


@dataclass(frozen=True)
class Document:
    """One VEX document's bytes and where they came from: a file, or ``REF:path`` for one the
    base commit's policy names (``secgate scan --base``, read from that commit)."""

    data: bytes
    source: str

    @classmethod
    def read(cls, path: Path, root: Path | None = None) -> Document:
        """Read ``path`` through the reading layer (``root``: the scanned directory, when the
        document is one of its files)."""
        return cls(read_bytes(path, "a VEX document", root=root), str(path))


def load(paths: Iterable[Path]) -> VexIndex:
    """Read VEX documents; ``InputError`` names the file and the statement that is wrong."""
    return index(Document.read(path) for path in paths)


def index(documents: Iterable[Document]) -> VexIndex:
    """Every statement of ``documents``, in order; ``InputError`` names the document and the
    statement that is wrong."""
    found = VexIndex()
    for document in documents:
        source = document.source
        try:
            statements = parse_document(decode_json(document.data), source)
        except InputError as exc:
            raise InputError(exc.message, path=source) from None
        found.documents.append(source)
        for statement in statements:
            if statement.status == "not_affected" and not statement.clears:
                found.notes.append(
                    f"{source}: statement {statement.index} says not_affected without a "
                    "justification or impact statement: it decides nothing"
                )
            if not statement.products:
                found.notes.append(
                    f"{source}: statement {statement.index} names no package "
                    "URL secgate can match: it decides nothing"
                )
            found.statements.append(statement)
    return found


def parse_document(doc: Any, source: str) -> list[Statement]:
    """The statements of one OpenVEX or CycloneDX VEX document (JSON data)."""
    if not isinstance(doc, dict):
        raise InputError("a VEX document is a JSON object")
    context = doc.get("@context")
    if isinstance(context, str) and "openvex" in context.lower():
        return _openvex(doc, source)
    if doc.get("bomFormat") == "CycloneDX":
        return _cyclonedx(doc, source)
    raise InputError(
        "neither OpenVEX (an '@context' naming openvex) nor CycloneDX VEX "
        "('bomFormat': 'CycloneDX')"
    )


def _openvex(doc: dict[str, Any], source: str) -> list[Statement]:
    document = _text(doc.get("@id")) or Path(source).name
    stamp = _stamp(doc.get("timestamp"))
    statements = doc.get("statements")
    if not isinstance(statements, list):
        raise InputError("'statements' must be a list")
    out = []
    for index, item in enumerate(statements):
        where = f"statements[{index}]"
        if not isinstance(item, dict):
            raise InputError(f"{where}: a statement is an object")
        status = item.get("status")
        if status not in STATUSES:
            raise InputError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
        vulns = _openvex_vulnerability(item.get("vulnerability"), where)
        products = item.get("products")
        if not isinstance(products, list) or not products:
            raise InputError(f"{where}: 'products' must be a non-empty list")
        out.append(
            Statement(
                document=document,
                source=source,
                index=index,
                vulnerabilities=vulns,
                products=tuple(_openvex_products(products, where)),
                status=status,
                justification=_text(item.get("justification")),
                impact=_text(item.get("impact_statement")),
                action=_text(item.get("action_statement")),
                timestamp=_stamp(item.get("timestamp"), item.get("last_updated")) or stamp,
            )
        )
    return out


def _openvex_vulnerability(value: Any, where: str) -> frozenset[str]:
    if isinstance(value, str) and value.strip():
        return frozenset({value.strip().upper()})
    if isinstance(value, dict):
        names = [value.get("name"), value.get("@id"), *_list(value.get("aliases"))]
        ids = {n.strip().upper() for n in names if isinstance(n, str) and n.strip()}
        if ids:
            return frozenset(ids)
    raise InputError(f"{where}: 'vulnerability' names no vulnerability id")


def _openvex_products(items: list[Any], where: str) -> list[Product]:
    found: list[Product] = []
    for number, item in enumerate(items):
        if not isinstance(item, str | dict):
            raise InputError(f"{where}.products[{number}]: a product is a string or an object")
        texts = _component_ids(item)
        if isinstance(item, dict):
            for sub in _list(item.get("subcomponents")):
                texts += _component_ids(sub)
        found.extend(p for p in (Product.parse(t) for t in texts) if p is not None)
    return found


def _component_ids(item: Any) -> list[str]:
    """The ids an OpenVEX product or subcomponent gives: itself as a string, else its ``@id``
    and ``identifiers.purl``."""
    if isinstance(item, str):
        return [item]
    if not isinstance(item, dict):
        return []
    return [
        t
        for t in (item.get("@id"), _dict(item.get("identifiers")).get("purl"))
        if isinstance(t, str)
    ]


def _cyclonedx(doc: dict[str, Any], source: str) -> list[Statement]:
    document = _text(doc.get("serialNumber")) or Path(source).name
    stamp = _stamp(_dict(doc.get("metadata")).get("timestamp"))
    refs = {
        c.get("bom-ref"): c.get("purl")
        for c in _list(doc.get("components"))
        if isinstance(c, dict)
        and isinstance(c.get("purl"), str)
        and isinstance(c.get("bom-ref"), str)
    }
    vulnerabilities = doc.get("vulnerabilities")
    if not isinstance(vulnerabilities, list):
        raise InputError("'vulnerabilities' must be a list")
    out = []
    for index, item in enumerate(vulnerabilities):
        where = f"vulnerabilities[{index}]"
        if not isinstance(item, dict) or not _text(item.get("id")):
            raise InputError(f"{where}: a vulnerability needs an 'id'")
        analysis = item.get("analysis")
        if analysis is None:
            continue  # a vulnerability listed without a VEX analysis states nothing
        state = analysis.get("state") if isinstance(analysis, dict) else analysis
        if (
            not isinstance(analysis, dict)
            or not isinstance(state, str)
            or state not in _CYCLONEDX_STATES
        ):
            raise InputError(
                f"{where}: analysis.state {state!r} is not one of {', '.join(_CYCLONEDX_STATES)}"
            )
        ids = {str(item["id"]).strip().upper()}
        ids.update(
            str(r["id"]).strip().upper()
            for r in _list(item.get("references"))
            if isinstance(r, dict) and _text(r.get("id"))
        )
        products = []
        for affect in _list(item.get("affects")):
            ref = affect.get("ref") if isinstance(affect, dict) else None
            if not isinstance(ref, str):
                continue
            text = refs.get(ref) or ref
            parsed = Product.parse(text) if isinstance(text, str) else None
            if parsed is not None:
                products.append(parsed)
        out.append(
            Statement(
                document=document,
                source=source,
                index=index,
                vulnerabilities=frozenset(ids),
                products=tuple(products),
                status=_CYCLONEDX_STATES[state],
                justification=_text(analysis.get("justification")),
                impact=_text(analysis.get("detail")),
                action=", ".join(str(r) for r in _list(analysis.get("response"))) or None,
                timestamp=_stamp(analysis.get("lastUpdated"), analysis.get("firstIssued")) or stamp,
            )
        )
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _stamp(*values: Any) -> str:
    """The first readable time of ``values`` as UTC ISO text (comparable as text); ''."""
    for value in values:
        text = _text(value)
        if text is None:
            continue
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    return ""
