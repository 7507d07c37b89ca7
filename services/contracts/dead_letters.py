"""Dead letters: messages no consumer could process, kept with the reason."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.base import WireModel

__all__ = ["DeadLetter"]


class DeadLetter(WireModel):
    """One message moved off its stream, with everything needed to replay it."""

    type: Literal["dead_letter"] = "dead_letter"
    stream: str = Field(description="The stream the message was read from.")
    message_id: str = Field(description="Its id in that stream.")
    group: str
    reason: str = Field(description="Why it could not be processed (no personal data).")
    attempts: int = Field(description="Deliveries so far, from the pending entries list.")
    dead_lettered_at: datetime
    fields: dict[str, str] = Field(
        description="The message's fields as read; bytes that are not UTF-8 are kept as \\x escapes."
    )
