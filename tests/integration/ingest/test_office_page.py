"""`/offices/{office}`: the page a field office keeps open: its alerts, a countdown to each release,
signed in with a cookie, and nobody else's alerts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis

from contracts import Alert, AlertKind, AlertStatus, Person, RedisNames, ReleaseStatus, Sex
from contracts.alerts import story_id_for
from ingest.auth import KEY_COOKIE, ApiKeyEntry, Role, digest_of
from ingest.settings import IngestSettings
from tests.integration.ingest.support import assert_problem
from tests.integration.ingest.test_alerts import make_alert
from tests.integration.ingest.test_alerts import store as store_alerts
from tests.integration.serving import BASE_URL, keys_json, serving

HOSTILE = '<script>alert("pwned")</script>'
KEYS = {
    "los": ("field_office", "LOS", "LOS duty desk"),
    "nyc": ("field_office", "NYC", "NYC duty desk"),
    "ops": ("operator", None, "operators"),
    "jail": ("source", None, "county jail"),
    "hostile": ("field_office", "LOS", HOSTILE),
}


def key_of(holder: str) -> str:
    return f"rwk_office_page_key_of_{holder}"


def as_(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_of(holder)}"}


@pytest.fixture
async def api(redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    entries = [
        ApiKeyEntry(name=name, role=Role(role), key_sha256=digest_of(key_of(holder)), field_office=office)
        for holder, (role, office, name) in KEYS.items()
    ]
    async with serving(IngestSettings(redis_url=redis_url, log_format="text", api_keys=keys_json(entries))) as client:
        yield client


LOS_STORY = story_id_for("LOS-2026-000871")


async def store(redis: Redis, names: RedisNames, *alerts: Alert) -> None:
    """Write alerts as the notifier does: the record, its listings and its story (one per detainer)."""
    await store_alerts(redis, names, *alerts)
    for alert in alerts:
        story_id = story_id_for(alert.detainer_id)
        score = int(alert.raised_at.timestamp() * 1000)
        await redis.zadd(names.story(story_id), {alert.alert_id: score})
        for listing in (names.story_listing(), names.story_listing(field_office=alert.field_office)):
            await redis.zadd(listing, {story_id: score}, gt=True)


def row_ids(page: str) -> list[str]:
    """The stories the page shows, one row per person, in order."""
    return re.findall(r'<details id="story-([^"]+)"', page)


def alert_ids(page: str) -> list[str]:
    return re.findall(r'<li id="alert-([^"]+)"', page)


@pytest.fixture
async def alerts(redis_client: Redis, names: RedisNames) -> None:
    """LOS: one person with an open, an acknowledged and a resolved alert, and a release scheduled; NYC: one open."""
    release = make_alert("al_los_release", minute=4)
    release = release.model_copy(
        update={
            "kind": AlertKind.RELEASE_SCHEDULED,
            "scheduled_release_at": release.raised_at + timedelta(hours=30),
            "release_status": ReleaseStatus.SCHEDULED,
        }
    )
    await store(
        redis_client,
        names,
        make_alert("al_los_open", minute=1),
        make_alert("al_los_acked", minute=2, status=AlertStatus.ACKNOWLEDGED),
        make_alert("al_los_resolved", minute=3, status=AlertStatus.RESOLVED),
        release,
        make_alert("al_nyc_open", field_office="NYC", minute=5),
    )


@pytest.mark.usefixtures("alerts")
@pytest.mark.parametrize("holder", ["los", "ops"])
async def test_the_page_shows_one_row_per_person_with_all_their_alerts_inside(
    api: httpx.AsyncClient, holder: str
) -> None:
    response = await api.get("/offices/LOS", headers=as_(holder))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert row_ids(response.text) == [LOS_STORY]
    assert alert_ids(response.text) == ["al_los_release", "al_los_resolved", "al_los_acked", "al_los_open"]
    assert "GARCIA LOPEZ, JOSE" in response.text
    assert "CA0194200 · 2026-004512" in response.text
    assert "al_nyc_open" not in response.text


@pytest.mark.usefixtures("alerts")
async def test_the_standing_release_heads_the_row_with_its_time_for_the_countdown(api: httpx.AsyncClient) -> None:
    page = (await api.get("/offices/LOS", headers=as_("los"))).text

    countdowns = re.findall(r'<summary><span class="now"><time class="countdown[^"]*" datetime="([^"]+)"', page)
    assert countdowns == ["2026-11-21T22:04:00+00:00"]
    assert '<script src="/offices/assets/office.js"></script>' in page


@pytest.mark.usefixtures("alerts")
async def test_open_alerts_offer_acknowledge_and_unresolved_ones_resolve(api: httpx.AsyncClient) -> None:
    page = (await api.get("/offices/LOS", headers=as_("los"))).text

    assert re.findall(r'class="ack" data-alert-id="([^"]+)"', page) == ["al_los_release", "al_los_open"]
    assert re.findall(r'<form class="resolve" data-alert-id="([^"]+)"', page) == [
        "al_los_release",
        "al_los_acked",
        "al_los_open",
    ]


@pytest.mark.usefixtures("alerts")
async def test_a_persons_row_alone_is_served_for_the_script_to_swap_in(api: httpx.AsyncClient) -> None:
    row = await api.get(f"/offices/LOS/stories/{LOS_STORY}", headers=as_("los"))
    elsewhere = await api.get(f"/offices/NYC/stories/{LOS_STORY}", headers=as_("ops"))
    not_theirs = await api.get(f"/offices/LOS/stories/{LOS_STORY}", headers=as_("nyc"))

    assert row.status_code == 200
    assert row.text.startswith(f'<details id="story-{LOS_STORY}"')
    assert row.headers["cache-control"] == "no-store"
    assert alert_ids(row.text) == ["al_los_release", "al_los_resolved", "al_los_acked", "al_los_open"]
    assert_problem(elsewhere, 404, "not-found")
    assert_problem(not_theirs, 403, "forbidden")


async def test_the_page_tells_the_live_feed_where_the_list_was_read(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    entry_id = (await redis_client.xadd(names.alerts_raised, {"type": "other"})).decode()

    page = (await api.get("/offices/LOS", headers=as_("los"))).text

    assert f'<body data-office="LOS" data-since="{entry_id}">' in page


async def test_names_from_data_are_escaped_not_markup(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    alert = make_alert("al_los_1").model_copy(
        update={
            "person": Person(
                last_name="O'NEIL", first_name="SEÁN", date_of_birth=make_alert("x").raised_at.date(), sex=Sex.MALE
            )
        }
    )
    await store(redis_client, names, alert)
    acknowledged = await api.post("/v1/alerts/al_los_1/ack", headers=as_("hostile"))
    assert acknowledged.status_code == 200
    await store(redis_client, names, make_alert("al_los_2"))

    page = (await api.get("/offices/LOS", headers=as_("los"))).text

    assert "<script>alert" not in page
    assert "by &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    assert "O&#x27;NEIL, SEÁN" in page
    assert page.count("<script") == 1  # the page's own script file


async def test_the_page_runs_no_inline_script_and_is_not_cached(api: httpx.AsyncClient) -> None:
    response = await api.get("/offices/LOS", headers=as_("los"))

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["cache-control"] == "no-store"


async def test_the_pages_script_never_builds_markup_itself(api: httpx.AsyncClient) -> None:
    """Rows are rendered and escaped by the server alone: the script swaps in the row the server renders, and
    writes its own words with textContent."""
    response = await api.get("/offices/assets/office.js")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    for markup_sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert markup_sink not in response.text
    assert "textContent" in response.text
    assert "/v1/alerts/live" in response.text
    assert "/stories/" in response.text


# --- who may open it --------------------------------------------------------------------------


@pytest.mark.usefixtures("alerts")
async def test_another_offices_key_cannot_open_the_page(api: httpx.AsyncClient) -> None:
    response = await api.get("/offices/LOS", headers=as_("nyc"))

    problem = assert_problem(response, 403, "forbidden")
    assert "GARCIA" not in response.text
    assert problem["detail"] == "This key belongs to field office NYC."


async def test_a_source_cannot_open_an_office_page(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/offices/LOS", headers=as_("jail")), 403, "forbidden")


@pytest.mark.usefixtures("alerts")
async def test_without_a_key_the_page_asks_to_sign_in_and_shows_no_alert(api: httpx.AsyncClient) -> None:
    response = await api.get("/offices/LOS")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert '<form method="post" action="/offices/LOS/sign-in">' in response.text
    assert row_ids(response.text) == []
    assert "GARCIA" not in response.text


@pytest.mark.usefixtures("alerts")
async def test_signing_in_sets_a_cookie_scripts_cannot_read_that_opens_the_page(api: httpx.AsyncClient) -> None:
    response = await api.post("/offices/LOS/sign-in", data={"api_key": key_of("los")})

    assert response.status_code == 303
    assert response.headers["location"] == "/offices/LOS"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{KEY_COOKIE}={key_of('los')};")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age" not in cookie  # ends with the browser session
    page = await api.get("/offices/LOS", headers={"Cookie": f"{KEY_COOKIE}={key_of('los')}"})
    assert row_ids(page.text) == [LOS_STORY]
    assert 'action="/offices/LOS/sign-out"' in page.text


@pytest.mark.parametrize(
    ("holder", "status", "message"),
    [
        pytest.param("nobody", 401, "This API key is not known.", id="unknown-key"),
        pytest.param("nyc", 403, "This key belongs to field office NYC.", id="another-office"),
    ],
)
async def test_signing_in_with_a_key_that_may_not_see_the_office_sets_no_cookie(
    api: httpx.AsyncClient, holder: str, status: int, message: str
) -> None:
    response = await api.post("/offices/LOS/sign-in", data={"api_key": key_of(holder)})

    assert response.status_code == status
    assert "set-cookie" not in response.headers
    assert message in response.text


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Sec-Fetch-Site": "cross-site"}, id="cross-site"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, id="sibling-subdomain"),
        pytest.param({"Origin": "https://attacker.example"}, id="foreign-origin"),
        pytest.param({"Origin": "null"}, id="opaque-origin"),
        pytest.param({"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"}, id="both-say-so"),
    ],
)
async def test_a_sign_in_posted_from_another_site_sets_no_cookie(
    api: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await api.post("/offices/LOS/sign-in", data={"api_key": key_of("los")}, headers=headers)

    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert "sent by another site is refused" in response.text


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": str(BASE_URL), "Sec-Fetch-Site": "same-origin"}, id="the-page-itself"),
        pytest.param({"Sec-Fetch-Site": "none"}, id="typed-by-the-person"),
        pytest.param({}, id="not-a-browser"),
    ],
)
async def test_a_sign_in_from_the_page_itself_signs_in(api: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await api.post("/offices/LOS/sign-in", data={"api_key": key_of("los")}, headers=headers)

    assert response.status_code == 303
    assert response.headers["set-cookie"].startswith(f"{KEY_COOKIE}=")


async def test_signing_out_forgets_the_cookie(api: httpx.AsyncClient) -> None:
    response = await api.post("/offices/LOS/sign-out")

    assert response.status_code == 303
    assert response.headers["set-cookie"].startswith(f'{KEY_COOKIE}="";')


async def test_acknowledging_with_the_cookie_needs_the_pages_header(
    api: httpx.AsyncClient, redis_client: Redis, names: RedisNames
) -> None:
    await store(redis_client, names, make_alert("al_los_1"))
    cookie = {"Cookie": f"{KEY_COOKIE}={key_of('los')}"}

    forged = await api.post("/v1/alerts/al_los_1/ack", headers=cookie)
    from_page = await api.post("/v1/alerts/al_los_1/ack", headers={**cookie, "X-Requested-With": "releasewatch"})

    assert_problem(forged, 403, "forbidden")
    assert from_page.status_code == 200
    assert from_page.json()["acknowledged_by"] == "LOS duty desk"


async def test_the_cookie_does_not_stand_in_for_the_header_elsewhere_in_the_api(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/alerts", headers={"Cookie": f"{KEY_COOKIE}={key_of('los')}"})

    assert_problem(response, 401, "unauthenticated")


async def test_the_page_follows_every_message_the_feed_carries(api: httpx.AsyncClient) -> None:
    """The script listens to every message type the feed sends, and reads the story each message's alert names:
    a contract between the two."""
    script = (await api.get("/offices/assets/office.js")).text
    feed = (await api.get("/openapi.json")).json()["paths"]["/v1/alerts/live"]["get"]["description"]

    for event in re.findall(r"`(alert_[a-z]+)`", feed):
        assert f'"{event}"' in script
    assert "story_id" in make_alert("al_1").model_dump()
    for field in ("story_id", "field_office"):
        assert f".{field}" in script
