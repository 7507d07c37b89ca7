"""A release whose schedule a sharing policy withheld: the office hears of the release without notice, and the
alert says which rule withheld the schedule, so nobody takes it for a release the jail never scheduled (the
outcome report counts it under that rule)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from contracts import AlertKind, RedisNames
from ingest.settings import IngestSettings
from policies.enforcement import PolicyEnforcement
from tests import samples
from tests.integration.notifier.support import IngestApi, NotifierInstance, Outcome, Streams, build_ports
from tests.policy_samples import write_policies

SCHEDULES_WITHHELD = """\
policies:
  - jurisdiction: CA0194200
    name: "Release times are not shared"
    share:
      booking: true
      release_scheduled: false
      release: true
      transfer: true
"""


@pytest.fixture
def policies_file(tmp_path: Path) -> Path:
    return write_policies(tmp_path, SCHEDULES_WITHHELD)


@pytest.fixture
def ingest_settings(redis_url: str, policies_file: Path) -> IngestSettings:
    return IngestSettings(redis_url=redis_url, log_format="text", auth="off", policies_file=policies_file)


@pytest.fixture
async def notifier(redis_client: Redis, names: RedisNames, policies_file: Path) -> NotifierInstance:
    policies = PolicyEnforcement(policies_file, actor="notifier")
    policies.load()
    return await NotifierInstance.start(build_ports(redis_client, names, policies=policies))


async def test_the_released_alert_names_the_rule_that_withheld_the_schedule(
    api: httpx.AsyncClient, notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    statuses = []
    for event in (samples.booking(), samples.release_scheduled(), samples.release()):
        answer = await api.post("/v1/custody-events", json=event)
        statuses.append(answer.json()["status"])
        await notifier.catch_up(streams)

    assert statuses == ["accepted", "withheld", "accepted"]
    (released,) = [alert for alert in await outcome.alerts() if alert.kind is AlertKind.RELEASED]
    assert (released.notice_given, released.released_without_notice) == (False, True)
    assert released.schedule_withheld_by == "CA0194200 share.release_scheduled"
    assert AlertKind.RELEASE_SCHEDULED not in await outcome.alert_kinds()


async def test_without_a_policy_a_release_without_notice_names_no_rule(
    notifier: NotifierInstance, streams: Streams, ingest_api: IngestApi, outcome: Outcome
) -> None:
    await ingest_api.lodge(samples.detainer())
    await ingest_api.submit(samples.booking(facility_ori="NV0020000"), samples.release(facility_ori="NV0020000"))
    await notifier.catch_up(streams)

    (released,) = [alert for alert in await outcome.alerts() if alert.kind is AlertKind.RELEASED]
    assert released.released_without_notice is True
    assert released.schedule_withheld_by is None
