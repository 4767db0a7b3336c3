"""Start-up of a long-running server process (decision NS-7).

A full collection of Python's cyclic garbage collector walks every container object alive
in the process; after Django, ninja, pydantic and the URL configuration are loaded that is
about 280,000 objects, and one full pass took ≈ 170 ms on the 2-core machine. The collector
starts such a pass by itself every few hundred requests, inside whichever request happens to
allocate, which was the whole p95 tail of the marketplace search (median 119 ms, p95 420 ms;
with the start-up objects frozen: 145 ms). `settle()` loads what a request would load lazily,
collects once and freezes what is alive (`gc.freeze`, Python ≥ 3.7): those objects are never
walked again, while the garbage of requests is still collected as before. Called by the WSGI
module once per process (before gunicorn forks when it preloads, which also keeps the frozen
pages shared between workers) and by the benchmarks before they measure."""

from __future__ import annotations

import gc


def settle() -> int:
    """Import the URL configuration (every view, API router and schema), collect, freeze.
    Returns how many objects are now frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
