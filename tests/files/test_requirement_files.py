"""Finding and reading the requirement files dependency scanners are pointed at."""

from __future__ import annotations

from pathlib import Path

from secgate.files import requirements
from tests.support.paths import EXAMPLE_APP


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_finds_requirement_files_and_skips_environments(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "requirements.txt": "requests==2.19.0\n",
            "dev-requirements.txt": "pytest==8.0\n",
            "requirements/prod.txt": "flask==2.0.0\n",
            "service/requirements_test.txt": "mock==5.0\n",
            "notes.txt": "not requirements\n",
            "requirements.in": "requests\n",
            ".venv/lib/requirements.txt": "x==1\n",
            "node_modules/pkg/requirements.txt": "x==1\n",
            ".git/requirements.txt": "x==1\n",
        },
    )
    assert requirements.find(root) == [
        "dev-requirements.txt",
        "requirements.txt",
        "requirements/prod.txt",
        "service/requirements_test.txt",
    ]


def test_the_example_pins_everything() -> None:
    found = requirements.read(EXAMPLE_APP)
    assert found.files == ["requirements.txt"]
    assert found.all_pinned
    locations = found.locations()
    assert locations["requests"] == ("requirements.txt", 2)
    assert locations["pyyaml"] == ("requirements.txt", 4)
    assert {p.name: p.version for p in found.pins}["django"] == "2.2.0"


def test_reading_lines_comments_continuations_includes_and_options(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "requirements.txt": (
                "# top comment\n"
                "--index-url https://pypi.org/simple\n"
                "-r requirements/base.txt\n"
                "PyYAML==5.3 \\\n"
                "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
                "Zope.Interface[test]==5.0 ; python_version >= '3.8'  # pinned\n"
                "internal-lib @ https://example.invalid/internal_lib-1.0.tar.gz\n"
            ),
            "requirements/base.txt": "requests==2.19.0\n-r ../requirements.txt\n",
        },
    )
    found = requirements.read(root, ["requirements.txt"])
    assert found.all_pinned, found.unpinned
    pins = {p.name: (p.version, p.path, p.line) for p in found.pins}
    assert pins == {
        "requests": ("2.19.0", "requirements/base.txt", 1),
        "pyyaml": ("5.3", "requirements.txt", 4),
        "zope-interface": ("5.0", "requirements.txt", 6),
        "internal-lib": (None, "requirements.txt", 7),
    }


def test_unpinned_lines_are_listed(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"requirements.txt": "flask>=2\n-e ./lib\nrequests==2.*\n./local\n"})
    found = requirements.read(root)
    assert not found.all_pinned
    assert found.unpinned == [
        "requirements.txt:1: flask>=2",
        "requirements.txt:2: -e ./lib",
        "requirements.txt:3: requests==2.*",
        "requirements.txt:4: ./local",
    ]
