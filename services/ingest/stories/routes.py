"""`/v1/stories`: a field office's alerts, one story per detainer's subject, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from contracts import RedisNames
from contracts.fields import FieldOffice
from ingest.auth import Principal, Role, office_to_list, require_role
from ingest.dependencies import get_redis, get_settings
from ingest.listing import Paging, paging
from ingest.openapi import problem_responses
from ingest.problems import Problem
from ingest.settings import IngestSettings
from ingest.stories.repository import MAX_STORY_ALERTS, StoryReader
from ingest.stories.story import Story
from runtime import RedisClient

__all__ = ["router"]

router = APIRouter(prefix="/v1/stories", tags=["alerts"])

StoryId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class StoryPage(BaseModel):
    stories: list[Story]
    next_cursor: str | None


async def get_stories(
    redis: Annotated[RedisClient, Depends(get_redis)], settings: Annotated[IngestSettings, Depends(get_settings)]
) -> StoryReader:
    return StoryReader(redis, RedisNames(settings.key_prefix))


@router.get(
    "",
    response_model=StoryPage,
    summary="List alerts grouped by story, newest story first",
    description=(
        "A story is every alert of one detainer: its subject's time in custody, across bookings and facilities "
        "(a transfer and the booking at the new facility continue it). Each story names where the person is "
        "(the latest alert's facility and booking), a `headline` (the alert to act on first) and its alerts, "
        f"newest first (the latest {MAX_STORY_ALERTS}). Stories are ordered by their latest alert; a story that "
        "gains an alert while you page moves to the head, so it is not served again (or, if not served yet, "
        "it is there when you start again from the first page)."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_stories(
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    paging: Annotated[Paging, Depends(paging)],
    stories: Annotated[StoryReader, Depends(get_stories)],
    field_office: Annotated[FieldOffice | None, Query(description="Field office keys see their own only.")] = None,
) -> StoryPage:
    office = office_to_list(principal, field_office)
    page, next_cursor = await stories.page(field_office=office, limit=paging.limit, cursor=paging.cursor)
    return StoryPage(stories=page, next_cursor=next_cursor)


@router.get(
    "/{story_id}",
    response_model=Story,
    summary="Read one story",
    description="Every alert's `story_id` names its story. Another office's story answers 404.",
    responses=problem_responses(401, 403, 404),
)
async def get_story(
    story_id: StoryId,
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE)],
    stories: Annotated[StoryReader, Depends(get_stories)],
) -> Story:
    story = await stories.get(story_id)
    scope = principal.office_scope()
    if story is None or (scope is not None and story.field_office != scope):
        raise Problem("not-found", f"No story {story_id!r}.")
    return story
