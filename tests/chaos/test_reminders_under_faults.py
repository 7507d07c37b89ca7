"""Reminders survive a notifier killed between two of them, and two notifiers send each one once.

Real processes (``redis-server``, ``python -m ingest``, ``python -m notifier``) with lead times of
seconds, as a demo would run them: a release is scheduled 18 s ahead with reminders 14 s, 8 s and
3 s before it. The notifier that sent the first reminder is killed with SIGKILL; two others start
in its place and race for every later reminder. The duty officer must read each reminder exactly
once, in order, and nothing after the release. Times are only margins for a loaded machine; nothing
asserts how long anything took.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.chaos.harness import Stack, wait_for

from tests import samples

pytestmark = pytest.mark.chaos

LEADS = "14s,8s,3s"
RELEASE_IN = timedelta(seconds=18)
REMINDERS = ["14s before release", "8s before release", "3s before release"]


def reminded(api: httpx.Client, alert_id: str) -> list[str]:
    alert: dict[str, Any] = api.get(f"/v1/alerts/{alert_id}").json()
    return [step["detail"] for step in alert["timeline"] if step["what"] == "reminded"]


def release_scheduled_alert(api: httpx.Client) -> str | None:
    alerts = api.get("/v1/alerts", params={"field_office": "LOS"}).json()["alerts"]
    found = [alert["alert_id"] for alert in alerts if alert["kind"] == "release_scheduled"]
    return found[0] if found else None


def test_a_notifier_killed_between_two_reminders_loses_none_and_two_successors_repeat_none(
    tmp_path: Path,
) -> None:
    with Stack(tmp_path) as stack:
        stack.start_redis()
        settings = {"RW_REMINDER_LEADS": LEADS, "RW_SCHEDULER_TICK_SECONDS": "0.2", "RW_ESCALATION_LEVELS": "0"}
        ingest, first = stack.ingest(), stack.notifier("first", **settings)
        stack.start(ingest, first)
        # One client for the polling (every 0.1 s): httpx.get builds one a call, tens of ms of CPU each.
        with httpx.Client(base_url=ingest.base_url, timeout=5) as api:
            now = datetime.now(UTC)
            release_at = now + RELEASE_IN
            assert api.post("/v1/detainers", json=samples.detainer()).status_code == 201
            for event in (
                samples.booking(occurred_at=(now - timedelta(hours=1)).isoformat()),
                samples.release_scheduled(occurred_at=now.isoformat(), scheduled_release_at=release_at.isoformat()),
            ):
                assert api.post("/v1/custody-events", json=event).status_code == 202

            wait_for(lambda: release_scheduled_alert(api) is not None, timeout=20, what="the release_scheduled alert")
            alert_id = release_scheduled_alert(api)
            assert alert_id is not None
            wait_for(lambda: reminded(api, alert_id) == REMINDERS[:1], timeout=20, what="the first reminder")

            first.kill()
            successors = [stack.notifier(name, **settings) for name in ("second", "third")]
            stack.start(*successors)
            remaining = (release_at - datetime.now(UTC)).total_seconds()
            wait_for(lambda: len(reminded(api, alert_id)) >= len(REMINDERS), timeout=max(remaining, 0) + 20)
            time.sleep(max((release_at - datetime.now(UTC)).total_seconds(), 0) + 2)  # past the release

            assert reminded(api, alert_id) == REMINDERS
            notices = [
                fields[b"type"] for _, fields in stack.client.xrange(stack.names.alerts_raised) if b"type" in fields
            ]
            assert notices.count(b"alert_reminded") == len(REMINDERS)
