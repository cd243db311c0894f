"""GitHub's primaryLocationLineHash, computed as GitHub's SARIF upload action computes it."""

from __future__ import annotations

from pathlib import Path

from secgate.findings.line_hash import file_line_hashes, line_hashes
from secgate.findings.source_tree import SourceTree

# Outputs of GitHub's own implementation (github/codeql-action, fingerprints test data): facts
# about the format that a compatible implementation must reproduce.
GITHUB_OUTPUTS = {
    "": ["c129715d7a2bc9a3:1"],
    " a\nb\n  \t\tc\n d": [
        "271789c17abda88f:1",
        "54703d4cd895b18:1",
        "180aee12dab6264:1",
        "a23a3dc5e078b07b:1",
    ],
    "Lorem ipsum dolor sit amet.\n" * 10: [
        "a7f2ff13bc495cf2:1",
        "a7f2ff13bc495cf2:2",
        "a7f2ff13bc495cf2:3",
        "a7f2ff13bc495cf2:4",
        "a7f2ff13bc495cf2:5",
        "a7f2ff13bc495cf2:6",
        "a7f2ff1481e87703:1",
        "a9cf91f7bbf1862b:1",
        "55ec222b86bcae53:1",
        "cc97dc7b1d7d8f7b:1",
        "c129715d7a2bc9a3:1",
    ],
}


def test_matches_githubs_own_outputs() -> None:
    for text, expected in GITHUB_OUTPUTS.items():
        hashes = line_hashes(text)
        assert [hashes[n] for n in sorted(hashes)] == expected
        assert sorted(hashes) == list(range(1, len(expected) + 1))


def test_line_endings_and_blanks_do_not_matter() -> None:
    unix = " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n"
    assert (
        line_hashes(unix)
        == line_hashes(unix.replace("\n", "\r\n"))
        == line_hashes(unix.replace("\n", "\r"))
    )
    assert line_hashes("x = 1\ny = 2\n")[1] == line_hashes("x=1\n  y  =  2\n")[1]


def test_a_line_hash_follows_the_line_when_lines_are_inserted_above() -> None:
    body = "import os\n\ndef run(cmd):\n    return os.system(cmd)\n"
    before = line_hashes(body)
    after = line_hashes("# one\n# two\n# three\n" + body)
    assert after[7] == before[4]
    assert line_hashes(body.replace("os.system(cmd)", "os.system(cmd + '&')"))[4] != before[4]


def test_files_are_read_under_the_root_only(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_bytes("name = 'caf\u00e9'\r\nprint(name)\r\n".encode())
    assert file_line_hashes(tmp_path / "app.py") == line_hashes("name = 'caf\u00e9'\nprint(name)\n")
    assert file_line_hashes(tmp_path / "missing.py") is None
    tree = SourceTree(tmp_path)
    assert tree.line_hash("app.py", 2) == line_hashes("name='caf\u00e9'\nprint(name)\n")[2]
    assert tree.line_hash("../app.py", 1) is None
    assert tree.line_hash("/etc/passwd", 1) is None
    assert tree.line("app.py", 1) == "name = 'caf\u00e9'"
    assert tree.line("app.py", 9) is None
