"""A batch reaches its handler as the raw entries read, however many, and FastStream parses none of them."""

from __future__ import annotations

from typing import Any

from faststream.redis.message import BatchStreamMessage
from faststream.redis.parser import RedisBatchStreamParser
from faststream.redis.parser.binary import BinaryMessageFormatV1

from contracts.envelope import StreamEntry
from notifier.consuming.raw_entries import decode_raw_entries, keep_raw_entries


class _Config:
    message_format = BinaryMessageFormatV1  # the broker's default, as the notifier's broker has it


async def test_every_raw_entry_reaches_the_handler_and_faststream_parses_one_placeholder() -> None:
    entries = [{b"__data__": f'{{"n": {n}}}'.encode(), b"type": b"booking"} for n in range(500)]
    entries[7] = {b"foo": b"\xff not ours"}  # written by something else: still handed over as it is
    raw: BatchStreamMessage = {
        "type": "bstream",
        "channel": "rw:custody-events",
        "data": entries,
        "message_ids": [f"{n + 1}-0".encode() for n in range(500)],
    }
    parser = RedisBatchStreamParser(_Config())  # type: ignore[arg-type]
    parsed_sizes: list[int] = []

    async def original(message: BatchStreamMessage) -> Any:
        parsed_sizes.append(len(message["data"]))
        return await parser.parse_message(message)

    message = await keep_raw_entries(raw, original)
    handed = await decode_raw_entries(message)

    assert handed == [StreamEntry("rw:custody-events", f"{n + 1}-0", entries[n]) for n in range(500)]
    assert parsed_sizes == [1]
