"""The real pip-audit, live, against an OSV-compatible mirror on loopback.

No public vulnerability service is reachable here, so the test starts the stand-in OSV query
server kept with the fixtures (``tests/fixtures/pip-audit/2.10.1/osv-standin``: our own server,
serving hand-written OSV records of public advisories) on 127.0.0.1 and points pip-audit at it
with the ``osv_url`` policy setting. pip-audit and its output are real; the data is hand-written.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.commands import require_tool, run_secgate
from tests.support.paths import FIXTURES

STANDIN = FIXTURES / "pip-audit" / "2.10.1" / "osv-standin" / "standin.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def osv_url() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(STANDIN), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1/query"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_requests_and_pyyaml_pins_yield_their_cves_with_aliases_fixes_and_scores(
    osv_url: str, tmp_path: Path
) -> None:
    require_tool("pip-audit")
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\npyyaml==5.3\n")
    (project / ".secgate.yml").write_text(
        f"version: 1\nscanners:\n  settings:\n    pip-audit:\n      osv_url: {osv_url}\n"
    )
    out = tmp_path / "out.json"
    done = run_secgate("scan", project, "-s", "pip-audit", "-q", "--json", out)
    assert done.returncode == 1, done.stderr
    report = json.loads(out.read_text())
    assert report["runs"][0]["tool"] == "pip-audit" and report["runs"][0]["status"] == "ok"
    assert "--osv-url" in report["runs"][0]["command"]
    by_cve = {}
    for finding in report["findings"]:
        ids = {finding["vulnerability"]["id"], *finding["vulnerability"]["aliases"]}
        for vuln_id in ids:
            if vuln_id.startswith("CVE-"):
                by_cve[vuln_id] = (finding, ids)
    expected = {
        "CVE-2018-18074": ("requests", "2.20.0", {"PYSEC-2018-28", "GHSA-x84v-xcm2-53pg"}),
        "CVE-2023-32681": ("requests", "2.31.0", {"GHSA-j8r2-6x86-q33q"}),
        "CVE-2020-1747": ("pyyaml", "5.3.1", {"GHSA-6757-jp84-gxfx"}),
        "CVE-2020-14343": ("pyyaml", "5.4", {"GHSA-8q59-q68h-6hv4"}),
    }
    for cve, (package, fixed, aliases) in expected.items():
        assert cve in by_cve, f"{cve} missing: {sorted(by_cve)}"
        finding, ids = by_cve[cve]
        assert finding["package"]["name"].lower() == package
        assert fixed in finding["package"]["fixed_versions"]
        assert aliases <= ids
        assert finding["fixable"] is True
        assert 0.0 < finding["score"] <= 10.0
        assert finding["location"]["path"] == "requirements.txt"
