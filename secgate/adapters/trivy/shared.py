"""What Trivy's JSON reports and its SARIF share: misconfiguration check ids, fixed versions,
and the secret secgate keeps of a match Trivy already masked."""

from __future__ import annotations

import re
from typing import Any

from secgate.findings.secrets import secret_hash
from secgate.model import Secret

_CHECK_ID_RE = re.compile(r"^([A-Za-z]+)-?(\d{1,4})$")


def check_id(value: str) -> str:
    """A misconfiguration check id in today's spelling: ``DS002`` -> ``DS-0002``."""
    match = _CHECK_ID_RE.match(value.strip())
    if not match:
        return value.strip()
    return f"{match.group(1).upper()}-{int(match.group(2)):04d}"


def fixed_versions(value: Any) -> list[str]:
    """Trivy's ``FixedVersion`` (``"1.2.3, 1.3.1"``) as a list."""
    if not isinstance(value, str):
        return []
    return [v.strip() for v in value.split(",") if v.strip()]


def masked_secret(
    rule_id: str, path: str, match: str, rank: int, *, kind: str | None = None
) -> Secret:
    """What secgate keeps of a secret Trivy already masked (its raw value is never seen)."""
    digest = secret_hash("\x1f".join(("trivy-masked", rule_id, path, match, str(rank))))
    return Secret(hash=digest, preview="*****", kind=kind or rule_id)
