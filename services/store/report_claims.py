"""Which notifier sends each week's outcome report: one key per ISO week, claimed with ``SET NX``.

A notifier claims the week for a lease (``sending:<consumer>``) before it sends; once sent, the key says so
(``sent:<consumer>``) until it expires, a while after the week could be sent at all. Another notifier, or this
one after a restart, finds the key and sends nothing. A notifier that dies between its claim and its send
leaves the lease to expire, and the next to look sends it then.
"""

from __future__ import annotations

from typing import cast

from contracts import RedisNames
from runtime import RedisClient, as_text

__all__ = ["WeeklyReportClaims"]

_SENDING = "sending:"
_SENT = "sent:"


class WeeklyReportClaims:
    def __init__(self, client: RedisClient, names: RedisNames) -> None:
        self._client = client
        self._names = names

    async def claim(self, week: str, owner: str, *, lease_seconds: int) -> bool:
        """Claim ``week`` (``2026-W48``) for ``owner``; False when it was sent, or another holds its lease."""
        claimed = await self._client.set(
            self._names.weekly_report_claim(week), _SENDING + owner, nx=True, ex=lease_seconds
        )
        return bool(claimed)

    async def sent(self, week: str, owner: str, *, keep_seconds: int) -> None:
        """``owner`` sent the week's report: nobody sends it again while the key is kept."""
        await self._client.set(self._names.weekly_report_claim(week), _SENT + owner, ex=keep_seconds)

    async def state(self, week: str) -> str | None:
        """``sending:<owner>``, ``sent:<owner>``, or None when nobody claimed the week."""
        raw = cast(bytes | None, await self._client.get(self._names.weekly_report_claim(week)))
        return None if raw is None else as_text(raw)
