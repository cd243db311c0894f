"""The "this pull request changes the gate" section in each report escapes what the pull
request wrote (an acceptance's reason, an ignore pattern, a rule id are its text)."""

from __future__ import annotations

import io

from secgate.cli.terminal import print_summary
from secgate.model import GateChange, PullRequestGate, ScanResult
from secgate.reports import html, job_summary, pr_comment
from tests.support.report_samples import hostile_result

HOSTILE = "x | <img src=x onerror=alert(1)> @octo/team \x1b[2J\u202e [link](http://e.x)"


def result() -> ScanResult:
    review = PullRequestGate(
        base="origin/main",
        commit="ab" * 20,
        on_weakening="block",
        changes=[
            GateChange(
                file=".secgate.yml",
                setting=f"accept:{HOSTILE}",
                weakens=True,
                summary=f"acceptance added: ({HOSTILE})",
            ),
            GateChange(
                file=".secgateignore",
                setting="ignore",
                weakens=False,
                summary="ignore patterns removed: docs/**",
            ),
        ],
    )
    return hostile_result().model_copy(update={"pull_request": review})


def test_markdown_reports_escape_the_changes() -> None:
    for text in (pr_comment.render(result()), job_summary.render(result())):
        assert "### This pull request changes the gate (1 weakening, 1 other)" in text
        assert "a weakening change blocks (`gate_changes: block`)" in text
        section = text.split("### This pull request changes the gate", 1)[1].split("###", 1)[0]
        assert "<img" not in section and "\x1b" not in section and "[link](" not in section
        assert "x \\| &lt;img" in section
        assert (
            "- changes <code>.secgateignore</code> <code>ignore</code>: ignore patterns "
            "removed: docs/\\*\\*" in section
        )


def test_html_and_terminal_escape_the_changes() -> None:
    page = html.render(result())
    section = page.split('<section id="gate-changes">', 1)[1].split("</section>", 1)[0]
    assert "<img" not in section and "&lt;img src=x onerror=alert(1)&gt;" in section
    assert section.count("<strong>weakens</strong>") == 1
    out = io.StringIO()
    print_summary(result(), out)
    lines = [
        line
        for line in out.getvalue().splitlines()
        if "WEAKENS" in line or "this pull request changes the gate" in line
    ]
    assert lines[0] == (
        "  this pull request changes the gate (judged by origin/main at "
        "abababababab; weakening changes block):"
    )
    assert "\x1b" not in lines[1] and "\u202e" not in lines[1]
    assert lines[1].startswith("    WEAKENS .secgate.yml accept:x | <img")
