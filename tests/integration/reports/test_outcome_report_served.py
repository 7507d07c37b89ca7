"""The outcome report served from what Redis holds: the synthetic month written through the real store classes,
then read back at `GET /v1/reports/outcomes`; every figure of every row and of the total against the month's truth.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.outcome_month import FACILITIES, SyntheticMonth
from playwright.async_api import Browser
from redis.asyncio import Redis

from contracts import RedisNames
from ingest.app import create_app
from ingest.auth import ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from tests.integration.ingest.support import assert_problem, pointers
from tests.integration.serving import BASE_URL, keys_json
from tests.support.outcome_month_stored import MonthWithheld, expected, says, store_month

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
PAGE_URL = "https://reports.releasewatch.invalid/served.html"  # the served page, handed to Chromium from memory
KEYS = {"ops": ("operator", None), "los": ("field_office", "LOS"), "hou": ("field_office", "HOU")}


def _as(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer rwk_report_key_of_{holder}"}


@pytest.fixture
async def api(
    redis_url: str, redis_client: Redis, names: RedisNames, month: SyntheticMonth
) -> AsyncIterator[tuple[httpx.AsyncClient, MonthWithheld]]:
    """The month stored, and the ingest app over it with the policy counts' reader plugged in."""
    await store_month(redis_client, names, month)
    entries = [
        ApiKeyEntry(
            name=holder, role=Role(role), key_sha256=digest_of(_as(holder)["Authorization"][7:]), field_office=office
        )
        for holder, (role, office) in KEYS.items()
    ]
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries))
    app = create_app(settings)
    withheld = MonthWithheld(month)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        app.state.policy_withheld_days = withheld
        yield client, withheld


async def _report(client: httpx.AsyncClient, holder: str = "ops", **query: Any) -> dict[str, Any]:
    response = await client.get("/v1/reports/outcomes", params={**NOVEMBER, **query}, headers=_as(holder))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


async def test_every_figure_of_the_served_month_is_the_truth(
    api: tuple[httpx.AsyncClient, MonthWithheld], month: SyntheticMonth
) -> None:
    client, _ = api
    report = await _report(client)

    assert [row["facility_ori"] for row in report["facilities"]] == sorted(month.truth)
    for row in report["facilities"]:
        assert says(row, month.truth[row["facility_ori"]]) == expected(month.truth[row["facility_ori"]]), row[
            "facility_ori"
        ]
    assert says(report["total"], month.total) == expected(month.total)
    assert [b["releases"] for b in report["lead_times"]] == month.lead_time_bins
    assert report["unattributed_detainers_lifted"] == month.unattributed_detainers_lifted
    assert report["scope"] == {
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
        "states": [],
        "facility_oris": [],
        "field_office": None,
    }


async def test_a_state_keeps_its_own_orange_county_apart_from_the_other(
    api: tuple[httpx.AsyncClient, MonthWithheld], month: SyntheticMonth
) -> None:
    client, _ = api
    texas = await _report(client, state="TX")

    assert [row["facility_ori"] for row in texas["facilities"]] == ["TX1810000", "TX2270000"]
    for row in texas["facilities"]:
        assert says(row, month.truth[row["facility_ori"]]) == expected(month.truth[row["facility_ori"]])
    one = await _report(client, facility_ori="CA0300000")
    assert [row["facility_ori"] for row in one["facilities"]] == ["CA0300000"]
    assert says(one["total"], month.truth["CA0300000"]) == expected(month.truth["CA0300000"])


async def test_a_field_office_reads_its_own_detainers_only(api: tuple[httpx.AsyncClient, MonthWithheld]) -> None:
    client, _ = api
    everyone = await _report(client)
    houston = await _report(client, "hou")
    asked_for_own = await _report(client, "hou", field_office="HOU")
    as_operator = await _report(client, field_office="HOU")

    assert houston["scope"]["field_office"] == "HOU"
    assert houston["facilities"] == asked_for_own["facilities"] == as_operator["facilities"]
    assert {row["facility_ori"] for row in houston["facilities"]} == {"TX1810000", "TX2270000"}
    assert houston["total"]["releases"] < everyone["total"]["releases"]
    refused = await client.get("/v1/reports/outcomes", params={**NOVEMBER, "field_office": "LOS"}, headers=_as("hou"))
    problem = assert_problem(refused, 403, "forbidden")
    assert pointers(problem) == ["#/query/field_office"]


async def test_the_same_report_as_csv_and_as_a_page(api: tuple[httpx.AsyncClient, MonthWithheld]) -> None:
    client, _ = api
    report = await _report(client)
    as_csv = await client.get("/v1/reports/outcomes", params=NOVEMBER, headers={**_as("ops"), "Accept": "text/csv"})
    by_param = await client.get("/v1/reports/outcomes", params={**NOVEMBER, "format": "csv"}, headers=_as("ops"))

    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text == by_param.text
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["facility_ori"] for row in rows] == [*sorted(FACILITIES), "UNATTRIBUTED", "TOTAL"]
    assert int(rows[-1]["releases"]) == report["total"]["releases"]

    page = await client.get("/v1/reports/outcomes", params=NOVEMBER, headers={**_as("ops"), "Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text
    for ori in FACILITIES:
        assert ori in page.text
    assert "Orange" not in page.text  # by ORI, never by name


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ({"from": "2026-11-31", "to": "2026-12-01"}, "#/query/from"),
        ({"from": "2026-11-01", "to": "30/11/2026"}, "#/query/to"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "#/query/to"),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "#/query/to"),
        ({"to": "2026-11-30"}, "#/query/from"),
        ({**NOVEMBER, "state": "XX"}, "#/query/state/0"),
        ({**NOVEMBER, "facility_ori": "Orange"}, "#/query/facility_ori/0"),
        ({**NOVEMBER, "format": "pdf"}, "#/query/format"),
    ],
)
async def test_a_bad_period_or_scope_is_refused_naming_the_parameter(
    api: tuple[httpx.AsyncClient, MonthWithheld], query: dict[str, str], pointer: str
) -> None:
    client, _ = api
    response = await client.get("/v1/reports/outcomes", params=query, headers=_as("ops"))

    problem = assert_problem(response, 422, "validation-error")
    assert pointer in pointers(problem)


async def test_only_a_field_office_or_an_operator_reads_it(redis_url: str) -> None:
    entries = [ApiKeyEntry(name="jail", role=Role.SOURCE, key_sha256=digest_of("rwk_jail"))]
    settings = IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries))
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
    ):
        anonymous = await client.get("/v1/reports/outcomes", params=NOVEMBER)
        jail = await client.get("/v1/reports/outcomes", params=NOVEMBER, headers={"Authorization": "Bearer rwk_jail"})
    assert_problem(anonymous, 401, "unauthenticated")
    assert_problem(jail, 403, "forbidden")


async def test_openapi_documents_the_report_its_parameters_and_formats(
    api: tuple[httpx.AsyncClient, MonthWithheld],
) -> None:
    client, _ = api
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/v1/reports/outcomes"]["get"]

    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "state", "facility_ori", "field_office"}
    assert {"application/json", "text/csv", "text/html"} <= set(operation["responses"]["200"]["content"])
    assert {"403", "422"} <= set(operation["responses"])
    assert "OutcomeReport" in document["components"]["schemas"]


async def test_the_served_page_renders_in_chromium_with_nothing_fetched(
    api: tuple[httpx.AsyncClient, MonthWithheld], browser: Browser, month: SyntheticMonth, tmp_path: Path
) -> None:
    client, _ = api
    served = await client.get("/v1/reports/outcomes", params={**NOVEMBER, "format": "html"}, headers=_as("ops"))
    assert served.status_code == 200
    page = await browser.new_page(viewport={"width": 1300, "height": 900})
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if request.url != PAGE_URL else None)
    await page.route(PAGE_URL, lambda route: route.fulfill(body=served.text, content_type="text/html"))
    await page.goto(PAGE_URL)

    charts = page.locator("figure svg")
    assert await charts.count() == 2
    for index in range(2):
        box = await charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 600
    rows = page.locator("section table").first.locator("tbody tr")
    assert await rows.count() == len(month.truth) + 1
    assert (await rows.last.inner_text()).split()[:2] == ["total", str(month.total.counts["detainers_matched"])]
    picture = await page.screenshot(path=str(tmp_path / "served.png"), full_page=True)
    assert len(picture) > 50_000
    assert fetched == []
    await page.close()
