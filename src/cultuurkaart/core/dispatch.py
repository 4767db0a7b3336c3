"""The one way to start background work: `dispatch(task, *args)`.

The task is enqueued when the current transaction commits (at once outside one), so a
worker never looks for a row that is not committed yet, and a rolled-back write starts
nothing.

- Production (`CELERY_BROKER_URL` set): the task goes to the broker; a Celery worker runs it.
- Embedded default (no broker): the task runs in this process, eagerly, after the commit.
  With `background=True` (work the page follows with a progress bar: a large invitation
  batch, a roster import) it runs in a daemon thread instead, so the response returns
  first. `CK_TASK_THREADS = False` (the test settings) keeps that in the calling thread.

Tasks are thin (`tasks.py` in each app: take ids, call one service), carry an explicit
name `cultuurkaart.<app>.<verb>`, and are found by the worker through the autodiscovery in
`conf/celery.py`. Apps never call `.delay()` or start threads themselves.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction

logger = logging.getLogger(__name__)


def uses_broker() -> bool:
    return bool(getattr(settings, "CELERY_BROKER_URL", ""))


def dispatch(task: Any, *args: Any, background: bool = False) -> None:
    """Run `task(*args)` after the current transaction commits (see the module text)."""
    if uses_broker():
        transaction.on_commit(lambda: task.apply_async(args=args))
    elif background and getattr(settings, "CK_TASK_THREADS", True):
        transaction.on_commit(lambda: _start_thread(task, args))
    else:
        transaction.on_commit(lambda: task(*args))


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
