"""Reads from a PostgreSQL streaming replica, for the views that ask for it (issue 14 point 5,
decision NS-6).

Off by default. With `DATABASE_REPLICA_URL` set, the settings add a `replica` database and
this router; a view marked `@reads_from_replica` (read-heavy reports and exports that decide
nothing about money or access) then sends its reads there. Everything else, including every
read inside a transaction and every write, goes to the primary: a replica lags behind, so a
page that decides something (an approval's balance, a permission, a status transition) must
never read it.

The routing is per request, by a context variable: `reads_from_replica` sets it for the view
only; the middleware's session, user and permission reads run before and go to the primary.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("ck_replica", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """`db_for_read`: the replica inside `reads_from_replica`, when configured and no
    transaction is open on the primary; otherwise no opinion (the primary)."""

    def db_for_read(self, model, **hints):
        if not _wanted.get() or not configured():
            return None
        if connections["default"].in_atomic_block:
            return None  # a transaction reads what it wrote: the primary
        return REPLICA

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # the replica follows the primary's WAL


def reads_from_replica(view: Callable) -> Callable:
    """Mark a read-only view (a report, an export) whose reads may come from the replica."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _wanted.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _wanted.reset(token)

    wrapper.reads_from_replica = True  # copied onto the outer decorators by functools.wraps
    return wrapper
