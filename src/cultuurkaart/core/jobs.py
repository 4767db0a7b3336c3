"""Scheduled jobs that also run on demand (API.md "Jobs"); docs/jobs.md.

A job is a function `(params: dict) -> dict` registered with `@job("name")` in an app's
`jobs.py`; it reads the time from `core.clock` (so `--now` / `X-Clock` apply) and must
be idempotent. Every entry point calls `run()`: the Celery task `cultuurkaart.run_job`
(beat, and the back office's "run now" through `core.dispatch`), `manage.py run_job` and
`POST /api/v1/admin/jobs/{name}`. `run()` wraps every registered job the same way:

- a lock per job name that holds across processes and machines, so one job never runs
  twice at once: a PostgreSQL session advisory lock (released by the server when the
  process dies), on SQLite (the embedded default, one machine) an exclusive `flock` on a
  file named after the database. A second run waits (`wait=True`: command, API, up to
  `CK_JOB_LOCK_WAIT_SECONDS`) or skips (`wait=False`: beat); a skipped run is recorded
  and raises `JobRunning` (409 `job-running`);
- a `JobRun` row per run (name, parameters, trigger, start, end, status, a summary of
  the result with counts, the error's type and place; never personal data).

Retries with backoff on transient errors (`TRANSIENT_ERRORS`) are the Celery task's
(core/tasks.py); a `DomainError` is never retried.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from kombu.exceptions import OperationalError as BrokerError

from . import clock
from .errors import Conflict, DomainError, NotFound

logger = logging.getLogger(__name__)

JobFunc = Callable[[dict[str, Any]], dict[str, Any]]
_registry: dict[str, JobFunc] = {}
_discovered = False

# Errors worth another attempt: the database or the broker was away for a moment (a
# failover, a dropped connection, SQLite's "database is locked", a lock timeout).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, BrokerError)
MAX_RETRIES = 5


def backoff(retries: int) -> int:
    """Seconds before attempt `retries + 2`: 30 s, 60 s, 120 s, ... at most 30 minutes."""
    return min(30 * 2**retries, 1800)


class JobRunning(Conflict):
    type = "job-running"
    title = "The job is running already"


def job(name: str) -> Callable[[JobFunc], JobFunc]:
    def register(func: JobFunc) -> JobFunc:
        _registry[name] = func
        return func

    return register


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("cultuurkaart."):
            try:
                importlib.import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise
    _discovered = True


def names() -> list[str]:
    _discover()
    return sorted(_registry)


def run(
    name: str,
    params: dict[str, Any] | None = None,
    *,
    trigger: str = "command",
    actor=None,
    wait: bool = True,
    attempt: int = 1,
) -> dict[str, Any]:
    """Run the job `name` under its lock and record the run (see the module text)."""
    from .models import JobStatus

    _discover()
    func = _registry.get(name)
    if func is None:
        raise NotFound(f"No job named {name}.", type="unknown-job")
    params = dict(params or {})
    record = {"name": name, "params": _summary(params), "trigger": trigger, "attempt": attempt}
    actor_id = getattr(actor, "pk", actor)
    with lock(name, wait=wait) as acquired:
        if not acquired:
            _write(None, **record, actor_id=actor_id, status=JobStatus.SKIPPED, finish=True)
            raise JobRunning(f"The job {name} is running already; this run was skipped.")
        _close_interrupted(name)
        row = _write(None, **record, actor_id=actor_id, status=JobStatus.RUNNING)
        try:
            result = func(params)
        except BaseException as exc:
            _write(row, status=JobStatus.FAILED, error=error_text(exc), finish=True)
            raise
        _write(row, status=JobStatus.OK, result=_summary(result), finish=True)
        return result


# --- the run record --------------------------------------------------------------------


def _write(row, *, finish: bool = False, actor_id=None, **fields):
    """Insert (row None) or update a JobRun; a failure to write it is logged, never raised,
    so it does not hide the job's own outcome."""
    from .models import JobRun

    try:
        with transaction.atomic():
            if finish:
                fields["finished_at"] = clock.wall_now()
            if row is None:
                return JobRun.objects.create(
                    started_at=clock.wall_now(), as_of=clock.now(), actor_id=actor_id, **fields
                )
            JobRun.objects.filter(pk=row.pk).update(**fields)
            return row
    except DatabaseError as exc:
        logger.error("job run of %s not recorded: %s", fields.get("name", "?"), type(exc).__name__)
        return row


def _close_interrupted(name: str) -> None:
    """Rows still `running` while we hold the lock belong to a process that died."""
    from .models import JobRun, JobStatus

    with contextlib.suppress(DatabaseError), transaction.atomic():
        JobRun.objects.filter(name=name, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, error="interrupted", finished_at=clock.wall_now()
        )


def error_text(exc: BaseException) -> str:
    """The error's type (and stable `type` for a domain error) and where it was raised:
    messages can hold names and addresses, so they are not kept."""
    if isinstance(exc, DomainError):
        return f"{type(exc).__name__} ({exc.type})"
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = ""
    if frame is not None:
        path = Path(frame.tb_frame.f_code.co_filename)
        with contextlib.suppress(ValueError):
            path = path.relative_to(settings.BASE_DIR)
        where = f" at {path}:{frame.tb_lineno}"
    return f"{type(exc).__name__}{where}"[:300]


def _summary(value: Any, depth: int = 0) -> Any:
    """Counts, not contents: lists become their length, short scalars stay."""
    if isinstance(value, dict):
        if depth >= 2:
            return len(value)
        return {str(k)[:60]: _summary(v, depth + 1) for k, v in list(value.items())[:30]}
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, (Decimal, float, dt.date, dt.datetime)):
        return str(value)
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- the lock ------------------------------------------------------------------------------


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for the job `name`."""
    digest = hashlib.blake2b(f"cultuurkaart.job:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def lock(name: str, *, wait: bool) -> Iterator[bool]:
    """Hold the job's lock for the block; yields False when it could not be had (at once,
    or within `CK_JOB_LOCK_WAIT_SECONDS` with `wait`)."""
    seconds = float(getattr(settings, "CK_JOB_LOCK_WAIT_SECONDS", 60)) if wait else 0.0
    if connection.vendor == "postgresql":
        with _advisory_lock(name, seconds) as acquired:
            yield acquired
    else:
        with _file_lock(name, seconds) as acquired:
            yield acquired


def _poll(attempt: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if attempt():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@contextlib.contextmanager
def _advisory_lock(name: str, seconds: float) -> Iterator[bool]:
    key = lock_key(name)

    def attempt() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            return bool(cursor.fetchone()[0])

    acquired = _poll(attempt, seconds)
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                # The session is broken (the job's error): ending it releases the lock.
                if not connection.in_atomic_block:
                    connection.close()


def _lock_dir() -> Path:
    db = connection.settings_dict
    name = str(db.get("NAME") or "")
    in_memory = name == ":memory:" or "mode=memory" in name or not name
    # An in-memory database lives in one process; a file database on one machine.
    ident = f"memory:{os.getpid()}:{name}" if in_memory else os.path.abspath(name)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"cultuurkaart-job-locks-{digest}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


@contextlib.contextmanager
def _file_lock(name: str, seconds: float) -> Iterator[bool]:
    import fcntl

    fd = os.open(
        _lock_dir() / f"{lock_key(name) & 0xFFFFFFFFFFFFFFFF:016x}.lock",
        os.O_RDWR | os.O_CREAT,
        0o600,
    )

    def attempt() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    try:
        acquired = _poll(attempt, seconds)
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
