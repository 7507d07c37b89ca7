"""Stories in Redis: read the story listings and story sets the notifier keeps with each alert."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from contracts import Alert, RedisNames
from ingest.listing import newest_first
from ingest.stories.story import Story, tell_story
from runtime import RedisClient

__all__ = ["MAX_STORY_ALERTS", "StoryReader"]

MAX_STORY_ALERTS = 200  # the latest alerts a story shows; one detainer's alerts are a handful per stay


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StoryReader:
    def __init__(self, client: RedisClient, names: RedisNames, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._client = client
        self._names = names
        self._clock = clock

    def now(self) -> datetime:
        """The time stories are told as of (the reader's clock)."""
        return self._clock()

    async def get(self, story_id: str) -> Story | None:
        stories = await self._told([story_id])
        return stories[0] if stories else None

    async def page(self, *, field_office: str | None, limit: int, cursor: str | None) -> tuple[list[Story], str | None]:
        """Stories newest first (by their latest alert), paged like every listing."""
        page = await newest_first(
            self._client, self._names.story_listing(field_office=field_office), limit=limit, cursor=cursor
        )
        return await self._told(page.ids), page.next_cursor

    async def _told(self, story_ids: list[str]) -> list[Story]:
        if not story_ids:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for story_id in story_ids:
                pipe.zrevrange(self._names.story(story_id), 0, MAX_STORY_ALERTS - 1)
            members: list[list[bytes]] = await pipe.execute()
        alert_ids = [raw.decode() for ids in members for raw in ids]
        records = await self._client.mget([self._names.alert(alert_id) for alert_id in alert_ids]) if alert_ids else []
        by_id = {
            alert.alert_id: alert
            for raw in records
            if raw is not None
            for alert in [Alert.model_validate_json(raw, extra="ignore")]
        }
        stories = []
        now = self._clock()
        for story_id, ids in zip(story_ids, members, strict=True):
            alerts = [by_id[raw.decode()] for raw in ids if raw.decode() in by_id]
            if alerts:
                stories.append(tell_story(story_id, alerts, now=now))
        return stories
