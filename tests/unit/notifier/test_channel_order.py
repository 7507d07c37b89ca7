"""A batch of the alert stream delivered by a channel: one alert's messages one after the other, in stream order,
so an office hears that a release was scheduled before it hears that it was cancelled; other alerts' at once; and
only the messages the channel may deliver read in full."""

from __future__ import annotations

import asyncio
import json

import pytest

from contracts.envelope import StreamEntry
from notifier.delivery.channel import Attempt, each_alert_in_order, read_message


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


async def test_an_entry_decided_without_io_is_answered_as_decided_and_never_attempted() -> None:
    attempted: list[str] = []

    async def deliver(entry: StreamEntry) -> Attempt:
        attempted.append(entry.message_id)
        return Attempt("delivered")

    entries = [_entry("1-0", "al_a"), _entry("2-0", "al_a"), _entry("3-0", "al_b")]

    answers = await each_alert_in_order(entries, deliver, decided=[Attempt("no_webhook"), None, None])

    assert answers == [Attempt("no_webhook"), Attempt("delivered"), Attempt("delivered")]
    assert attempted == ["2-0", "3-0"]


NONE_HERE = Attempt("no_webhook")
TO_LOS = {"LOS"}.__contains__


def _message(data: object) -> StreamEntry:
    fields = {b"type": b"alert_raised", b"__data__": json.dumps(data).encode()}
    return StreamEntry("rw:{alerts}:raised", "5-0", fields)


def test_a_message_for_an_office_the_channel_does_not_deliver_to_is_not_read_in_full() -> None:
    broken = _message({"type": "alert_raised", "alert": {"field_office": "NYC", "kind": "?"}})  # its office only

    skipped = read_message(broken, delivered_before=False, group="g", delivers_to=TO_LOS, elsewhere=NONE_HERE)
    delivered = read_message(broken, delivered_before=True, group="g", delivers_to=TO_LOS, elsewhere=NONE_HERE)

    assert skipped == NONE_HERE
    assert delivered == Attempt("already_delivered")  # the outcomes before the channel's own, as for any message


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"type": "alert_raised", "alert": {"field_office": "LOS", "kind": "?"}}, id="for the office"),
        pytest.param({"type": "alert_raised", "alert": {"kind": "?"}}, id="no office to tell"),
    ],
)
def test_a_message_the_channel_may_deliver_is_read_in_full_and_an_unreadable_one_is_said_so(
    data: dict[str, object],
) -> None:
    answer = read_message(_message(data), delivered_before=False, group="g", delivers_to=TO_LOS, elsewhere=NONE_HERE)

    assert isinstance(answer, Attempt)
    assert answer.outcome == "unreadable"
    assert "alert" in answer.reason
