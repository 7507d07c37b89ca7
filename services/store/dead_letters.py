"""Dead letters: messages no consumer could process, appended with the reason (``append``), and for operators
listed, inspected, replayed once or discarded with a reason (``DeadLetterOperations``).

Each dead letter is an entry of the dead-letter stream (the ``DeadLetter`` JSON, and its source stream, id and
reason beside it for a reader of the raw stream); what operators did with each is a hash field by entry id,
claimed once by ``claim_dead_letter.lua``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel

from contracts import DeadLetter, RedisNames
from contracts.stored_fields import EntryField
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from runtime.stream_ids import exclusive_before
from store.scripts import SCRIPTS

__all__ = [
    "DeadLetterAlreadyHandledError",
    "DeadLetterNotFoundError",
    "DeadLetterOperations",
    "DeadLetterView",
    "Disposition",
    "DispositionState",
    "append_dead_letters",
]


async def append_dead_letters(client: RedisClient, names: RedisNames, letters: Sequence[DeadLetter]) -> list[str]:
    """Append each letter to the dead-letter stream (one round trip); its consumer acknowledges the message after.
    Returns the letters' entry ids there."""
    if not letters:
        return []
    async with client.pipeline(transaction=False) as pipe:
        for letter in letters:
            pipe.xadd(
                names.dead_letters,
                {
                    EntryField.DATA: letter.model_dump_json(),
                    EntryField.STREAM: letter.stream,
                    EntryField.MESSAGE_ID: letter.message_id,
                    EntryField.REASON: letter.reason,
                },
            )
        ids = await pipe.execute()
    return [entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id) for entry_id in ids]


class DispositionState(StrEnum):
    REPLAYING = "replaying"  # claimed for replay, not yet back on its stream
    REPLAYED = "replayed"
    DISCARDED = "discarded"


class Disposition(BaseModel):
    state: DispositionState
    by: str
    at: datetime
    reason: str | None = None
    replayed_as: str | None = None  # the id of the entry the replay appended


class DeadLetterView(BaseModel):
    id: str  # the entry's id in the dead-letter stream
    dead_letter: DeadLetter
    disposition: Disposition | None = None


class DeadLetterNotFoundError(LookupError):
    pass


class DeadLetterAlreadyHandledError(Exception):
    def __init__(self, disposition: Disposition) -> None:
        super().__init__(f"already {disposition.state.value} by {disposition.by}")
        self.disposition = disposition


class DeadLetterOperations:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Clock = utc_now) -> None:
        self._client = client
        self._names = names
        self._clock = clock
        self._claim = SCRIPTS.on(client, "claim_dead_letter")
        # Only the streams our consumers read can take a replay: a dead letter's fields are data, not orders.
        # The alert stream's readers are the channels (webhooks, e-mail): a replay there is one more delivery
        # attempt, by the channel that failed it alone.
        self._replayable = {names.custody_events, names.detainer_changes, names.alert_reviews, names.alerts_raised}

    async def newest(self, *, limit: int, before: str | None, open_only: bool) -> list[DeadLetterView]:
        views: list[DeadLetterView] = []
        upper = exclusive_before(before) if before else "+"
        if upper is None:
            return []  # nothing is older than the first possible id
        while len(views) < limit:
            entries = cast(
                list[tuple[bytes, dict[bytes, bytes]]],
                await self._client.xrevrange(self._names.dead_letters, max=upper, min="-", count=limit),
            )
            if not entries:
                break
            page = await self._views(entries)
            views += [view for view in page if not (open_only and view.disposition is not None)]
            upper = f"({entries[-1][0].decode()}"
        return views[:limit]

    async def get(self, entry_id: str) -> DeadLetterView:
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self._client.xrange(self._names.dead_letters, min=entry_id, max=entry_id),
        )
        if not entries:
            raise DeadLetterNotFoundError(entry_id)
        (view,) = await self._views(entries)
        return view

    async def _views(self, entries: Sequence[tuple[bytes, dict[bytes, bytes]]]) -> list[DeadLetterView]:
        ids = [entry_id.decode() for entry_id, _ in entries]
        dispositions = cast(list[bytes | None], await self._client.hmget(self._names.dead_letter_dispositions, ids))
        return [
            DeadLetterView(
                id=entry_id,
                dead_letter=DeadLetter.model_validate_json(fields[EntryField.DATA.encode()], extra="ignore"),
                disposition=Disposition.model_validate_json(raw) if raw is not None else None,
            )
            for entry_id, (_, fields), raw in zip(ids, entries, dispositions, strict=True)
        ]

    async def _claim_for(self, entry_id: str, disposition: Disposition, *, force: bool) -> None:
        outcome = cast(
            list[Any],
            await self._claim(
                keys=[self._names.dead_letter_dispositions, self._names.dead_letters],
                args=[entry_id, disposition.model_dump_json(exclude_none=True), "1" if force else "0"],
            ),
        )
        if outcome[0] == -1:
            raise DeadLetterNotFoundError(entry_id)
        if outcome[0] == 0:
            raise DeadLetterAlreadyHandledError(Disposition.model_validate_json(outcome[1]))

    async def replay(self, entry_id: str, *, actor: str, force: bool = False) -> DeadLetterView:
        """Put the message back on its stream, once; ``force`` finishes a replay that was interrupted."""
        view = await self.get(entry_id)
        if view.dead_letter.stream not in self._replayable:
            raise ValueError(f"{view.dead_letter.stream} is not a stream releasewatch consumes")
        await self._claim_for(
            entry_id, Disposition(state=DispositionState.REPLAYING, by=actor, at=self._clock()), force=force
        )
        fields = dict(view.dead_letter.fields)
        if view.dead_letter.stream == self._names.alerts_raised:
            # Every channel reads the alert stream: the replay is for the one that failed it, not again for all.
            fields[EntryField.FOR_GROUP] = view.dead_letter.group
        new_id = await self._client.xadd(view.dead_letter.stream, fields)  # type: ignore[arg-type]
        done = Disposition(
            state=DispositionState.REPLAYED,
            by=actor,
            at=self._clock(),
            replayed_as=new_id.decode() if isinstance(new_id, bytes) else str(new_id),
        )
        await self._client.hset(self._names.dead_letter_dispositions, entry_id, done.model_dump_json(exclude_none=True))
        return view.model_copy(update={"disposition": done})

    async def discard(self, entry_id: str, *, actor: str, reason: str) -> DeadLetterView:
        view = await self.get(entry_id)
        done = Disposition(state=DispositionState.DISCARDED, by=actor, at=self._clock(), reason=reason)
        await self._claim_for(entry_id, done, force=False)
        return view.model_copy(update={"disposition": done})

    async def handled_count(self) -> int:
        """How many dead letters an operator replayed or discarded (or is replaying)."""
        return int(await self._client.hlen(self._names.dead_letter_dispositions))
