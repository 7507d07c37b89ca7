"""`GET /v1/alerts/live`: the alert stream as server-sent events, each office its own, resumable.

Alerts are put on the alert stream the way the notifier writes them (``__data__``, ``type``,
``alert_id``). The feed is read from a real uvicorn server: the in-process transport hands a response
over only once it has ended, and this one never does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from contracts import (
    Alert,
    AlertKind,
    AlertNotice,
    AlertRaised,
    AlertTrigger,
    DeadLetter,
    MatchDecision,
    MatchEvidence,
    Person,
    RedisNames,
    Sex,
)
from ingest.auth import KEY_COOKIE, ApiKeyEntry, Role, digest_of
from ingest.live.feed import AlertFeed
from ingest.settings import IngestSettings
from tests.integration.ingest.support import assert_problem
from tests.integration.serving import Served, keys_json, served_over_tcp, serving

URL = "/v1/alerts/live"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
KEYS = {
    "los": ("field_office", "LOS"),
    "nyc": ("field_office", "NYC"),
    "ops": ("operator", None),
    "jail": ("source", None),
}
WAIT_SECONDS = 5  # only if an expected event never comes: a hang guard, not a timing


def key_of(holder: str) -> str:
    return f"rwk_live_feed_key_of_{holder}"


def as_(holder: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_of(holder)}"}


@pytest.fixture
def live_settings(redis_url: str) -> IngestSettings:
    entries = [
        ApiKeyEntry(name=holder, role=Role(role), key_sha256=digest_of(key_of(holder)), field_office=office)
        for holder, (role, office) in KEYS.items()
    ]
    return IngestSettings(
        redis_url=redis_url,
        log_format="text",
        api_keys=keys_json(entries),
        live_heartbeat_seconds=60,  # the heartbeat test sets its own
        live_block_ms=100,
    )


@pytest.fixture
async def served(live_settings: IngestSettings) -> AsyncIterator[Served]:
    async with served_over_tcp(live_settings) as running:
        yield running


def alert_of(alert_id: str, office: str) -> Alert:
    return Alert(
        alert_id=alert_id,
        kind=AlertKind.RELEASE_SCHEDULED,
        field_office=office,
        detainer_id=f"{office}-2026-000871",
        facility_ori="CA0194200",
        booking_number="2026-004512",
        raised_at=NOW,
        occurred_at=NOW,
        trigger=AlertTrigger.CUSTODY_EVENT,
        scheduled_release_at=NOW + timedelta(hours=30),
        person=Person(last_name="GARCIA LOPEZ", first_name="JOSE", date_of_birth=NOW.date(), sex=Sex.MALE),
        match=MatchEvidence(decision=MatchDecision.MATCH, rule="identifier"),
    )


async def publish(redis: Redis, names: RedisNames, message: AlertRaised | AlertNotice) -> str:
    """Append to the alert stream as the notifier does; the entry id."""
    entry_id = await redis.xadd(
        names.alerts_raised,
        {"__data__": message.model_dump_json(), "type": message.type, "alert_id": message.alert.alert_id},
    )
    return str(entry_id.decode())


async def raise_alert(redis: Redis, names: RedisNames, alert_id: str, office: str = "LOS") -> str:
    return await publish(redis, names, AlertRaised(alert=alert_of(alert_id, office)))


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads("\n".join(self.data))


@dataclass
class Feed:
    """Reads a server-sent event stream: events, and the comments between them."""

    lines: AsyncIterator[str]
    comments: list[str] = field(default_factory=list)

    async def next_event(self) -> Event:
        event = Event()
        async with asyncio.timeout(WAIT_SECONDS):
            async for line in self.lines:
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line.startswith("id:"):
                    event.id = line[3:].strip()
                elif line.startswith("event:"):
                    event.event = line[6:].strip()
                elif line.startswith("data:"):
                    event.data.append(line[5:].strip())
                elif not line and event.event is not None:
                    return event
        raise AssertionError("the feed ended")

    async def next_comment(self) -> str:
        async with asyncio.timeout(WAIT_SECONDS):
            async for line in self.lines:
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    return self.comments[-1]
                assert not line.startswith(("id:", "event:", "data:")), line
        raise AssertionError("the feed ended")


@asynccontextmanager
async def following(
    client: httpx.AsyncClient, *, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[Feed]:
    """The feed, opened: the first comment says it is subscribed, so what is raised next arrives."""
    async with client.stream("GET", URL, params=params, headers=headers or as_("los")) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        feed = Feed(response.aiter_lines())
        assert (await feed.next_comment()).startswith("alerts after")
        yield feed


# --- what arrives -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(AlertRaised(alert=alert_of("al_raised", "LOS")), id="alert_raised"),
        pytest.param(
            AlertNotice(type="alert_reminded", alert=alert_of("al_reminded", "LOS"), lead_seconds=86400),
            id="alert_reminded",
        ),
        pytest.param(
            AlertNotice(type="alert_escalated", alert=alert_of("al_escalated", "LOS"), level=1), id="alert_escalated"
        ),
    ],
)
async def test_a_message_on_the_alert_stream_after_the_feed_opens_arrives_with_its_entry_id_and_type(
    served: Served, redis_client: Redis, names: RedisNames, message: AlertRaised | AlertNotice
) -> None:
    async with following(served.client) as feed:
        entry_id = await publish(redis_client, names, message)

        event = await feed.next_event()

    assert event.id == entry_id
    assert event.event == message.type
    assert event.json() == json.loads(message.model_dump_json())


async def test_a_feed_starts_now_not_with_what_the_stream_already_held(
    served: Served, redis_client: Redis, names: RedisNames
) -> None:
    await raise_alert(redis_client, names, "al_before")
    async with following(served.client) as feed:
        after = await raise_alert(redis_client, names, "al_after")

        event = await feed.next_event()

    assert (event.id, event.json()["alert"]["alert_id"]) == (after, "al_after")


@pytest.mark.parametrize("by_cookie", [False, True], ids=["header", "office-page-cookie"])
async def test_an_office_receives_its_own_alerts_and_never_another_offices(
    served: Served, redis_client: Redis, names: RedisNames, by_cookie: bool
) -> None:
    headers = {"Cookie": f"{KEY_COOKIE}={key_of('los')}"} if by_cookie else as_("los")
    async with following(served.client, headers=headers) as feed:
        await raise_alert(redis_client, names, "al_nyc", office="NYC")
        los = await raise_alert(redis_client, names, "al_los", office="LOS")

        event = await feed.next_event()  # the stream is in order: NYC's came first and was left out

    assert (event.id, event.json()["alert"]["alert_id"]) == (los, "al_los")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, ["al_nyc", "al_los"], id="every-office"),
        pytest.param({"field_office": "LOS"}, ["al_los"], id="one-office"),
    ],
)
async def test_an_operator_follows_every_office_or_the_one_named(
    served: Served, redis_client: Redis, names: RedisNames, params: dict[str, str], expected: list[str]
) -> None:
    async with following(served.client, params=params, headers=as_("ops")) as feed:
        await raise_alert(redis_client, names, "al_nyc", office="NYC")
        await raise_alert(redis_client, names, "al_los", office="LOS")
        await raise_alert(redis_client, names, "al_end", office="LOS")

        received = [(await feed.next_event()).json()["alert"]["alert_id"] for _ in range(len(expected) + 1)]

    assert received == [*expected, "al_end"]


async def test_reconnecting_with_last_event_id_receives_what_was_missed_and_nothing_twice(
    served: Served, redis_client: Redis, names: RedisNames
) -> None:
    async with following(served.client) as feed:
        seen = await raise_alert(redis_client, names, "al_1")
        assert (await feed.next_event()).id == seen
    # Disconnected: these are raised while nobody follows.
    missed = [
        await raise_alert(redis_client, names, "al_2"),
        await raise_alert(redis_client, names, "al_other", office="NYC"),
        await raise_alert(redis_client, names, "al_3"),
    ]

    async with following(served.client, headers={**as_("los"), "Last-Event-ID": seen}) as feed:
        caught_up = [await feed.next_event(), await feed.next_event()]
        live = await raise_alert(redis_client, names, "al_4")
        after = await feed.next_event()

    assert [event.id for event in caught_up] == [missed[0], missed[2]]
    assert [event.json()["alert"]["alert_id"] for event in caught_up] == ["al_2", "al_3"]
    assert (after.id, after.json()["alert"]["alert_id"]) == (live, "al_4")


async def test_since_starts_the_feed_after_that_entry(served: Served, redis_client: Redis, names: RedisNames) -> None:
    first = await raise_alert(redis_client, names, "al_1")
    second = await raise_alert(redis_client, names, "al_2")

    async with following(served.client, params={"since": first}) as feed:
        event = await feed.next_event()

    assert (event.id, event.json()["alert"]["alert_id"]) == (second, "al_2")


async def test_an_idle_feed_sends_a_heartbeat_comment(live_settings: IngestSettings) -> None:
    settings = live_settings.model_copy(update={"live_heartbeat_seconds": 0.05})
    async with served_over_tcp(settings) as running, following(running.client) as feed:
        assert await feed.next_comment() == "heartbeat"


# --- who may follow -------------------------------------------------------------------------------


@pytest.fixture
async def in_process(live_settings: IngestSettings) -> AsyncIterator[httpx.AsyncClient]:
    """Refusals end the answer at once: the in-process transport reads them."""
    async with serving(live_settings) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-key"),
        pytest.param({"Authorization": "Bearer rwk_nobody_has_this_key"}, id="unknown-key"),
        pytest.param({"Cookie": f"{KEY_COOKIE}=rwk_nobody_has_this_key"}, id="unknown-cookie"),
    ],
)
async def test_following_without_a_known_key_is_a_401_problem(
    in_process: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await in_process.get(URL, headers=headers)

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_office_naming_another_office_is_a_403_problem(in_process: httpx.AsyncClient) -> None:
    response = await in_process.get(URL, params={"field_office": "NYC"}, headers=as_("los"))

    problem = assert_problem(response, 403, "forbidden")
    assert problem["errors"] == [{"pointer": "#/query/field_office", "detail": "must be LOS for this key"}]


async def test_a_source_may_not_follow_alerts(in_process: httpx.AsyncClient) -> None:
    response = await in_process.get(URL, headers=as_("jail"))

    assert_problem(response, 403, "forbidden")


async def test_a_last_event_id_that_is_not_a_stream_id_is_a_422_problem(in_process: httpx.AsyncClient) -> None:
    response = await in_process.get(URL, headers={**as_("los"), "Last-Event-ID": "<script>"})

    assert_problem(response, 422, "validation-error")


# --- ending -------------------------------------------------------------------------------------


async def until(condition: Any) -> None:
    """Wait for ``condition()`` to hold (a hang guard, not a timing)."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():  # noqa: ASYNC110 - the feed has no event to wait on; polled briefly
            await asyncio.sleep(0.01)


async def test_a_closed_page_leaves_no_subscriber_and_no_reader_behind(served: Served) -> None:
    feed: AlertFeed = served.app.state.alert_feed
    async with following(served.client):
        assert (feed.subscribers, feed.reading) == (1, True)

    await until(lambda: feed.subscribers == 0 and not feed.reading)


async def test_stopping_the_server_ends_open_feeds_cleanly(
    served: Served, redis_client: Redis, names: RedisNames
) -> None:
    feed: AlertFeed = served.app.state.alert_feed
    async with served.client.stream("GET", URL, headers=as_("los")) as response:
        reader = Feed(response.aiter_lines())
        await reader.next_comment()

        await served.stop()
        # Read to the end: a feed cut off when the grace period ran out would raise here instead.
        rest = [line async for line in reader.lines]

    assert all(not line or line.startswith(":") for line in rest)
    assert (feed.subscribers, feed.reading) == (0, False)


@pytest.mark.parametrize("resume_at", ["18446744073709551616-0", "1-18446744073709551616", "1-1-1"])
async def test_a_last_event_id_out_of_range_is_a_422_problem_not_a_feed_that_ends(
    in_process: httpx.AsyncClient, resume_at: str
) -> None:
    response = await in_process.get(URL, headers={**as_("los"), "Last-Event-ID": resume_at})

    problem = assert_problem(response, 422, "validation-error")
    assert [error["pointer"] for error in problem["errors"]] == ["#/header/last-event-id"]


async def test_a_dead_letter_replayed_for_one_channel_is_not_shown_again_on_the_live_feed(
    served: Served, redis_client: Redis, names: RedisNames
) -> None:
    """A webhook that refused a message is fixed and the operator replays it: the office page saw the alert
    when it was raised, and must not see it raised a second time."""
    original = AlertRaised(alert=alert_of("al_refused_by_webhook", "LOS"))
    dead = DeadLetter(
        stream=names.alerts_raised,
        message_id="1-1",
        group="deliveries",
        reason="the webhook refused it: 400",
        attempts=1,
        dead_lettered_at=NOW,
        fields={"__data__": original.model_dump_json(), "type": original.type, "alert_id": "al_refused_by_webhook"},
    )
    dead_id = (await redis_client.xadd(names.dead_letters, {"__data__": dead.model_dump_json()})).decode()
    async with following(served.client) as feed:
        replayed = await served.client.post(f"/v1/ops/dead-letters/{dead_id}/replay", headers=as_("ops"))
        assert replayed.status_code == 200, replayed.text
        after = await raise_alert(redis_client, names, "al_next")

        event = await feed.next_event()

    assert event.id == after  # the replayed entry was passed over
    assert event.json()["alert"]["alert_id"] == "al_next"
