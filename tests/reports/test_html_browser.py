"""The HTML report driven in headless Chromium (Debian's /usr/bin/chromium): it loads with no
console error and no network request, its filters and search change the rows shown, and a finding
whose message is markup shows as text and runs nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secgate.reports import html
from tests.support.report_samples import XSS, hostile_result, make_finding, make_result

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report of 10,000 findings plus the hostile ones."""
    hostile = hostile_result().findings
    findings = [make_finding(i) for i in range(10_000)] + hostile
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(html.render(make_result(findings)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (scripts/setup installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def _shown(page: Any) -> int:
    return int(page.locator("#findings-table tbody tr.finding").count())


def test_report_in_headless_chromium(browser: Any, report_file: Path, artifacts_dir: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    own_url = report_file.as_uri()

    def route(route: Any) -> None:
        url = route.request.url
        if url == own_url:
            route.continue_()
        else:
            requests.append(url)
            route.abort()

    page.route("**/*", route)
    page.goto(own_url)
    page.wait_for_selector("#findings-table tbody tr.finding")  # 10,000 findings, paged

    # the verdict comes first
    assert page.locator("body > *").first.get_attribute("id") == "verdict"
    assert "BLOCKED" in page.locator("#verdict h1").inner_text()
    page.screenshot(path=str(artifacts_dir / "html-report.png"))

    assert "of 10011" in page.locator("#shown").inner_text()
    assert _shown(page) == 100

    # filters change what is shown
    page.select_option("#filter-severity", "critical")
    critical_text = page.locator("#shown").inner_text()
    assert "filtered from 10011" in critical_text
    severities = page.locator("#findings-table tbody tr.finding td:first-child").all_inner_texts()
    assert severities and set(severities) == {"critical"}
    page.select_option("#filter-tool", "gitleaks")
    tools = page.locator("#findings-table tbody tr.finding td:nth-child(3)").all_inner_texts()
    assert tools and all("gitleaks" in t for t in tools)
    page.select_option("#filter-severity", "")
    page.select_option("#filter-tool", "")
    page.select_option("#filter-decision", "warn")
    decisions = page.locator("#findings-table tbody tr.finding td:nth-child(2)").all_inner_texts()
    assert decisions and set(decisions) == {"warn"}
    page.select_option("#filter-decision", "")
    page.select_option("#filter-category", "dependency")
    cats = page.locator("#findings-table tbody tr.finding td:nth-child(4)").all_inner_texts()
    assert cats and set(cats) == {"dependency"}
    page.select_option("#filter-category", "")

    # search narrows to the one finding; its markup is text and runs nothing
    page.fill("#search", "onerror=alert")
    assert _shown(page) == 1
    row = page.locator("#findings-table tbody tr.finding").first
    assert row.locator("td.message").inner_text() == XSS
    assert page.locator("#findings-table img").count() == 0
    row.click()
    details = page.locator("#findings-table tr.details")
    assert details.count() == 1
    assert XSS in details.inner_text()
    assert "Snippet" in details.inner_text()
    details.screenshot(path=str(artifacts_dir / "html-report-hostile-finding.png"))
    page.fill("#search", "finding number 1234 ")
    assert _shown(page) == 1
    page.fill("#search", "no such text anywhere")
    assert _shown(page) == 0
    assert "No finding matches" in page.locator("#shown").inner_text()
    page.fill("#search", "")
    assert _shown(page) == 100

    # sorting and paging
    page.click("th[data-sort=severity]")
    first = page.locator("#findings-table tbody tr.finding td:first-child").first.inner_text()
    assert first == "info"
    page.click("#next")
    assert "101\u2013200" in page.locator("#shown").inner_text()

    # ids link to their public pages
    page.fill("#search", "CVE-2024-10003")
    page.locator("#findings-table tbody tr.finding").first.click()
    hrefs = page.locator("#findings-table tr.details a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    assert "https://nvd.nist.gov/vuln/detail/CVE-2024-10003" in hrefs
    assert any(h.startswith("https://github.com/advisories/GHSA-") for h in hrefs)
    page.fill("#search", "")

    page.wait_for_timeout(200)
    assert dialogs == []
    assert errors == []
    assert requests == []
    page.close()


def test_known_exploited_findings_and_advisory_dates_in_chromium(
    browser: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    from secgate.model import AdvisorySnapshot, EpssStatus, KevStatus

    findings = [make_finding(i, tool="pip-audit") for i in range(10)]
    findings[3].kev = KevStatus(
        listed=True, cve="CVE-2022-33891", date_added="2023-03-07", due_date="2023-03-28"
    )
    findings[3].epss = EpssStatus(
        score=0.938, percentile=0.998, cve="CVE-2022-33891", date="2025-08-25"
    )
    for other in findings[4:]:
        other.kev = KevStatus(listed=False)
    result = make_result(findings)
    result.advisories = [
        AdvisorySnapshot(
            kind="osv",
            source="advisory-database/vulns",
            sha256="0" * 64,
            records=2661,
            date="2024-10-10",
            imported_at="2026-12-01T00:00:00Z",
        )
    ]
    path = tmp_path / "kev.html"
    path.write_text(html.render(result), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_selector("#findings-table tbody tr.finding")
    assert "2661 record(s), dated 2024-10-10" in page.locator("#advisories").inner_text()
    assert page.locator("#findings-table .badge-kev").count() == 1
    page.fill("#search", "kev")
    assert _shown(page) == 1
    page.locator("#findings-table tbody tr.finding").first.click()
    details = page.locator("#findings-table tr.details").inner_text()
    assert "Known exploited (CISA KEV)" in details
    assert "listed (CVE-2022-33891) since 2023-03-07, remediation due 2023-03-28" in details
    assert "0.938 (99.8th percentile, CVE-2022-33891, scored 2025-08-25)" in details
    page.screenshot(path=str(artifacts_dir / "html-report-kev.png"))
    assert errors == []
    page.close()
