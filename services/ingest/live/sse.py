"""Server-sent events as text (https://html.spec.whatwg.org/multipage/server-sent-events.html)."""

from __future__ import annotations

__all__ = ["sse_comment", "sse_event", "sse_retry"]


def sse_event(*, event_id: str, event: str, data: str) -> str:
    """One event; every line of ``data`` gets its own ``data:`` field, so a newline cannot end it early."""
    lines = [f"id: {event_id}", f"event: {event}", *(f"data: {line}" for line in data.splitlines() or [""])]
    return "\n".join(lines) + "\n\n"


def sse_comment(text: str) -> str:
    """A comment line: clients ignore it; proxies see traffic and keep the connection open."""
    return f": {text}\n\n"


def sse_retry(milliseconds: int) -> str:
    """How long a browser waits before reconnecting after the connection drops."""
    return f"retry: {milliseconds}\n\n"
