"""Django's Redis cache, made to degrade instead of failing the request.

Everything the site caches (whole public pages, map data, rate-limit
counters, used form stamps) can be recomputed or done without: with Redis
down, a page is built from the database, a rate limit is not checked, and a
form stamp is not remembered. Django's RedisCache raises redis' errors into
the view instead (a 500 on every cached page); this subclass turns them into
a miss and a warning in the log (at most one every LOG_EVERY_SECONDS per
process, so an outage does not bury the log). django-redis has the same
switch (IGNORE_EXCEPTIONS), but would replace the backend, its client and
its serialisation for one try/except.

/healthz still reports the outage: its write-then-read check sees a miss.
"""

import logging
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 10
_last_logged = 0.0


def _degrading(on_error):
    def decorator(method):
        @wraps(method)
        def wrapped(self, *args, **kwargs):
            global _last_logged
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as e:
                now = time.monotonic()
                if now - _last_logged >= LOG_EVERY_SECONDS:
                    _last_logged = now
                    logger.warning(
                        "cache unavailable, going on without it (%s in %s): %s",
                        type(e).__name__,
                        method.__name__,
                        e,
                    )
                return on_error(*args, **kwargs)

        return wrapped

    return decorator


def _default(key, default=None, *args, **kwargs):
    return default


class DegradingRedisCache(RedisCache):
    get = _degrading(_default)(RedisCache.get)
    get_many = _degrading(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _degrading(lambda *a, **k: False)(RedisCache.has_key)
    # Nothing was stored: add() says so, as it would for a present key.
    add = _degrading(lambda *a, **k: False)(RedisCache.add)
    set = _degrading(lambda *a, **k: None)(RedisCache.set)
    set_many = _degrading(lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _degrading(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrading(lambda *a, **k: False)(RedisCache.delete)
    delete_many = _degrading(lambda *a, **k: None)(RedisCache.delete_many)
    # A counter that cannot be read counts this one call: limits fail open.
    incr = _degrading(lambda key, delta=1, *a, **k: delta)(RedisCache.incr)
    clear = _degrading(lambda *a, **k: False)(RedisCache.clear)
