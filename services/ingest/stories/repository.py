"""Stories as the office reads them: the story listings and story sets the notifier keeps with each alert
(``store.alerts``), told as one row per person (``ingest.stories.story``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts import RedisNames
from ingest.listing import cursor_after, position_of
from ingest.stories.story import Story, tell_story
from runtime import RedisClient
from runtime.clock import Clock, utc_now
from store.alerts import AlertStore

__all__ = ["MAX_STORY_ALERTS", "StoryReader"]

MAX_STORY_ALERTS = 200  # the latest alerts a story shows; one detainer's alerts are a handful per stay


class StoryReader:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Clock = utc_now) -> None:
        self._alerts = AlertStore(client, names)
        self._clock = clock

    def now(self) -> datetime:
        """The time stories are told as of (the reader's clock)."""
        return self._clock()

    async def get(self, story_id: str) -> Story | None:
        stories = await self._told([story_id])
        return stories[0] if stories else None

    async def page(self, *, field_office: str | None, limit: int, cursor: str | None) -> tuple[list[Story], str | None]:
        """Stories newest first (by their latest alert), paged like every listing."""
        page = await self._alerts.story_page(field_office=field_office, limit=limit, after=position_of(cursor))
        return await self._told(page.ids), cursor_after(page)

    async def _told(self, story_ids: Sequence[str]) -> list[Story]:
        alerts = await self._alerts.story_alerts(story_ids, latest=MAX_STORY_ALERTS)
        now = self._clock()
        return [tell_story(story_id, alerts[story_id], now=now) for story_id in story_ids if story_id in alerts]
