"""The import names of a distribution: from installed metadata (RECORD, namespace packages
included), else the reviewed table shipped with secgate, else the normalized name; every row of
the table checked against the real wheel of the version it names."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from secgate.remediation.environments import EnvironmentIndex, modules_from_record, read_index
from secgate.remediation.import_names import fallback_name, import_names, table
from tests.support.remediation_data import environment


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel of every table row's checked version, downloaded from PyPI by pip (one
    command), by normalized distribution name."""
    target = tmp_path_factory.mktemp("wheels")
    specs = [f"{row.distribution}=={row.checked_version}" for row in table().values()]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "--disable-pip-version-check",
            "-d",
            str(target),
            *specs,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        if "No matching distribution" in done.stderr or "Could not find a version" in done.stderr:
            pytest.fail(f"a table row names a version with no wheel here: {done.stderr[-600:]}")
        pytest.skip(f"pip cannot download from PyPI here: {done.stderr.strip()[-300:]}")
    from packaging.utils import canonicalize_name, parse_wheel_filename

    return {canonicalize_name(parse_wheel_filename(p.name)[0]): p for p in target.glob("*.whl")}


@pytest.mark.slow
def test_every_table_row_names_what_the_wheel_installs(wheels: dict[str, Path]) -> None:
    rows = table()
    assert len(rows) >= 25
    for key, row in rows.items():
        wheel = wheels.get(key)
        assert wheel is not None, f"no wheel downloaded for {row.distribution}"
        with zipfile.ZipFile(wheel) as archive:
            record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
            paths = [r[0] for r in csv.reader(io.StringIO(archive.read(record).decode())) if r]
        installed = set(modules_from_record(paths))
        assert set(row.import_names) <= installed, (row, sorted(installed))
        # the row is needed: the normalized name is not how it is imported
        assert (
            fallback_name(row.distribution).lower() not in {n.lower() for n in installed}
            or len(row.import_names) > 1
        ), row


def test_installed_metadata_comes_first(tmp_path: Path) -> None:
    environment(tmp_path, ["PyYAML", "requests"])
    index = read_index(tmp_path, {})
    names = import_names("pyyaml", index)
    assert names.names == ("_yaml", "yaml") and names.source.startswith("installed metadata")
    assert index.get("requests")[0].requires == ("certifi", "charset-normalizer", "idna", "urllib3")
    assert import_names("PyYAML", EnvironmentIndex()).source == "secgate's import-name table"
    assert import_names("typing-extensions", EnvironmentIndex()).names == ("typing_extensions",)


def test_record_names_packages_modules_and_namespace_portions() -> None:
    record = [
        "google/protobuf/__init__.py",
        "google/protobuf/message.py",
        "google/_upb/_message.abi3.so",
        "six.py",
        "_cffi_backend.cpython-311-x86_64.so",
        "yaml/__init__.py",
        "yaml/__pycache__/x.pyc",
        "PyYAML-6.0.dist-info/RECORD",
        "../../bin/tool",
        "distutils-precedence.pth",
        "__editable___x_finder.py",
    ]
    assert modules_from_record(record) == [
        "__editable___x_finder",
        "_cffi_backend",
        "google._upb._message",
        "google.protobuf",
        "six",
        "yaml",
    ]


def test_hostile_environment_files_are_not_followed(tmp_path: Path) -> None:
    site = environment(tmp_path, ["PyYAML"])
    info = next(site.glob("*.dist-info"))
    (info / "RECORD").unlink()
    (info / "RECORD").symlink_to("/dev/zero")  # reading it would never end
    (info / "top_level.txt").unlink()
    (info / "top_level.txt").symlink_to(tmp_path / ".." / "outside.txt")
    index = read_index(tmp_path, {})
    assert index.get("pyyaml")[0].modules == ()  # nothing read: the table decides
    assert import_names("pyyaml", index).source == "secgate's import-name table"
