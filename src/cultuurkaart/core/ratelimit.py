"""Failure-counting rate limits (login, code entry), kept in the Django cache.

A limiter counts failures per key in a fixed window; `check()` raises RateLimited
once `limit` failures were recorded, with the seconds until the window ends.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from .errors import RateLimited


class FailureLimiter:
    def __init__(self, scope: str, *, limit: int, window: int):
        self.scope = scope
        self.limit = limit
        self.window = window

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # never store raw e-mails or IPs
        return f"rl:{self.scope}:{digest}"

    def _state(self, key: str) -> tuple[int, float]:
        value = cache.get(self._key(key))
        if not value:
            return 0, time.time() + self.window
        return value

    def check(self, key: str) -> None:
        count, until = self._state(key)
        remaining = until - time.time()
        if count >= self.limit and remaining > 0:
            raise RateLimited(retry_after=int(remaining) + 1)

    def fail(self, key: str) -> None:
        count, until = self._state(key)
        if until <= time.time():
            count, until = 0, time.time() + self.window
        cache.set(self._key(key), (count + 1, until), timeout=int(until - time.time()) + 1)

    def reset(self, key: str) -> None:
        cache.delete(self._key(key))


def client_ip(request) -> str:
    # Behind the reverse proxy the proxy sets X-Forwarded-For; the last hop is the client
    # as the proxy saw it. Configure the proxy to overwrite (not append) the header.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")
