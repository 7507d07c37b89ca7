"""What both deployables need to run: Redis connections, consumer groups, logging.

Nothing here reads the environment: each service's settings class does, and
passes values in.
"""

from runtime.groups import IdleConsumerRemover, ensure_consumer_group
from runtime.logs import configure_logging
from runtime.redis import RedisClient, as_text, connect_redis, redis_is_reachable

__all__ = [
    "IdleConsumerRemover",
    "RedisClient",
    "as_text",
    "configure_logging",
    "connect_redis",
    "ensure_consumer_group",
    "redis_is_reachable",
]
