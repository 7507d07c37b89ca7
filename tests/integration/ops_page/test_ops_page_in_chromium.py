"""The operators' page in a real Chromium, as an operator uses it: signed in with a key, live without a reload,
dead letters replayed and discarded, a held feed decided.

The ingest API is served over TCP with keys required; the test acts as the jail and runs the notifier. What is
asserted is what the operator sees. Waits are bounded and never measured.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests import samples
from tests.integration.ops_page.support import OPERATOR_KEY, SURGING, ServedOps

PATIENCE_MS = 10_000  # how long the page may take to show a change (never measured)


async def signed_in(browser: Browser, served_ops: ServedOps) -> Page:
    page = await browser.new_page(base_url=served_ops.base_url, viewport={"width": 1400, "height": 900})
    await page.goto("/ops?every=0.5")
    await page.get_by_label("An operator's API key").fill(OPERATOR_KEY)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="releasewatch operations")).to_be_visible()
    await page.goto("/ops?every=0.5")
    await expect(page.locator("#live")).to_have_class("feed-status live", timeout=PATIENCE_MS)
    return page


async def test_the_queues_and_the_throughput_follow_the_streams_without_a_reload(
    browser: Browser, served_ops: ServedOps
) -> None:
    page = await signed_in(browser, served_ops)
    await page.evaluate("window.notReloaded = true")

    await served_ops.submit(samples.booking(), samples.release_scheduled())
    await served_ops.call("POST", "/v1/custody-events", json=samples.release())  # waits for the notifier

    row = page.locator('tr[data-stream="custody_events"][data-group="notifier"]')
    await expect(row.locator("td.lag")).to_have_text("1", timeout=PATIENCE_MS)
    await expect(row.locator("td").nth(1)).to_have_text("3")
    await expect(page.locator("#chart-custody-latest")).to_contain_text("accepted", timeout=PATIENCE_MS)
    await expect(page.locator("#chart-custody polyline.accepted")).to_have_count(1)
    assert await page.evaluate("window.notReloaded") is True


async def test_a_dead_letter_is_shown_replayed_and_another_discarded_with_a_reason(
    browser: Browser, served_ops: ServedOps
) -> None:
    await served_ops.a_dead_letter("first harness")
    await served_ops.a_dead_letter("second harness")
    page = await signed_in(browser, served_ops)
    letters = page.locator("li.dead-letter")
    await expect(letters).to_have_count(2)
    await expect(page.locator("#dead-letters h2")).to_contain_text("2 open")

    newest = letters.nth(0)
    oldest = page.locator(f'li.dead-letter[data-id="{await letters.nth(1).get_attribute("data-id")}"]')
    await newest.get_by_text("Show the message").click()
    await expect(newest.locator("dl")).to_contain_text("second harness")
    await newest.get_by_role("button", name="Replay").click()
    await expect(page.locator("#page-error")).to_contain_text("replayed as", timeout=PATIENCE_MS)
    await expect(letters).to_have_count(1, timeout=PATIENCE_MS)

    await oldest.get_by_role("button", name="Discard").click()
    await expect(page.locator("#page-error")).to_contain_text("Say why")
    await oldest.get_by_placeholder("why it will not be processed").fill("written by a test harness")
    await oldest.get_by_role("button", name="Discard").click()
    await expect(page.locator("#dead-letters")).to_contain_text("None waiting.", timeout=PATIENCE_MS)

    trail = (await served_ops.call("GET", "/v1/ops/audit", params={"action": "dead_letter"})).json()["entries"]
    assert [(entry["action"], entry["actor"]) for entry in trail] == [  # newest first
        ("dead_letter.discarded", "night operator"),
        ("dead_letter.replayed", "night operator"),
        ("dead_letter.added", "notifier"),
        ("dead_letter.added", "notifier"),
    ]


async def test_a_held_feed_is_decided_from_the_page(browser: Browser, served_ops: ServedOps) -> None:
    await served_ops.a_surge_held()
    page = await signed_in(browser, served_ops)
    feed = page.locator(f'#feeds tr[data-ori="{SURGING}"]')
    await expect(feed.locator("td.status")).to_have_text("surge")

    await feed.get_by_placeholder("what you found out").fill("the county confirmed the court-ordered releases")
    await feed.get_by_role("button", name="Deliver").click()

    await expect(page.locator("#page-error")).to_contain_text("deliver decided", timeout=PATIENCE_MS)
    await expect(feed).to_contain_text("deliver, decided by night operator", timeout=PATIENCE_MS)
    answer = (await served_ops.call("GET", f"/v1/ops/feeds/{SURGING}")).json()
    assert answer["hold"]["decision"]["note"] == "the county confirmed the court-ordered releases"


async def test_a_busy_afternoon_as_the_operator_sees_it(
    browser: Browser, served_ops: ServedOps, tmp_path: Path
) -> None:
    """Traffic while the page is open, a dead letter, a held surge and a roster: everything on one screen.
    With RW_OPS_SCREENSHOT set, the page is saved there as a PNG (docs/ops-page.png is made so)."""
    answer = await served_ops.call("POST", "/v1/detainers", json=samples.detainer())
    assert answer.status_code == 201, answer.text  # the person every booking below is of: alerts are raised
    await served_ops.a_dead_letter("a misconfigured exporter")
    await served_ops.a_surge_held()
    await served_ops.send_roster("2026-000001", "2026-000002")
    page = await signed_in(browser, served_ops)
    for round_ in range(6):
        events = [
            samples.booking(event_id=f"evt-{round_}-{n}", booking_number=f"2026-1{round_:02d}{n:03d}")
            for n in range(20 * (round_ + 1))
        ]
        await served_ops.submit(*events)
        await page.wait_for_timeout(600)  # a refresh between rounds: the chart gets a point each

    await expect(page.locator("#chart-custody polyline.accepted")).to_have_attribute(
        "points", re.compile(r"\d+(\.\d+)?,\d+(\.\d+)? \d"), timeout=PATIENCE_MS
    )
    await expect(page.locator("#chart-custody-latest")).to_contain_text("/min")
    await expect(page.locator("#chart-alerts polyline.raised")).to_have_attribute(
        "points", re.compile(r"\d+(\.\d+)?,\d+(\.\d+)? \d")
    )
    await expect(page.locator("li.dead-letter")).to_have_count(1)
    await expect(page.locator(f'#rosters tr[data-ori="{SURGING}"]')).to_have_count(1)
    target = Path(os.environ.get("RW_OPS_SCREENSHOT") or tmp_path / "ops-page.png")
    assert await page.screenshot(path=str(target), full_page=True)
