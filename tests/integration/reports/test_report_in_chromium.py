"""The outcome report's page in a real Chromium: it renders with nothing fetched, and prints.

With RW_REPORT_SCREENSHOT set, the page is saved there as a PNG (docs/outcome-report.png is made so).
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Browser, Request

from reports import OutcomeReport, report_html

PAGE_URL = "https://reports.releasewatch.invalid/outcomes.html"  # served from memory by the route below


async def test_the_report_renders_and_prints_with_nothing_fetched(
    browser: Browser, november: OutcomeReport, tmp_path: Path
) -> None:
    page = await browser.new_page(viewport={"width": 1300, "height": 900})
    fetched: list[str] = []

    def note(request: Request) -> None:
        if request.url != PAGE_URL:
            fetched.append(request.url)

    page.on("request", note)
    await page.route(PAGE_URL, lambda route: route.fulfill(body=report_html(november), content_type="text/html"))
    await page.goto(PAGE_URL)

    charts = page.locator("figure svg")
    assert await charts.count() == 2
    for index in range(2):
        box = await charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 600  # drawn, at the page's width
    rows = page.locator("section table").first.locator("tbody tr")
    assert await rows.count() == len(november.facilities) + 1  # and the total
    assert (await rows.last.inner_text()).split()[:2] == ["total", str(november.total.detainers_matched)]
    target = Path(os.environ.get("RW_REPORT_SCREENSHOT") or tmp_path / "outcome-report.png")
    picture = await page.screenshot(path=str(target), full_page=True)
    assert len(picture) > 50_000

    await page.emulate_media(media="print")
    lead_times = await charts.nth(0).bounding_box()
    per_facility = await charts.nth(1).bounding_box()
    assert lead_times is not None
    assert per_facility is not None
    assert abs(lead_times["y"] - per_facility["y"]) < 1  # printed side by side
    pdf = await page.pdf(format="Letter", landscape=True)
    assert pdf.startswith(b"%PDF")
    assert fetched == []
    await page.close()
