"""GitHub's primaryLocationLineHash, computed as GitHub's SARIF upload action computes it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from secgate.findings.line_hash import LineHashes, file_line_hashes, line_hashes
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


def _by_definition(text: str) -> dict[int, str]:
    """Each line's hash straight from the definition in ``secgate.findings.line_hash``: the
    window of 100 kept units from the line's first, padded with 65535 and zeros."""
    units: list[int] = []
    starts = [0]
    after_cr = False
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        unit = data[i] | (data[i + 1] << 8)
        if unit in (9, 32) or (after_cr and unit == 10):
            after_cr = False
            continue
        after_cr = unit == 13
        units.append(10 if after_cr else unit)
        if units[-1] == 10:
            starts.append(len(units))
    units += [0xFFFF] + [0] * 100
    seen: dict[int, int] = {}
    out = {}
    for line, start in enumerate(starts, start=1):
        value = sum(u * 37 ** (99 - k) for k, u in enumerate(units[start : start + 100])) % 2**64
        seen[value] = seen.get(value, 0) + 1
        out[line] = f"{value:x}:{seen[value]}"
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "Z", " ", "\t", "\n", "\r", "\r\n", "\u00e9", "\U0001f600", "\ud800", "x = 1;"]
        ),
        max_size=300,
    ).map("".join)
)
def test_every_text_hashes_as_the_definition_says(text: str) -> None:
    assert line_hashes(text) == _by_definition(text)


def test_a_long_file_hashes_across_chunks() -> None:
    text = "".join(f"value_{n} = compute({n})  # line {n}\n" for n in range(3000))
    assert line_hashes(text) == _by_definition(text)


def test_lines_asked_for_in_any_order_hash_as_the_whole_text(tmp_path: Path) -> None:
    text = "".join(f"x{n % 7} = call({n % 5})\n" for n in range(400))
    whole = line_hashes(text)
    assert len(whole) == 401 and whole[36] == whole[1].replace(":1", ":2")
    hashes = LineHashes(text)
    for number in (57, 1, 2, 400, 401, 402, 0, 399):
        assert hashes.get(number) == whole.get(number)
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    tree = SourceTree(tmp_path)
    for number in (3, 1, 250, 9, 401, 402, 400):
        assert tree.line_hash("m.py", number) == whole.get(number)
