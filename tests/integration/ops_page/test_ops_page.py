"""The operators' page over HTTP: who may open it, its sign-in, and what it shows of the queues, dead letters,
feeds and rosters (escaped: nothing a message carries can run on the page)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests import samples
from tests.integration.ops_page.support import OFFICE_KEY, OPERATOR_KEY, SOURCE_KEY, SURGING, ServedOps


async def test_without_a_key_the_page_is_its_sign_in_form(served_ops: ServedOps) -> None:
    answer = await served_ops.served.client.get("/ops")

    assert answer.status_code == 401
    assert '<form method="post" action="/ops/sign-in">' in answer.text
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("key", [OFFICE_KEY, SOURCE_KEY])
async def test_a_key_that_is_not_an_operators_is_refused_at_sign_in(served_ops: ServedOps, key: str) -> None:
    answer = await served_ops.served.client.post("/ops/sign-in", data={"api_key": key})

    assert answer.status_code == 403
    assert "This page is for operators" in answer.text
    assert "set-cookie" not in answer.headers


async def test_an_operator_signs_in_and_the_cookie_opens_the_page(served_ops: ServedOps) -> None:
    client = served_ops.served.client
    signed_in = await client.post("/ops/sign-in", data={"api_key": OPERATOR_KEY})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/ops"
    assert re.search(r"rw_api_key=.*HttpOnly.*SameSite=strict", signed_in.headers["set-cookie"], re.IGNORECASE)

    async with httpx.AsyncClient(base_url=served_ops.base_url, cookies=signed_in.cookies) as browser:
        page = await browser.get("/ops")

    assert page.status_code == 200
    assert "Sign out" in page.text
    for link in ('href="/metrics"', 'href="/docs"', 'href="/asyncapi"'):
        assert link in page.text


async def test_a_sign_in_posted_by_another_site_is_refused(served_ops: ServedOps) -> None:
    answer = await served_ops.served.client.post(
        "/ops/sign-in", data={"api_key": OPERATOR_KEY}, headers={"Sec-Fetch-Site": "cross-site"}
    )

    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


async def test_the_dashboard_address_leads_to_the_page(served_ops: ServedOps) -> None:
    answer = await served_ops.served.client.get("/dashboard")

    assert (answer.status_code, answer.headers["location"]) == (307, "/ops")


async def test_the_panel_shows_each_group_with_its_lag_and_pending_and_the_counters_the_charts_use(
    served_ops: ServedOps,
) -> None:
    await served_ops.submit(samples.booking(), samples.release_scheduled())
    await served_ops.call("POST", "/v1/custody-events", json=samples.release())  # accepted, not yet processed

    panel = (await served_ops.call("GET", "/ops/panel")).text

    row = re.search(r'<tr data-stream="custody_events" data-group="notifier"[^>]*>(.*?)</tr>', panel)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    # stream, length, group, lag (the release), pending (read by this test's notifier, which acknowledges nothing)
    assert cells[:5] == ["custody events", "3", "notifier", "1", "2"]
    assert 'data-custody-added="3"' in panel
    assert 'data-custody-read="2"' in panel


async def test_dead_letters_feeds_and_rosters_are_listed_and_what_a_message_carries_is_escaped(
    served_ops: ServedOps,
) -> None:
    await served_ops.a_dead_letter(written_by="<script>alert(1)</script>")
    await served_ops.a_surge_held()
    await served_ops.send_roster("2026-000001", "2026-000002")

    page = (await served_ops.call("GET", "/ops")).text

    assert "1 open" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert f'data-action="deliver" data-ori="{SURGING}"' in page
    assert "40 releases in 1 hour, usually 2" in page
    rosters = page[page.index('<section id="rosters">') :]
    assert re.search(
        r'<tr data-ori="CA0194200"><td>CA0194200</td><td>roster-0600</td><td>[^<]+ ago</td>'
        r'<td class="n">2</td>',
        rosters,
    )
