"""A batch of the alert stream delivered by a channel: one alert's messages one after the other, in stream order,
so an office hears that a release was scheduled before it hears that it was cancelled; other alerts' at once."""

from __future__ import annotations

import asyncio

from contracts.envelope import StreamEntry
from notifier.delivery.channel import Attempt, each_alert_in_order


def _entry(message_id: str, alert_id: str | None) -> StreamEntry:
    fields = {b"type": b"alert_raised"} | ({b"alert_id": alert_id.encode()} if alert_id else {})
    return StreamEntry("rw:{alerts}:raised", message_id, fields)


async def test_one_alert_s_messages_go_out_in_stream_order_even_when_the_first_is_slower() -> None:
    sent: list[str] = []

    async def deliver(entry: StreamEntry) -> Attempt:
        await asyncio.sleep(0.02 if entry.message_id == "1-0" else 0)  # the first message takes longer
        sent.append(entry.message_id)
        return Attempt("delivered")

    entries = [_entry("1-0", "al_a"), _entry("2-0", "al_a"), _entry("3-0", "al_b")]

    answers = await each_alert_in_order(entries, deliver)

    assert [answer.outcome for answer in answers if isinstance(answer, Attempt)] == ["delivered"] * 3
    assert sent.index("1-0") < sent.index("2-0")
    assert sent[0] == "3-0"  # another alert's message did not wait for al_a's


async def test_a_failed_attempt_answers_its_error_in_its_place_and_the_next_message_still_goes() -> None:
    async def deliver(entry: StreamEntry) -> Attempt:
        if entry.message_id == "1-0":
            raise ConnectionError("the receiver went away")
        return Attempt("delivered")

    answers = await each_alert_in_order([_entry("1-0", "al_a"), _entry("2-0", "al_a"), _entry("3-0", None)], deliver)

    assert isinstance(answers[0], ConnectionError)
    assert answers[1:] == [Attempt("delivered"), Attempt("delivered")]
