"""The office page in a real Chromium, as a duty officer uses it: one row per person, live without a reload.

The ingest API is served over TCP (the live feed streams), the test acts as the jail (events through the
API) and runs the notifier's processors, and the browser is Debian's Chromium driven by Playwright. What
is asserted is what the officer sees on the page. Waits are bounded and never measured.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests import samples
from tests.integration.notifier.support import ServedOffice, without_identifiers_but
from tests.office_scenario import KINDS, realistic_office

PATIENCE_MS = 10_000  # how long the page may take to show what the feed carried (never measured)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def stay(now: datetime, **person: Any) -> dict[str, dict[str, Any]]:
    """A booking three days ago and a release scheduled five hours ahead, times around ``now``."""
    booked = samples.booking(occurred_at=_iso(now - timedelta(days=3)), person=samples.person(**person))
    release = samples.release_scheduled(
        occurred_at=_iso(now - timedelta(days=2)), scheduled_release_at=_iso(now + timedelta(hours=5))
    )
    return {"booking": booked, "release_scheduled": release}


async def a_release_five_hours_ahead(browser: Browser, office: ServedOffice) -> Page:
    """The detainer's subject booked, a release scheduled five hours ahead, and the office page open."""
    await office.lodge(samples.detainer())
    events = stay(datetime.now(UTC))
    await office.submit(events["booking"], events["release_scheduled"])
    return await open_page(browser, office)


async def open_page(browser: Browser, office: ServedOffice, path: str = "/offices/LOS") -> Page:
    page = await browser.new_page(base_url=office.base_url, viewport={"width": 1400, "height": 900})
    await page.goto(path)
    await expect(page.locator("#feed-status")).to_have_class("feed-status live", timeout=PATIENCE_MS)
    return page


async def test_the_page_groups_a_persons_alerts_in_one_row(browser: Browser, served_office: ServedOffice) -> None:
    page = await a_release_five_hours_ahead(browser, served_office)

    rows = page.locator("details.story")
    await expect(rows).to_have_count(1)
    await expect(rows.locator("summary .name")).to_have_text("GARCIA LOPEZ, JOSE LUIS")
    await expect(rows.locator("summary time.countdown")).to_contain_text("release in 0")  # ticking: in 04:59:..
    await rows.locator("summary").click()
    await expect(rows.locator("li.alert .kind")).to_have_text(["release scheduled", "in custody"])
    await expect(rows.locator("li.alert").first.locator("table.fields")).to_contain_text("a_number")


async def test_a_cancelled_release_leaves_the_countdown_live_without_a_reload(
    browser: Browser, served_office: ServedOffice
) -> None:
    page = await a_release_five_hours_ahead(browser, served_office)
    await expect(page.locator("time.countdown")).to_have_count(1)
    await page.evaluate("window.notReloaded = true")

    await served_office.submit(samples.release_cancelled(occurred_at=_iso(datetime.now(UTC) - timedelta(hours=1))))

    row = page.locator("details.story")
    await expect(page.locator("time.countdown")).to_have_count(0, timeout=PATIENCE_MS)
    await expect(row.locator("summary .now")).to_contain_text("in custody at CA0194200 since")
    await expect(row.locator(".release-status")).to_have_text("cancelled")
    assert await page.evaluate("window.notReloaded") is True


async def test_confirm_and_reject_decide_possible_matches_and_the_rows_change(
    browser: Browser, served_office: ServedOffice
) -> None:
    now = datetime.now(UTC)
    for number, (first_name, born) in enumerate((("JOSE", "1990-04-17"), ("LUIS", "1985-02-03")), start=1):
        wanted = samples.person(**without_identifiers_but(), first_name=first_name, date_of_birth=born, aliases=[])
        await served_office.lodge(samples.detainer(detainer_id=f"LOS-2026-00000{number}", person=wanted))
        typo = {**wanted, "date_of_birth": born[:-1] + str(int(born[-1]) + 1)}
        booked = samples.booking(
            event_id=f"evt-b{number}",
            booking_number=f"2026-00451{number}",
            occurred_at=_iso(now - timedelta(days=1)),
            person=typo,
        )
        await served_office.submit(booked)
    page = await open_page(browser, served_office, "/offices/LOS?review=1")
    rows = page.locator("details.story")
    await expect(rows).to_have_count(2)
    confirmed, rejected = rows.filter(has_text="2026-004511"), rows.filter(has_text="2026-004512")
    for row in (confirmed, rejected):
        await expect(row.locator(".badge.review")).to_have_count(1)
        await row.locator("summary").click()
        await expect(row.locator("table.compare tr.differs")).to_contain_text("date of birth")

    await confirmed.get_by_role("button", name="Confirm").click()
    await expect(confirmed.locator(".badge.review")).to_have_count(0, timeout=PATIENCE_MS)
    await served_office.catch_up()  # the notifier acts on the review: the alerts of a match follow
    await expect(confirmed.locator("li.alert.kind-in_custody")).to_have_count(1, timeout=PATIENCE_MS)
    await expect(confirmed.locator("summary .now")).to_contain_text("in custody at CA0194200")

    await rejected.get_by_role("button", name="Reject").click()
    await expect(rejected.locator("li.alert.kind-possible_match .state")).to_contain_text(
        "resolved (not the person", timeout=PATIENCE_MS
    )
    await expect(rejected.get_by_role("button", name="Reject")).to_have_count(0)
    # Filtered to possible matches waiting for review: neither is any more.
    await expect(page.locator("details.story:visible")).to_have_count(0)


async def test_an_acknowledgement_made_through_the_api_shows_on_an_open_page(
    browser: Browser, served_office: ServedOffice
) -> None:
    page = await a_release_five_hours_ahead(browser, served_office)
    row = page.locator("details.story")
    await row.locator("summary").click()
    await expect(row.locator(".badge.open")).to_have_text("2 open")
    (alert,) = await served_office.alerts(release_status="scheduled")
    typing = row.locator("li.alert.kind-in_custody input[name=note]")
    await typing.fill("half a note")  # the officer is writing a resolution of the other alert

    answer = await served_office.api.post(f"/v1/alerts/{alert['alert_id']}/ack")

    assert answer.status_code == 200
    acknowledged = row.locator(f"#alert-{alert['alert_id']}")
    await expect(acknowledged.locator(".state")).to_contain_text("acknowledged by", timeout=PATIENCE_MS)
    await expect(acknowledged.get_by_role("button", name="Acknowledge")).to_have_count(0)
    await expect(row.locator(".badge.open")).to_have_text("1 open")
    await expect(row).to_have_attribute("open", "")  # the officer's opened row stays open
    await expect(typing).to_have_value("half a note")  # and what they were typing stays


async def test_a_note_being_typed_keeps_the_focus_through_a_live_update_with_no_moment_without_it(
    browser: Browser, served_office: ServedOffice
) -> None:
    """A live update swaps the row while the officer types a resolution note: the new row's note has the focus by
    the time anything else can run (a keystroke the browser delivers next), not a moment later."""
    page = await a_release_five_hours_ahead(browser, served_office)
    row = page.locator("details.story")
    await row.locator("summary").click()
    typing = row.locator("li.alert.kind-in_custody input[name=note]")
    await typing.fill("picked up")
    await typing.press("End")
    await page.evaluate(
        """() => {
            window.focusSeen = [];
            new MutationObserver(() => {  // runs before any timer or input the browser has queued
                const active = document.activeElement;
                window.focusSeen.push(active && active.isConnected ? active.name || active.tagName : "nothing");
            }).observe(document.querySelector("details.story").parentElement, { childList: true });
        }"""
    )
    (alert,) = await served_office.alerts(release_status="scheduled")

    answer = await served_office.api.post(f"/v1/alerts/{alert['alert_id']}/ack")

    assert answer.status_code == 200
    await expect(row.locator(".badge.open")).to_have_text("1 open", timeout=PATIENCE_MS)
    assert await page.evaluate("window.focusSeen") == ["note"]
    await page.keyboard.type(" at the sally port")
    await expect(typing).to_have_value("picked up at the sally port")


async def test_acknowledging_and_resolving_on_the_page_change_the_alert_for_everyone(
    browser: Browser, served_office: ServedOffice
) -> None:
    page = await a_release_five_hours_ahead(browser, served_office)
    row = page.locator("details.story")
    await row.locator("summary").click()
    custody = row.locator("li.alert.kind-in_custody")

    await custody.get_by_role("button", name="Acknowledge").click()
    await expect(custody.locator(".state")).to_contain_text("acknowledged by", timeout=PATIENCE_MS)
    await custody.locator("select[name=outcome]").select_option("custody_assumed")
    await custody.locator("input[name=note]").fill("picked up at the sally port")
    await custody.get_by_role("button", name="Resolve").click()

    await expect(custody.locator(".state")).to_contain_text("resolved (custody assumed", timeout=PATIENCE_MS)
    (resolved,) = await served_office.alerts(status="resolved")
    assert (resolved["kind"], resolved["outcome"], resolved["resolution_note"]) == (
        "in_custody",
        "custody_assumed",
        "picked up at the sally port",
    )


async def test_a_realistic_office_reads_as_one_row_per_person(browser: Browser, served_office: ServedOffice) -> None:
    """A few dozen people, each kind of story. With RW_OFFICE_SCREENSHOT set, the page is saved there as a PNG
    (the screenshot in docs/ is made so: see README, the office page)."""
    now = datetime.now(UTC)
    office = realistic_office(now)
    for person in office:
        await served_office.lodge(person.detainer)
    await served_office.submit(*(event for person in office for event in person.events))
    served_office.notifier.clock.now = now + timedelta(seconds=1)
    await served_office.notifier.scheduler.run_due()  # release checks: a time long gone by closes as passed
    open_alerts = [alert for alert in await served_office.alerts(status="open") if alert["kind"] != "possible_match"]
    for alert in open_alerts[::5]:  # the desk acknowledged some
        await served_office.api.post(f"/v1/alerts/{alert['alert_id']}/ack")

    page = await open_page(browser, served_office)

    await expect(page.locator("details.story")).to_have_count(len(office))
    states = set(await page.locator("details.story").evaluate_all("rows => rows.map(row => row.className)"))
    for state in ("release_scheduled", "release_time_passed", "no_release_reported", "released", "transferred"):
        assert f"story state-{state}" in states
    assert len(KINDS) <= len(office)
    await expect(page.locator("time.countdown.soon").first).to_be_visible()
    target = os.environ.get("RW_OFFICE_SCREENSHOT")
    if target:
        first_possible_match = page.locator("details.story.state-to_review").first
        await first_possible_match.locator("summary").click()
        await page.set_viewport_size({"width": 1400, "height": 1500})
        await page.screenshot(path=str(Path(target)), full_page=False)


def _someone(number: int, last_name: str) -> dict[str, Any]:
    """A person nobody could take for another: their own name, birth date and numbers."""
    return samples.person(
        last_name=last_name,
        first_name="ANA",
        date_of_birth=f"198{number}-0{number}-1{number}",
        middle_name=None,
        aliases=[],
        fbi_number=f"{number:06d}AB1",
        state_id={"state": "CA", "number": f"B{number:07d}"},
        a_number=f"A{number:09d}",
    )


def _held(number: int, last_name: str, now: datetime, release_in: timedelta | None) -> list[dict[str, Any]]:
    """``last_name`` booked a day ago at booking 2026-9<number>, with a release ``release_in`` ahead, if any."""
    where = {"facility_ori": "CA0194200", "booking_number": f"2026-9{number:05d}"}
    events = [
        samples.booking(
            event_id=f"evt-{number}-b",
            occurred_at=_iso(now - timedelta(days=1)),
            person=_someone(number, last_name),
            **where,
        )
    ]
    if release_in is not None:
        events.append(
            samples.release_scheduled(
                event_id=f"evt-{number}-r",
                occurred_at=_iso(now - timedelta(hours=20)),
                scheduled_release_at=_iso(now + release_in),
                **where,
            )
        )
    return events


async def test_a_person_newly_in_custody_takes_their_place_by_urgency_not_the_top(
    browser: Browser, served_office: ServedOffice
) -> None:
    now = datetime.now(UTC)
    for number, last_name in ((1, "LATER"), (2, "SOON"), (3, "NEWCOMER")):
        await served_office.lodge(
            samples.detainer(detainer_id=f"LOS-ORDER-{number}", person=_someone(number, last_name))
        )
    await served_office.submit(*_held(1, "LATER", now, timedelta(days=3)), *_held(2, "SOON", now, timedelta(hours=2)))
    for alert in await served_office.alerts(status="open"):  # the desk has seen both
        await served_office.api.post(f"/v1/alerts/{alert['alert_id']}/ack")
    page = await open_page(browser, served_office)
    names = page.locator("details.story summary .name")
    await expect(names).to_have_text(["SOON, ANA", "LATER, ANA"])

    await served_office.submit(*_held(3, "NEWCOMER", now, None))

    # Below a release two hours away, above one three days away that everyone has seen.
    await expect(names).to_have_text(["SOON, ANA", "NEWCOMER, ANA", "LATER, ANA"], timeout=PATIENCE_MS)
    await expect(page.locator("details.story.fresh summary .name")).to_have_text("NEWCOMER, ANA")
