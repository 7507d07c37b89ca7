"""Compare-and-set: read, decide, write only what is unchanged since it was read, and decide again for the rest.

Several writers change the same records at once (two notifiers saving one booking, a person acknowledging an
alert a reminder is being appended to). Each writer reads, decides from what it read, and asks a script to
write only if the record is still as read; a write refused because someone else wrote first is decided again
from a fresh read. ``compare_and_set`` runs those rounds for a batch of records, the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable
from typing import TypeVar

__all__ = ["COMPARE_AND_SET_ROUNDS", "ConcurrentChangeError", "compare_and_set"]

COMPARE_AND_SET_ROUNDS = 10
"""Rounds of read-decide-write before giving up. A record that changed under ten rounds in a row is contended far
beyond anything the services cause; giving up fails the request or the batch, which its caller retries."""

Key = TypeVar("Key", bound=Hashable)


class ConcurrentChangeError(RuntimeError):
    """Records kept changing between read and write for ``COMPARE_AND_SET_ROUNDS`` rounds."""


async def compare_and_set(
    keys: Iterable[Key],
    round_of: Callable[[list[Key]], Awaitable[Collection[Key]]],
    *,
    what: str,
) -> None:
    """Run ``round_of(keys still to write)`` until it has written every key, or raise ``ConcurrentChangeError``.

    A round reads the keys it is given, decides, writes each one only if it is unchanged since read, and
    returns the keys it could not write (changed meanwhile): the next round reads and decides those again.
    ``what`` names the records in the error (``"booking(s)"``)."""
    pending = list(dict.fromkeys(keys))
    for _ in range(COMPARE_AND_SET_ROUNDS):
        if not pending:
            return
        pending = list(dict.fromkeys(await round_of(pending)))
    if pending:
        raise ConcurrentChangeError(
            f"{len(pending)} {what} kept changing concurrently ({COMPARE_AND_SET_ROUNDS} rounds); try again"
        )
