"""The one way to start background work: `dispatch(task, *args)`.

The task is enqueued when the current transaction commits (at once outside one), so a
worker never looks for a row that is not committed yet, and a rolled-back write starts
nothing.

- Production (`CELERY_BROKER_URL` set): the task goes to the broker; a Celery worker runs it.
  It is first written to the outbox (`core.OutboxTask`) in the same transaction, and the
  row is deleted once the broker has accepted the task. When the broker is down at the
  commit, or the process dies between the commit and the send, the row stays, and
  `flush_outbox()` (beat, every minute; `manage.py flush_outbox`) sends it again. Tasks
  are idempotent (ids in, one service call that checks state), so a task that reached the
  broker just before a crash and is sent again does no harm.
- Embedded default (no broker): the task runs in this process, eagerly, after the commit.
  With `background=True` (work the page follows with a progress bar: a large invitation
  batch, a roster import) it runs in a daemon thread instead, so the response returns
  first. `CK_TASK_THREADS = False` (the test settings) keeps that in the calling thread.

Tasks are thin (`tasks.py` in each app: take ids, call one service), carry an explicit
name `cultuurkaart.<app>.<verb>`, and are found by the worker through the autodiscovery in
`conf/celery.py`. Apps never call `.delay()` or start threads themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F

from . import clock

logger = logging.getLogger(__name__)

# A row younger than this may still be on its way (its commit callback has not run yet).
OUTBOX_GRACE = dt.timedelta(seconds=60)
OUTBOX_BATCH = 500


def uses_broker() -> bool:
    return bool(getattr(settings, "CELERY_BROKER_URL", ""))


def dispatch(task: Any, *args: Any, background: bool = False) -> None:
    """Run `task(*args)` after the current transaction commits (see the module text)."""
    if uses_broker():
        from .models import OutboxTask

        entry = OutboxTask.objects.create(
            task=task.name, args=list(args), created_at=clock.wall_now()
        )
        transaction.on_commit(lambda: _send(entry.pk, task, args))
    elif background and getattr(settings, "CK_TASK_THREADS", True):
        transaction.on_commit(lambda: _start_thread(task, args))
    else:
        transaction.on_commit(lambda: task(*args))


def _send(pk: int, task: Any, args: tuple) -> bool:
    """Hand one task to the broker; on success forget its outbox row."""
    from .models import OutboxTask

    try:
        task.apply_async(args=args)
    except Exception as exc:
        _not_sent(pk, task.name, exc)
        return False
    OutboxTask.objects.filter(pk=pk).delete()
    return True


def _not_sent(pk: int, name: str, exc: Exception) -> None:
    """The broker is unreachable: keep the outbox row for the next flush, counting the
    attempt (the exception's type only: its message may hold data)."""
    from .models import OutboxTask

    logger.warning("task %s not sent: %s; kept in the outbox", name, type(exc).__name__)
    OutboxTask.objects.filter(pk=pk).update(
        attempts=F("attempts") + 1, last_error=type(exc).__name__[:120]
    )


def flush_outbox(*, grace: dt.timedelta = OUTBOX_GRACE) -> dict:
    """Send again every outbox row older than `grace` (oldest first, in batches). Stops at
    the first failure: the broker is still down, the rest waits for the next run. Rows are
    locked with SKIP LOCKED, so two flushes at once never send one row twice."""
    from .models import OutboxTask

    sent = failed = 0
    while True:
        with transaction.atomic():
            rows = list(
                OutboxTask.objects.select_for_update(of=("self",), no_key=True, skip_locked=True)
                .filter(created_at__lt=clock.wall_now() - grace)
                .order_by("id")[:OUTBOX_BATCH]
            )
            done = []
            for row in rows:
                try:
                    _celery().send_task(row.task, args=row.args)
                except Exception as exc:
                    _not_sent(row.pk, row.task, exc)
                    failed += 1
                    break
                done.append(row.pk)
            OutboxTask.objects.filter(pk__in=done).delete()
            sent += len(done)
        if failed or len(rows) < OUTBOX_BATCH:
            return {"sent": sent, "failed": failed}


def _celery():
    from cultuurkaart.conf.celery import app

    return app


def _start_thread(task: Any, args: tuple) -> None:
    thread = threading.Thread(
        target=_thread_main, args=(task, args), daemon=True, name=f"task-{task.name}"
    )
    thread.start()


def _thread_main(task: Any, args: tuple) -> None:
    close_old_connections()
    try:
        task(*args)
    except Exception as exc:
        # The type and place only: messages can hold personal data (names, addresses).
        frame = exc.__traceback__
        while frame is not None and frame.tb_next is not None:
            frame = frame.tb_next
        where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
        logger.error("task %s failed: %s at %s", task.name, type(exc).__name__, where)
    finally:
        connection.close()
