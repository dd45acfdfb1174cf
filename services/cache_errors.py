"""What an unreachable Redis raises through Django's cache: the client's connection and timeout errors, or
the socket's own. The shared caches (config.cache) and the rate limits catch these to fall back."""

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
