"""Counting a feed's quality at intake, per facility and day (UTC): events refused (422), and events accepted
long after they happened (``RW_LATE_EVENT_HOURS``). The outcome report reads the counts (``store.feed_days``).

A refused event counts for the facility it names, when its ``facility_ori`` can be read and the caller may
submit for that facility (so nobody inflates another facility's refusals); one too broken to name its
facility counts nowhere. A retry answered as a replay is not counted again.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from contracts import CustodyEvent
from contracts.fields import Ori
from ingest.auth import Principal
from store.feed_days import FeedDays

__all__ = ["IntakeTally"]

log = logging.getLogger(__name__)

_ori: TypeAdapter[str] = TypeAdapter(Ori)


def facility_named_by(raw: bytes) -> str | None:
    """The valid ORI a refused body names as its ``facility_ori``, if any."""
    try:
        document = json.loads(raw)
        named = document.get("facility_ori") if isinstance(document, dict) else None
        return _ori.validate_python(named) if isinstance(named, str) else None
    except (ValueError, ValidationError, RecursionError):  # (nested past what json.loads reads)
        return None


class IntakeTally:
    def __init__(self, principal: Principal, *, now: datetime, late_after: timedelta) -> None:
        self._principal = principal
        self._now = now
        self._late_before = now - late_after
        self.rejected: Counter[str] = Counter()
        self.late: Counter[str] = Counter()

    def refused(self, raw: bytes) -> None:
        ori = facility_named_by(raw)
        if ori is not None and self._principal.may_submit_for(ori):
            self.rejected[ori] += 1

    def accepted(self, event: CustodyEvent) -> None:
        if event.occurred_at < self._late_before:
            self.late[event.facility_ori] += 1

    async def keep(self, days: FeedDays) -> None:
        """Add the counts; a failure to count loses the counts, never the events (already accepted)."""
        try:
            await days.count(self._now.date(), rejected=self.rejected, late=self.late)
        except RedisError as error:
            log.warning("feed quality not counted", extra={"error": type(error).__name__})
