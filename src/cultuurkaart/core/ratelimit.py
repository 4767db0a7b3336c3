"""Failure-counting rate limits (login, code entry), kept in the Django cache.

A limiter counts failures per key in a fixed window; `check()` raises RateLimited
once `limit` failures were recorded, with the seconds until the window ends.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .errors import RateLimited

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FailureLimiter:
    """Counts with atomic cache operations (`add`, `incr`), so several web processes
    sharing one cache (Redis in production) count together: a failure on one process counts
    on every other (issue 14 point 5; `.ci/multiprocess.sh`). The window starts at the first
    failure and its end is stored next to the count."""

    def __init__(self, scope: str, *, limit: int, window: int):
        self.scope = scope
        self.limit = limit
        self.window = window

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # never store raw e-mails or IPs
        base = f"rl:{self.scope}:{digest}"
        return f"{base}:n", f"{base}:until"

    def check(self, key: str) -> None:
        count_key, until_key = self._keys(key)
        values = cache.get_many([count_key, until_key])
        until = values.get(until_key)
        if until is None:
            return
        remaining = until - time.time()
        if values.get(count_key, 0) >= self.limit and remaining > 0:
            raise RateLimited(retry_after=int(remaining) + 1)

    def fail(self, key: str) -> None:
        count_key, until_key = self._keys(key)
        timeout = self.window + 1
        cache.add(until_key, time.time() + self.window, timeout=timeout)  # only the first
        cache.add(count_key, 0, timeout=timeout)
        try:
            cache.incr(count_key)
        except ValueError:  # expired between the add and the incr: a new window
            cache.add(until_key, time.time() + self.window, timeout=timeout)
            cache.add(count_key, 1, timeout=timeout)

    def reset(self, key: str) -> None:
        cache.delete_many(self._keys(key))


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"CK_TRUSTED_PROXIES: {entry!r} is not an IP address or network."
            ) from exc
    return tuple(networks)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "CK_TRUSTED_PROXIES", ()) or ()))


def _ip(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client address rate limits count by.

    The socket address (REMOTE_ADDR), unless it is a trusted proxy (CK_TRUSTED_PROXIES):
    then X-Forwarded-For is read from the right, skipping further trusted proxies, and the
    first address not trusted is the client. Anyone can send the header, so it is never
    believed from a client that is not a configured proxy.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    networks = trusted_proxy_networks()
    if not networks:
        return remote

    def trusted(address: IPAddress | None) -> bool:
        return address is not None and any(address in net for net in networks)

    if not trusted(_ip(remote)):
        return remote
    client = remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:  # garbage: stop at the last address a trusted proxy vouched for
            break
        client = str(address)
        if not trusted(address):
            break
    return client
