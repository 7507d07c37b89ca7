"""What a channel counts of a batch: each entry once, by its message type and its outcome, whatever the batch
mixes (delivered, skipped, unreadable; a message type channels do not deliver counted as ``other``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import pytest
from prometheus_client import CollectorRegistry, Counter

from contracts.envelope import StreamEntry
from notifier.consuming.dead_letters import DeadLetterWriter
from notifier.delivery.channel import Attempt, ChannelQueue
from notifier.delivery.retry_later import RetryPolicy


class _DeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[StreamEntry, str]] = []

    async def send(self, group: str, failed: Sequence[tuple[StreamEntry, str]], **_: Any) -> None:
        self.sent += failed


def _entry(message_id: str, message_type: str) -> StreamEntry:
    return StreamEntry("rw:{alerts}:raised", message_id, {b"type": message_type.encode(), b"alert_id": b"al_a"})


def _queue(deliveries: Counter, dead_letters: _DeadLetters) -> ChannelQueue:
    return ChannelQueue(
        client=cast(Any, None),  # no retry in these batches: nothing is read from Redis
        dead_letters=cast(DeadLetterWriter, dead_letters),
        group="deliveries",
        consumer="c1",
        policy=RetryPolicy(max_attempts=3, backoff_base_seconds=1, backoff_cap_seconds=60),
        channel="webhook",
        deliveries=deliveries,
    )


def _counts(deliveries: Counter) -> dict[tuple[str, str], float]:
    return {
        (sample.labels["type"], sample.labels["outcome"]): sample.value
        for metric in deliveries.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }


async def test_each_entry_is_counted_once_by_its_type_and_outcome() -> None:
    deliveries = Counter("deliveries", "test", ["type", "outcome"], registry=CollectorRegistry())
    dead_letters = _DeadLetters()
    entries = [
        _entry("1-0", "alert_raised"),
        _entry("2-0", "alert_raised"),
        _entry("3-0", "alert_updated"),
        _entry("4-0", "alert_raised"),
        _entry("5-0", "alert_acknowledged"),  # not for channels: counted as "other"
        _entry("6-0", "alert_raised"),
    ]
    answers = [
        Attempt("delivered"),
        Attempt("delivered"),
        Attempt("delivered"),
        Attempt("no_webhook"),
        Attempt("not_for_channels"),
        Attempt("unreadable", "not JSON"),
    ]

    report = await _queue(deliveries, dead_letters).settle(entries, answers)

    assert _counts(deliveries) == {
        ("alert_raised", "delivered"): 2,
        ("alert_updated", "delivered"): 1,
        ("alert_raised", "no_webhook"): 1,
        ("other", "not_for_channels"): 1,
        ("alert_raised", "unreadable"): 1,
    }
    assert (report.delivered, report.skipped, report.dead_lettered) == (3, 2, 1)
    assert [entry.message_id for entry, _ in dead_letters.sent] == ["6-0"]


async def test_what_came_before_an_answer_that_is_no_exception_is_counted_as_it_raises() -> None:
    deliveries = Counter("deliveries", "test", ["type", "outcome"], registry=CollectorRegistry())
    entries = [_entry("1-0", "alert_raised"), _entry("2-0", "alert_raised"), _entry("3-0", "alert_raised")]
    answers = [Attempt("delivered"), asyncio.CancelledError(), Attempt("delivered")]

    with pytest.raises(asyncio.CancelledError):
        await _queue(deliveries, _DeadLetters()).settle(entries, answers)

    assert _counts(deliveries) == {("alert_raised", "delivered"): 1}
