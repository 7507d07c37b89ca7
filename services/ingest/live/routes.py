"""`GET /v1/alerts/live`: the caller's office's alert messages as server-sent events, as they happen."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from redis.exceptions import RedisError

from contracts.fields import FieldOffice
from ingest.auth import Principal, Role, office_to_list, require_role
from ingest.dependencies import get_settings
from ingest.live.feed import AlertFeed
from ingest.live.sse import sse_comment, sse_event, sse_retry
from ingest.metrics import LIVE_FEEDS_OPEN, LIVE_MESSAGES_SENT
from ingest.openapi import problem_responses
from ingest.settings import IngestSettings
from ingest.stream_ids import StreamId

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

_RECONNECT_MS = 3000  # how long a browser waits before it reconnects (with Last-Event-ID)

DESCRIPTION = """\
Server-sent events (`text/event-stream`): every message on the alert stream for the caller's office
(a field office key: its own; an operator: every office, or the one named by `field_office`), as it
happens. Each event has

- `id:` the alert stream entry id (the same `X-Releasewatch-Delivery` the webhooks carry),
- `event:` the message type: `alert_raised`, `alert_reminded`, `alert_escalated`, `alert_updated` (a release
  schedule closed because its release time stopped standing, or an alert closed because the facility corrected
  the person booked to someone else: `change` says how), or a person's step on an
  alert: `alert_acknowledged`, `alert_resolved`, `alert_reviewed` (these on the live feed only),
- `data:` the message JSON (`type`, the whole `alert` as it is now, and `lead_seconds`, `level` or `change`).

It starts with what arrives after the request (or after `since`, an entry id). A browser that
reconnects sends `Last-Event-ID` by itself and receives what it missed, as long as the stream still
holds it, and nothing twice. A comment line (`: heartbeat`) is sent when nothing else was for
`RW_LIVE_HEARTBEAT_SECONDS`. Browsers' `EventSource` cannot send headers: the office page signs in
with a cookie, which this endpoint takes too.
"""


async def get_alert_feed(request: Request) -> AlertFeed:
    return cast(AlertFeed, request.app.state.alert_feed)


@router.get(
    "/live",
    summary="Follow alerts live (server-sent events)",
    description=DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless stream of server-sent events.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422),
    },
)
async def live_alerts(
    principal: Annotated[Principal, require_role(Role.FIELD_OFFICE, browser=True)],
    feed: Annotated[AlertFeed, Depends(get_alert_feed)],
    settings: Annotated[IngestSettings, Depends(get_settings)],
    field_office: Annotated[FieldOffice | None, Query(description="Field office keys see their own only.")] = None,
    since: Annotated[StreamId | None, Query(description="Start after this alert stream entry id, not now.")] = None,
    last_event_id: Annotated[
        StreamId | None,
        Header(description="Sent by a reconnecting browser: start after it (wins over `since`)."),
    ] = None,
) -> StreamingResponse:
    office = office_to_list(principal, field_office)
    after = last_event_id or since or await feed.tail_id()
    log.info("live feed opened", extra={"field_office": office or "*", "resumed": last_event_id is not None})
    return StreamingResponse(
        _events(feed, after=after, field_office=office, heartbeat_seconds=settings.live_heartbeat_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},  # and no buffering in nginx
    )


async def _events(
    feed: AlertFeed, *, after: str, field_office: str | None, heartbeat_seconds: float
) -> AsyncIterator[str]:
    LIVE_FEEDS_OPEN.inc()
    try:
        async with feed.subscribe(after=after, field_office=field_office) as subscription:
            yield sse_retry(_RECONNECT_MS) + sse_comment(f"alerts after {after}")
            while (messages := await subscription.next_messages(wait_seconds=heartbeat_seconds)) is not None:
                if not messages:
                    yield sse_comment("heartbeat")
                    continue
                for message in messages:
                    LIVE_MESSAGES_SENT.labels(type=message.type).inc()
                yield "".join(
                    sse_event(event_id=message.stream_id, event=message.type, data=message.data) for message in messages
                )
    except (RedisError, OSError) as error:
        # The browser reconnects with Last-Event-ID and misses nothing the stream still holds.
        log.warning("live feed ended: Redis failed", extra={"error": type(error).__name__})
    finally:
        LIVE_FEEDS_OPEN.dec()
