"""Consumer groups are created by us, at id 0, before anyone subscribes.

FastStream creates a missing group at ``$``, so events appended before the
first notifier ever started would be skipped; creating it at ``0`` with
MKSTREAM first means every event published is eventually read.
"""

from __future__ import annotations

from redis.exceptions import ResponseError

from runtime.redis import RedisClient

__all__ = ["ensure_consumer_group"]


async def ensure_consumer_group(client: RedisClient, stream: str, group: str) -> bool:
    """Create ``group`` on ``stream`` at id 0 (and the stream if missing).

    Returns True if this call created it, False if it already existed.
    """
    try:
        await client.xgroup_create(name=stream, groupname=group, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" in str(error):
            return False
        raise
    return True
