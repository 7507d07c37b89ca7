"""The whole path on a Redis Cluster: nothing crosses a hash tag, scripts are routed per slot."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import RedisCluster

from contracts import RedisNames
from ingest.app import create_app
from ingest.settings import IngestSettings
from notifier.app import Notifier
from notifier.bootstrap import build_notifier
from notifier.settings import NotifierSettings
from policies.enforcement import PolicyEnforcement
from releasewatch.redis_server import embedded_redis_server, redis_server_on_path
from store.audit import AuditTrail
from tests import samples
from tests.policy_samples import ONE_POLICY, POLICIES, write_policies
from tests.redis_cluster_for_tests import redis_cluster_for_tests
from tests.redis_for_tests import RedisForTests

# redis-py's cluster client drops ClusterNode objects (and their sockets) without closing them when a
# blocking read is cancelled, which is how FastStream stops a subscriber: it re-initialises its nodes and
# forgets the old ones. A process that exits releases them; in this session they would surface at some
# later garbage collection, in another test. So this module ignores those ResourceWarnings and collects
# the leftovers before the next module runs.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module", autouse=True)
def _collect_what_the_cluster_client_leaves() -> Iterator[None]:
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture(scope="module")
def cluster_url(redis_server: RedisForTests) -> Iterator[str]:
    binary = redis_server.binary or redis_server_on_path() or embedded_redis_server()
    if binary is None:
        pytest.skip("no redis-server binary to build a test cluster from (set REDIS_CLUSTER_URL)")
    with redis_cluster_for_tests(binary) as url:
        yield url


@pytest.fixture
async def cluster_api(cluster_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(IngestSettings(redis_url=cluster_url, redis_cluster=True, log_format="text", auth="off"))
    async with app.router.lifespan_context(app):
        await app.state.redis.flushall()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest.test") as client:
            yield client


@pytest.fixture
async def cluster_notifier(cluster_url: str, cluster_api: httpx.AsyncClient) -> AsyncIterator[Notifier]:
    notifier = build_notifier(
        NotifierSettings(
            redis_url=cluster_url,
            redis_cluster=True,
            poll_interval_ms=50,
            consumer_name="cluster-test",
            log_format="text",
        )
    )
    await notifier.prepare()
    await notifier.broker.start()
    try:
        yield notifier
    finally:
        await notifier.broker.stop()
        await notifier.close()


async def wait_for_alerts(api: httpx.AsyncClient, office: str, count: int) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = []
    for _ in range(200):  # bounded: up to ~20 s
        alerts = (await api.get("/v1/alerts", params={"field_office": office})).json()["alerts"]
        if len(alerts) >= count:
            return alerts
        await asyncio.sleep(0.1)
    raise AssertionError(f"{office} has {len(alerts)} alerts, expected {count}")


async def test_custody_feed_on_a_cluster_raises_each_alert_once(
    cluster_api: httpx.AsyncClient, cluster_notifier: Notifier
) -> None:
    assert (await cluster_api.post("/v1/detainers", json=samples.detainer())).status_code == 201
    for event in (samples.booking(), samples.release_scheduled(), samples.release()):
        for _ in range(2):
            assert (await cluster_api.post("/v1/custody-events", json=event)).status_code == 202
    batch = [samples.booking(event_id=f"other-{i}", booking_number=f"OTHER-{i}", person=samples.person(
        last_name=f"OTHER{'XYZWV'[i]}", first_name="MARIA", middle_name=None, sex="F", aliases=[],
        date_of_birth=f"197{i}-01-0{i + 1}", a_number=f"A0000000{i}", fbi_number=None, state_id=None))
        for i in range(5)]  # fmt: skip
    assert (await cluster_api.post("/v1/custody-events:batch", json=batch)).status_code == 202

    alerts = await wait_for_alerts(cluster_api, "LOS", 3)

    assert sorted(alert["kind"] for alert in alerts) == ["in_custody", "release_scheduled", "released"], [
        (a["kind"], a["alert_id"], a["raised_at"]) for a in alerts
    ]


async def test_detainer_lodged_on_a_cluster_finds_the_person_in_custody(
    cluster_api: httpx.AsyncClient, cluster_notifier: Notifier
) -> None:
    assert (await cluster_api.post("/v1/custody-events", json=samples.booking())).status_code == 202
    names = RedisNames()
    client = cluster_notifier.redis
    assert isinstance(client, RedisCluster)
    for _ in range(200):  # the booking's batch processed to its end (saved, matched, acknowledged), not only saved
        groups = await client.xinfo_groups(names.custody_events)
        if any(group["pending"] == 0 and group.get("lag") == 0 for group in groups):
            break
        await asyncio.sleep(0.05)
    assert await client.exists(names.booking("CA0194200", "2026-004512"))
    # The index's move to its current keys, as a notifier makes it once it runs: every node's bookings read.
    assert cluster_notifier.booking_index is not None
    assert cluster_notifier.bookings is not None
    states = cluster_notifier.bookings.every_state()
    assert await cluster_notifier.booking_index.refile_former_keys(states) == 1

    assert (await cluster_api.post("/v1/detainers", json=samples.detainer(field_office="NYC"))).status_code == 201

    (alert,) = await wait_for_alerts(cluster_api, "NYC", 1)
    assert (alert["kind"], alert["trigger"]) == ("in_custody", "detainer_lodged")
    lifted = await cluster_api.post("/v1/detainers/LOS-2026-000871/lift", json={"reason": "custody_assumed"})
    assert lifted.json()["status"] == "lifted"
    listed = (await cluster_api.get("/v1/detainers", params={"status": "lifted"})).json()["detainers"]
    assert [detainer["detainer_id"] for detainer in listed] == ["LOS-2026-000871"]


async def test_foreign_entry_on_a_cluster_is_dead_lettered(
    cluster_api: httpx.AsyncClient, cluster_notifier: Notifier
) -> None:
    names = RedisNames()
    client = cluster_notifier.redis
    await client.xadd(names.custody_events, {"written-by": "someone else"})
    for _ in range(200):
        if await client.xlen(names.dead_letters):
            break
        await asyncio.sleep(0.05)
    (entry,) = await client.xrange(names.dead_letters)
    assert entry[1][b"reason"].startswith(b"no __data__ field")


async def test_reviewing_possible_matches_on_a_cluster_raises_or_suppresses_the_alerts(
    cluster_api: httpx.AsyncClient, cluster_notifier: Notifier
) -> None:
    """A review touches the alert's slot and the booking's, never both in one command."""
    no_identifiers = {"fbi_number": None, "state_id": None, "a_number": None}
    typo = samples.person(**no_identifiers, date_of_birth="1990-04-18", aliases=[])
    for office in ("LOS", "NYC"):
        detainer = samples.detainer(
            detainer_id=f"{office}-1", field_office=office, person=samples.person(**no_identifiers)
        )
        assert (await cluster_api.post("/v1/detainers", json=detainer)).status_code == 201
    for number in ("B-1", "B-2"):
        event = samples.booking(event_id=f"evt-{number}", booking_number=number, person=typo)
        assert (await cluster_api.post("/v1/custody-events", json=event)).status_code == 202
    possible = {
        (alert["field_office"], alert["booking_number"]): alert["alert_id"]
        for office in ("LOS", "NYC")
        for alert in await wait_for_alerts(cluster_api, office, 2)
    }
    assert len(possible) == 4

    assert (await cluster_api.post(f"/v1/alerts/{possible['LOS', 'B-1']}/confirm")).status_code == 200
    assert (await cluster_api.post(f"/v1/alerts/{possible['NYC', 'B-1']}/reject")).status_code == 200
    alerts = await wait_for_alerts(cluster_api, "LOS", 3)

    assert sorted((alert["kind"], alert["booking_number"]) for alert in alerts) == [
        ("in_custody", "B-1"),
        ("possible_match", "B-1"),
        ("possible_match", "B-2"),
    ]
    release = samples.release(event_id="evt-B-1-out", booking_number="B-1")
    assert (await cluster_api.post("/v1/custody-events", json=release)).status_code == 202
    assert "released" in [alert["kind"] for alert in await wait_for_alerts(cluster_api, "LOS", 4)]
    nyc = (await cluster_api.get("/v1/alerts", params={"field_office": "NYC"})).json()["alerts"]
    assert sorted((alert["kind"], alert["status"]) for alert in nyc) == [
        ("possible_match", "open"),
        ("possible_match", "resolved"),
    ]


async def test_a_booking_taken_before_a_policy_is_judged_on_its_charges_on_a_cluster(
    cluster_url: str, cluster_api: httpx.AsyncClient, cluster_notifier: Notifier, tmp_path: Path
) -> None:
    """Intake reads the booking's state from its own slot, apart from its record under the facility's tag."""
    path = write_policies(tmp_path, ONE_POLICY)  # the facility under no policy yet
    settings = IngestSettings(
        redis_url=cluster_url, redis_cluster=True, log_format="text", auth="off", policies_file=path
    )
    policies = PolicyEnforcement(path, actor="ingest")
    app = create_app(settings, policies=policies)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest.test") as api,
    ):
        assert (await api.post("/v1/detainers", json=samples.detainer())).status_code == 201
        assert (await api.post("/v1/custody-events", json=samples.booking())).status_code == 202  # a felony
        await wait_for_alerts(api, "LOS", 1)
        path.write_text(POLICIES)  # releases shared for felonies only
        assert await policies.reload(AuditTrail(app.state.redis, RedisNames()))

        answer = await api.post("/v1/custody-events", json=samples.release())

        assert answer.json()["status"] == "accepted", answer.text
        alerts = await wait_for_alerts(api, "LOS", 2)
        assert sorted(alert["kind"] for alert in alerts) == ["in_custody", "released"]
