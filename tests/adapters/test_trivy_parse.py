"""Trivy: every captured and hand-built output parses; fields map as docs/severity.md says."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from secgate.adapters.interface import Sample
from secgate.adapters.registry import detect
from secgate.adapters.trivy.adapter import TrivyAdapter, cvss_rating
from secgate.adapters.trivy.shared import check_id, fixed_versions
from secgate.errors import InputError
from secgate.model import Category, Finding, Severity
from tests.support.commands import run_secgate
from tests.support.paths import FIXTURES
from tests.support.sarif_validation import validate_sarif

TRIVY = FIXTURES / "trivy"
REAL = TRIVY / "0.76.0"
HAND = TRIVY / "hand-built"
ALL_OUTPUTS = sorted([*TRIVY.glob("*/*.json"), *TRIVY.glob("*/*.sarif")])


def parse(path: Path) -> list[Finding]:
    return TrivyAdapter().parse(path.read_bytes()).findings


def by_category(findings: list[Finding]) -> Counter[str]:
    return Counter(f.category.value for f in findings)


@pytest.mark.parametrize("path", ALL_OUTPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_output_is_detected_and_parses(path: Path) -> None:
    data = path.read_bytes()
    adapter = detect(Sample(data))
    assert adapter is not None and adapter.name == "trivy"
    parsed = TrivyAdapter().parse(data)
    assert parsed.findings
    assert not parsed.secret_values  # Trivy masks secrets itself: nothing raw to register
    for finding in parsed.findings:
        assert finding.tool == "trivy"
        assert 0.0 <= finding.score <= 10.0
        assert finding.level is finding.severity.sarif_level


def test_fs_capture_all_classes() -> None:
    parsed = TrivyAdapter().parse((REAL / "fs-secret-license-misconfig.json").read_bytes())
    assert parsed.tool_version == "0.76.0"
    findings = parsed.findings
    assert by_category(findings) == {"misconfig": 28, "secret": 6, "license": 7}

    misconfigs = [f for f in findings if f.category is Category.MISCONFIG]
    docker = {f.rule_id: f for f in misconfigs if f.path == "Dockerfile"}
    assert sorted(docker) == ["DS-0002", "DS-0004", "DS-0005", "DS-0026", "DS-0031"]
    assert docker["DS-0031"].severity is Severity.CRITICAL
    assert docker["DS-0004"].location is not None
    assert docker["DS-0004"].location.start_line == 6
    assert docker["DS-0004"].location.snippet == "EXPOSE 22 8000"
    k8s = {f.rule_id: f for f in misconfigs if f.path == "deploy/deployment.yaml"}
    assert len(k8s) == 23
    ksv1 = k8s["KSV-0001"]
    assert ksv1.location is not None
    assert (ksv1.location.start_line, ksv1.location.end_line) == (19, 29)
    assert ksv1.help_uri == "https://avd.aquasec.com/misconfig/ksv-0001"
    assert ksv1.properties["namespace"] == "builtin.kubernetes.KSV001"

    secrets = sorted(
        (f.path, f.rule_id, f.severity.value) for f in findings if f.category is Category.SECRET
    )
    assert secrets == [
        (".env", "aws-access-key-id", "critical"),
        (".env", "aws-secret-access-key", "critical"),
        ("config/deploy_key.pem", "private-key", "high"),
        ("config/settings.py", "aws-access-key-id", "critical"),
        ("config/settings.py", "aws-secret-access-key", "critical"),
        ("config/settings.py", "github-pat", "critical"),
    ]

    # one finding per license Trivy lists: cryptography's two are two findings
    licenses = sorted(
        ((f.package.name if f.package else f.path), f.license.spdx)
        for f in findings
        if f.category is Category.LICENSE and f.license
    )
    assert licenses == [
        ("LICENSE", "MIT"),
        ("cryptography", "Apache-2.0"),
        ("cryptography", "BSD-3-Clause"),
        ("paramiko", "LGPL-2.1-only"),
        ("pyyaml", "MIT"),
        ("requests", "Apache-2.0"),
        ("urllib3", "MIT"),
    ]
    crypto = next(f for f in findings if f.package and f.package.name == "cryptography")
    assert crypto.package is not None
    assert (crypto.package.version, crypto.package.ecosystem, crypto.package.purl) == (
        "2.3",
        "pypi",
        "pkg:pypi/cryptography@2.3",
    )
    assert crypto.severity is Severity.INFO
    paramiko = next(f for f in findings if f.package and f.package.name == "paramiko")
    assert paramiko.properties["trivy_licenses"] == [
        {"name": "LGPL-2.1-only", "severity": "HIGH", "category": "restricted", "confidence": 1}
    ]


def test_secrets_keep_no_raw_value_and_distinct_hashes() -> None:
    findings = [
        f for f in parse(REAL / "fs-secret-license-misconfig.json") if f.category is Category.SECRET
    ]
    for finding in findings:
        assert finding.secret is not None and finding.secret.preview == "*****"
        assert finding.location is not None and finding.location.snippet
        assert "*" in finding.location.snippet
    assert len({f.secret.hash for f in findings if f.secret}) == len(findings)
    text = (REAL / "fs-secret-license-misconfig.json").read_text("utf-8")
    assert "AKIA" not in text  # the capture itself holds only masked values


def test_config_and_novenv_captures() -> None:
    assert by_category(parse(REAL / "config.json")) == {"misconfig": 28}
    novenv = parse(REAL / "fs-secret-license-misconfig-novenv.json")
    assert by_category(novenv) == {"misconfig": 28, "secret": 6, "license": 1}


def test_sarif_capture() -> None:
    parsed = TrivyAdapter().parse((REAL / "fs-secret-license-misconfig.sarif").read_bytes())
    assert parsed.tool_version == "0.76.0"
    findings = parsed.findings
    # 41 SARIF results, 41 findings: cryptography's two license results stay two
    assert by_category(findings) == {"misconfig": 28, "secret": 6, "license": 7}
    json_ids = sorted(
        (f.path, f.rule_id, f.severity)
        for f in parse(REAL / "fs-secret-license-misconfig.json")
        if f.category is not Category.LICENSE
    )
    sarif_ids = sorted(
        (f.path, f.rule_id, f.severity) for f in findings if f.category is not Category.LICENSE
    )
    assert sarif_ids == json_ids
    secret = next(f for f in findings if f.rule_id == "github-pat")
    assert secret.secret is not None and secret.rule_name == "GitHub Personal Access Token"
    crypto = sorted(
        f.license.spdx or ""
        for f in findings
        if f.package and f.package.name == "cryptography" and f.license
    )
    assert crypto == ["Apache-2.0", "BSD-3-Clause"]
    loose = next(f for f in findings if f.category is Category.LICENSE and f.package is None)
    assert loose.path == "LICENSE" and loose.license and loose.license.spdx == "MIT"


def test_image_vulnerabilities_os_and_lang() -> None:
    findings = {f.rule_id: f for f in parse(HAND / "image-vuln-os-and-pip.json")}
    assert by_category(list(findings.values())) == {"container": 3, "dependency": 5}
    glibc = findings["CVE-2023-4911"]
    assert glibc.category is Category.CONTAINER
    assert glibc.package is not None and glibc.package.ecosystem == "debian"
    assert glibc.package.fixed_versions == ["2.36-9+deb12u3"]
    assert (glibc.severity, glibc.score) == (Severity.HIGH, 7.8)
    assert glibc.cwes == ["CWE-787"] and glibc.location is None
    apt = findings["CVE-2011-3374"]
    assert not apt.fixable and apt.properties["status"] == "affected"
    requests = findings["CVE-2018-18074"]
    assert requests.category is Category.DEPENDENCY
    assert requests.vulnerability is not None
    assert requests.vulnerability.aliases == ["GHSA-x84v-xcm2-53pg"]
    assert requests.severity is Severity.HIGH  # Trivy's own severity...
    assert requests.score == 9.8  # ...and the NVD v3 base score (ghsa gives no CVSS here)
    assert requests.lowest_fixed_version == "2.20.0"
    pyyaml = findings["CVE-2020-14343"]
    assert pyyaml.package is not None and pyyaml.package.name == "pyyaml"


def test_fs_vulnerabilities_point_at_the_manifest() -> None:
    findings = parse(HAND / "fs-vuln-pip.json")
    assert len(findings) == 5
    for finding in findings:
        assert finding.category is Category.DEPENDENCY
        assert finding.path == "requirements.txt"
        assert finding.fixable


def test_legacy_list() -> None:
    parsed = TrivyAdapter().parse((HAND / "legacy-pre-0.20-list.json").read_bytes())
    assert parsed.tool_version is None
    findings = {f.rule_id: f for f in parsed.findings}
    assert findings["CVE-2011-3374"].category is Category.CONTAINER  # no Class: from Type
    assert findings["CVE-2011-3374"].score == 3.7  # v3 before v2
    assert findings["CVE-2018-18074"].category is Category.DEPENDENCY
    assert findings["CVE-2018-18074"].path == "app/requirements.txt"


@pytest.mark.parametrize("name", ["k8s-report-all.json", "k8s-report-summary.json"])
def test_k8s_reports(name: str) -> None:
    parsed = TrivyAdapter().parse((HAND / name).read_bytes())
    assert by_category(parsed.findings) == {"misconfig": 23, "container": 2, "dependency": 2}
    assert parsed.notes == [
        "default/Deployment/worker: image scan error: scan error: unable to initialize a scan "
        'service: unable to find the specified image "registry.invalid/worker:1.0"'
    ]
    ksv = next(f for f in parsed.findings if f.rule_id == "KSV-0001")
    assert ksv.location is None  # a cluster resource is not a file of the repository
    assert ksv.properties["resource"] == "default/Deployment/vulnerable-app"
    assert ksv.properties["manifest_lines"] == [19, 29]
    assert ksv.message.startswith("default/Deployment/vulnerable-app: ")
    python = next(f for f in parsed.findings if f.category is Category.DEPENDENCY)
    assert python.package is not None and python.package.ecosystem == "pypi"
    assert python.properties["pkg_path"].endswith("METADATA")


def test_k8s_legacy_report() -> None:
    findings = parse(HAND / "k8s-legacy-vulns-misconfigs.json")
    assert by_category(findings) == {"misconfig": 3, "container": 2}
    ksv = next(f for f in findings if f.rule_id == "KSV-0001")
    assert ksv.properties["original_id"] == "KSV001"
    assert ksv.properties["manifest_lines"] == [19, 29]  # from IacMetadata


def test_helpers() -> None:
    assert check_id("DS002") == "DS-0002" and check_id("KSV-0118") == "KSV-0118"
    assert check_id("AVD-AWS-0001") == "AVD-AWS-0001"
    assert fixed_versions("1.2.3, 1.3.1") == ["1.2.3", "1.3.1"]
    assert fixed_versions(None) == []
    rating = cvss_rating(
        {
            "SeveritySource": "redhat",
            "CVSS": {
                "nvd": {"V3Score": 9.8, "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                "redhat": {"V2Score": 5.0, "V2Vector": "AV:N/AC:L/Au:N/C:P/I:N/A:N"},
            },
        }
    )
    assert rating is not None and (rating.score, rating.basis) == (5.0, "CVSS:2.0")
    v4 = cvss_rating(
        {
            "CVSS": {
                "ghsa": {
                    "V3Score": 7.5,
                    "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                    "V40Score": 8.7,
                    "V40Vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
                }
            }
        }
    )
    assert v4 is not None and (v4.score, v4.basis) == (8.7, "CVSS:4.0")


def test_unknown_severity_falls_back() -> None:
    doc = {
        "SchemaVersion": 2,
        "Results": [
            {
                "Target": "requirements.txt",
                "Class": "lang-pkgs",
                "Type": "pip",
                "Vulnerabilities": [
                    {
                        "VulnerabilityID": "CVE-2099-0001",
                        "PkgName": "x",
                        "InstalledVersion": "1",
                        "Severity": "UNKNOWN",
                    },
                    {
                        "VulnerabilityID": "CVE-2099-0002",
                        "PkgName": "x",
                        "InstalledVersion": "1",
                        "Severity": "UNKNOWN",
                        "CVSS": {"nvd": {"V3Score": 5.3}},
                    },
                ],
            }
        ],
    }
    first, second = TrivyAdapter().parse(json.dumps(doc).encode()).findings
    assert (first.severity, first.score) == (Severity.HIGH, 8.0)
    assert (second.severity, second.score) == (Severity.MEDIUM, 5.3)


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        ({"SchemaVersion": 2, "Results": {}}, "^Results: expected an array, found an object"),
        ({"SchemaVersion": 3, "Results": []}, "unsupported Trivy SchemaVersion 3"),
        (
            {"SchemaVersion": 2, "Results": ["x"]},
            r"^Results\[0\]: expected an object, found a string",
        ),
        (
            {
                "SchemaVersion": 2,
                "Results": [{"Target": "a", "Vulnerabilities": [{"VulnerabilityID": "CVE-1"}]}],
            },
            r"^Results\[0\]\.Vulnerabilities\[0\]\.PkgName: missing",
        ),
        (
            {"SchemaVersion": 2, "Results": [{"Target": "a", "Secrets": [{"Match": "***"}]}]},
            r"^Results\[0\]\.Secrets\[0\]\.RuleID: missing",
        ),
        (
            {"SchemaVersion": 2, "Results": [{"Target": "a", "Misconfigurations": {}}]},
            r"^Results\[0\]\.Misconfigurations: expected an array, found an object",
        ),
        ({"ClusterName": "c", "Resources": "x"}, "^Resources: expected an array, found a string"),
        ({"Results": []}, "not a Trivy report"),
    ],
)
def test_malformed_is_an_input_error(doc: object, error: str) -> None:
    with pytest.raises(InputError, match=error):
        TrivyAdapter().parse(json.dumps(doc).encode())


def test_empty_results_are_no_findings() -> None:
    doc = {"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem"}
    assert TrivyAdapter().parse(json.dumps(doc).encode()).findings == []


@pytest.mark.parametrize(
    ("content", "auto"),
    [
        ('{"SchemaVersion": 2, "Results": [{"Target": "a", "Secrets": [{}]}]}', True),
        ('{"SchemaVersion": 2, "Results": [', False),
    ],
)
def test_malformed_file_exits_2_naming_it(tmp_path: Path, content: str, auto: bool) -> None:
    bad = tmp_path / "trivy.json"
    bad.write_text(content, "utf-8")
    done = run_secgate("scan", "--input", str(bad) if auto else f"trivy={bad}", "-q")
    assert done.returncode == 2, done.stderr
    assert str(bad) in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2


def _sarif(rule: dict[str, object], result: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": {"name": "Trivy", "version": "0.76.0", "rules": [rule]}},
                    "results": [result],
                }
            ],
        }
    ).encode()


def test_sarif_vulnerability_results() -> None:
    """Trivy SARIF vulnerability results (the message layout of Trivy's SARIF writer; no real
    capture exists here because vulnerability scanning cannot run on these machines)."""
    rule = {
        "id": "CVE-2018-18074",
        "name": "LanguageSpecificPackageVulnerability",
        "shortDescription": {"text": "python-requests: Authorization header kept"},
        "properties": {"security-severity": "9.8", "tags": ["vulnerability", "security", "HIGH"]},
    }
    result = {
        "ruleId": "CVE-2018-18074",
        "ruleIndex": 0,
        "level": "error",
        "message": {
            "text": "Package: requests\nInstalled Version: 2.19.0\n"
            "Vulnerability CVE-2018-18074\nSeverity: HIGH\n"
            "Fixed Version: 2.20.0\nLink: [CVE-2018-18074]"
            "(https://avd.aquasec.com/nvd/cve-2018-18074)"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "requirements.txt", "uriBaseId": "ROOTPATH"},
                    "region": {"startLine": 1},
                }
            }
        ],
    }
    (finding,) = TrivyAdapter().parse(_sarif(rule, result)).findings
    assert finding.category is Category.DEPENDENCY
    assert (finding.severity, finding.score) == (Severity.HIGH, 9.8)
    assert finding.package is not None
    assert (finding.package.name, finding.package.version, finding.package.ecosystem) == (
        "requests",
        "2.19.0",
        "pypi",
    )
    assert finding.package.fixed_versions == ["2.20.0"]
    assert finding.vulnerability is not None and finding.vulnerability.id == "CVE-2018-18074"

    old_rule = {
        "id": "[CRITICAL] CVE-2020-1747",
        "name": "dockerfile_scan",
        "properties": {"tags": ["vulnerability", "CRITICAL", "pyyaml"]},
    }
    old_result = {
        "ruleId": "[CRITICAL] CVE-2020-1747",
        "ruleIndex": 0,
        "message": {"text": "pyyaml"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "requirements.txt"}}}],
    }
    (old,) = TrivyAdapter().parse(_sarif(old_rule, old_result)).findings
    assert old.rule_id == "CVE-2020-1747" and old.severity is Severity.CRITICAL
    assert old.category is Category.DEPENDENCY
    assert old.package is not None and old.package.name == "pyyaml"


def test_ingest_through_cli_is_valid_and_deterministic(tmp_path: Path) -> None:
    inputs = [
        REAL / "fs-secret-license-misconfig.json",
        HAND / "image-vuln-os-and-pip.json",
        HAND / "k8s-report-all.json",
    ]
    outputs = []
    for run in ("a", "b"):
        sarif, report = tmp_path / f"{run}.sarif", tmp_path / f"{run}.json"
        args = [arg for path in inputs for arg in ("--input", str(path))]
        done = run_secgate("scan", *args, "--sarif", sarif, "--json", report, "-q")
        assert done.returncode == 1, done.stderr  # critical secrets and CVEs block
        outputs.append((sarif.read_bytes(), report.read_bytes()))
    assert outputs[0] == outputs[1]
    doc = validate_sarif(json.loads(outputs[0][0]))
    scores = {r["id"]: r for run in doc["runs"] for r in run["tool"]["driver"]["rules"]}
    assert scores["CVE-2023-38545"]["properties"]["security-severity"] == "9.8"
    findings = json.loads(outputs[0][1])["findings"]
    curl = next(f for f in findings if f["rule_id"] == "CVE-2023-38545")
    assert curl["fixable"] and curl["lowest_fixed_version"] == "7.88.1-10+deb12u4"
