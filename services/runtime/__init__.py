"""What both deployables need to run: Redis connections and scripts, the clock, compare-and-set, logging.

Nothing here reads the environment: each service's settings class does, and
passes values in.
"""

from runtime.logs import configure_logging
from runtime.redis import RedisClient, as_text, connect_redis, redis_is_reachable

__all__ = [
    "RedisClient",
    "as_text",
    "configure_logging",
    "connect_redis",
    "redis_is_reachable",
]
