"""``secgate advisories import|status`` on the real fixtures: snapshots with their source, hash,
record count and date; re-imports that replace; malformed files -> exit 2 naming the file and
the record, with the store left as it was."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import yaml

from secgate.advisories.store import AdvisoryStore
from tests.support.advisory_data import EPSS, KEV, PYPA, import_env, record
from tests.support.commands import run_secgate

RECORD_COUNT = 10
NEWEST_MODIFIED = "2023-10-10"  # the newest `modified` among the fixture's records


def _newest(root: Path) -> str:
    dates = [str(yaml.safe_load(p.read_text())["modified"])[:10] for p in root.rglob("*.yaml")]
    return max(dates)


def test_import_records_each_snapshot_and_status_prints_them(tmp_path: Path) -> None:
    env = import_env(tmp_path / "data")
    done = run_secgate("advisories", "import", PYPA, "--kev", KEV, "--epss", EPSS, env=env)
    assert done.returncode == 0, done.stderr
    assert f"OSV {PYPA}: {RECORD_COUNT} record(s), dated {_newest(PYPA)}" in done.stdout
    assert f"KEV {KEV}: 5 record(s), dated 2025-08-25" in done.stdout
    assert f"EPSS {EPSS}: 8 record(s), dated 2025-08-25" in done.stdout
    assert (tmp_path / "data" / "advisories.sqlite3").is_file()
    status = run_secgate("advisories", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    snapshots = {s["kind"]: s for s in json.loads(status.stdout)["snapshots"]}
    assert snapshots["osv"]["records"] == RECORD_COUNT
    assert snapshots["osv"]["date"] == NEWEST_MODIFIED == _newest(PYPA)
    assert snapshots["kev"]["date"] == "2025-08-25"  # dateReleased 2025-08-25T17:04:19.9796Z
    assert snapshots["epss"]["date"] == "2025-08-25"  # score_date
    assert len(snapshots["osv"]["sha256"]) == 64
    text = run_secgate("advisories", "status", env={**env, "SECGATE_TODAY": "2025-09-04"})
    assert "KEV " in text.stdout and "dated 2025-08-25, sha256" in text.stdout
    assert "10 day(s) old" in text.stdout


def test_status_without_data_says_so(tmp_path: Path) -> None:
    done = run_secgate("advisories", "status", env=import_env(tmp_path / "none"))
    assert done.returncode == 0
    assert "no advisory data imported" in done.stdout


def test_reimporting_a_source_replaces_it_and_sources_live_side_by_side(tmp_path: Path) -> None:
    source = tmp_path / "vulns"
    shutil.copytree(PYPA, source)
    with AdvisoryStore.open(tmp_path / "s.sqlite3", create=True) as store:
        first = store.import_osv(source)
        (source / "redis" / "PYSEC-2023-73.yaml").unlink()
        second = store.import_osv(source)
        assert (first.records, second.records) == (RECORD_COUNT, RECORD_COUNT - 1)
        assert first.sha256 != second.sha256
        assert len(store.snapshots("osv")) == 1
        # a second source holding a newer copy of one record: the newer copy answers
        newer = yaml.safe_load(record("requests/PYSEC-2018-28.yaml").read_text())
        newer["modified"] = "2030-01-01T00:00:00Z"
        newer["affected"][0]["ranges"] = [
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.19.1"}]}
        ]
        newer["affected"][0]["versions"] = []
        other = tmp_path / "other.json"
        other.write_text(json.dumps(newer))
        store.import_osv(other)
        assert len(store.snapshots("osv")) == 2
        fixed = store.affecting("PyPI", "requests", "2.19.0").matches
        assert {m.advisory.id: m.fixed for m in fixed}["PYSEC-2018-28"] == ["2.19.1"]
        assert store.advisory("CVE-2018-18074").modified == "2030-01-01T00:00:00Z"
        assert store.advisory("ghsa-x84v-xcm2-53pg").id == "PYSEC-2018-28"


def test_an_osv_zip_and_gzip_catalogs_import(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(PYPA.rglob("*.yaml")):
            data = yaml.safe_load(path.read_text())
            out.writestr(f"{data['id']}.json", json.dumps(data, default=str))
    kev_gz, epss_gz = tmp_path / "kev.json.gz", tmp_path / "epss.csv.gz"
    kev_gz.write_bytes(gzip.compress(KEV.read_bytes()))
    epss_gz.write_bytes(gzip.compress(EPSS.read_bytes()))
    with AdvisoryStore.open(tmp_path / "s.sqlite3", create=True) as store:
        assert store.import_osv(archive).records == RECORD_COUNT
        assert store.import_kev(kev_gz).records == 5
        assert store.import_epss(epss_gz).records == 8
        assert [m.advisory.id for m in store.affecting("PyPI", "salt", "3000.1").matches] == [
            "PYSEC-2020-102"
        ]
        assert store.kev(["cve-2020-11651"])["CVE-2020-11651"].due_date == "2022-05-03"
        assert store.epss(["CVE-2020-11651"])["CVE-2020-11651"].score == 0.943


def _broken_copy(tmp_path: Path, relative: str, edit: str, replacement: str) -> Path:
    source = tmp_path / "vulns"
    shutil.copytree(PYPA, source)
    target = source / relative
    text = target.read_text(encoding="utf-8")
    assert edit in text
    target.write_text(text.replace(edit, replacement, 1), encoding="utf-8")
    return source


def _assert_refused(tmp_path: Path, source: Path, *expected: str) -> None:
    env = import_env(tmp_path / "data")
    good = run_secgate("advisories", "import", PYPA, env=env)
    assert good.returncode == 0, good.stderr
    before = run_secgate("advisories", "status", "--json", env=env).stdout
    done = run_secgate("advisories", "import", source, env=env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2
    assert run_secgate("advisories", "status", "--json", env=env).stdout == before


def test_an_event_with_two_kinds_is_refused_naming_file_record_and_field(tmp_path: Path) -> None:
    source = _broken_copy(
        tmp_path, "requests/PYSEC-2023-74.yaml", "  - fixed: 2.31.0", "    fixed: 2.31.0"
    )
    _assert_refused(
        tmp_path,
        source,
        "requests/PYSEC-2023-74.yaml",
        "record PYSEC-2023-74",
        "affected[0].ranges[1].events[0]: an event holds exactly one of introduced",
    )


def test_a_record_without_modified_is_refused(tmp_path: Path) -> None:
    source = _broken_copy(tmp_path, "py/PYSEC-2022-42969.yaml", "modified:", "changed:")
    _assert_refused(
        tmp_path, source, "py/PYSEC-2022-42969.yaml", "record PYSEC-2022-42969", "modified: missing"
    )


def test_malformed_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    source = _broken_copy(tmp_path, "salt/PYSEC-2020-102.yaml", "affected:", "affected: [")
    _assert_refused(tmp_path, source, "salt/PYSEC-2020-102.yaml", "malformed YAML at line")


def test_a_bad_kev_entry_is_refused_naming_the_entry(tmp_path: Path) -> None:
    catalog = json.loads(KEV.read_text())
    catalog["vulnerabilities"][1]["dueDate"] = "soon"
    broken = tmp_path / "kev.json"
    broken.write_text(json.dumps(catalog))
    env = import_env(tmp_path / "data")
    done = run_secgate("advisories", "import", "--kev", broken, env=env)
    assert done.returncode == 2
    cve = catalog["vulnerabilities"][1]["cveID"]
    assert f"{broken}: vulnerabilities[1] ({cve}): dueDate 'soon' is not a date" in done.stderr
    done = run_secgate("advisories", "import", "--kev", EPSS, env=env)
    assert done.returncode == 2 and "malformed JSON" in done.stderr


def test_a_bad_epss_line_is_refused_naming_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "epss.csv"
    lines = EPSS.read_text().splitlines()
    lines[4] = lines[4].split(",")[0] + ",1.7,0.5"
    broken.write_text("\n".join(lines) + "\n")
    done = run_secgate("advisories", "import", "--epss", broken, env=import_env(tmp_path / "d"))
    assert done.returncode == 2
    assert (
        f"{broken}: line 5 ({lines[4].split(',')[0]}): epss '1.7' is not a number from 0 "
        "to 1" in done.stderr
    )
    no_header = tmp_path / "plain.csv"
    no_header.write_text("cve,epss,percentile\nCVE-2020-1747,0.1,0.2\n")
    done = run_secgate("advisories", "import", "--epss", no_header, env=import_env(tmp_path / "d"))
    assert done.returncode == 2 and "line 1: not an EPSS file" in done.stderr


def test_import_needs_something_and_names_a_missing_path(tmp_path: Path) -> None:
    env = import_env(tmp_path / "data")
    assert run_secgate("advisories", "import", env=env).returncode == 2
    done = run_secgate("advisories", "import", tmp_path / "nowhere", env=env)
    assert done.returncode == 2 and "no such file or directory" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_secgate("advisories", "import", empty, env=env)
    assert done.returncode == 2 and "holds no OSV record" in done.stderr


def test_a_checkout_of_the_database_is_read_from_its_vulns_directory(tmp_path: Path) -> None:
    checkout = tmp_path / "advisory-database"
    shutil.copytree(PYPA, checkout / "vulns")
    (checkout / "triage").mkdir()
    (checkout / "triage" / "false_positives.yaml").write_text("- not: an OSV record\n")
    with AdvisoryStore.open(tmp_path / "s.sqlite3", create=True) as store:
        assert store.import_osv(checkout).records == RECORD_COUNT


def test_one_bad_file_among_several_imports_none_of_them(tmp_path: Path) -> None:
    source = _broken_copy(tmp_path, "salt/PYSEC-2020-102.yaml", "affected:", "affected: [")
    env = import_env(tmp_path / "data")
    done = run_secgate("advisories", "import", "--kev", KEV, "--epss", EPSS, source, env=env)
    assert done.returncode == 2 and "salt/PYSEC-2020-102.yaml" in done.stderr
    status = run_secgate("advisories", "status", "--json", env=env)
    assert json.loads(status.stdout)["snapshots"] == []
