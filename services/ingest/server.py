"""The ingest app under uvicorn, ending its live feeds when the server stops."""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from ingest.live.feed import AlertFeed

__all__ = ["IngestServer"]


class IngestServer(uvicorn.Server):
    """uvicorn waits for every open response to end before it runs the app's shutdown, and a live feed
    never ends by itself: when asked to stop (SIGINT, SIGTERM), this ends the feeds first, so stopping
    does not sit out the grace period and then cut them off mid-event."""

    def __init__(self, app: FastAPI, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        feed: AlertFeed | None = getattr(self._app.state, "alert_feed", None)
        if feed is not None:
            await feed.close()
        await super().shutdown(sockets)
