"""Kill a process in the middle of its work (issue 14 point 4): the child names its
PostgreSQL connection; the parent waits until that connection holds a transaction that has
written and has been open for a moment (the work's one big transaction), then sends SIGKILL
(`kill -9`: no cleanup, no rollback by the client) and waits until PostgreSQL has ended the
backend (it notices the dead client and rolls the transaction back)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))


def name_connection(app_name: str) -> None:
    """Called in the child after Django is set up."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET application_name TO %s", [app_name])


def _writing(app_name: str, open_for: float) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
            " AND backend_xid IS NOT NULL AND xact_start < now() - make_interval(secs => %s)",
            [app_name, open_for],
        )
        return cursor.fetchone()[0]


def writing(app_name: str, open_for: float = 0.0) -> bool:
    """The named connection holds a transaction that has written (for `open_for` seconds)."""
    return bool(_writing(app_name, open_for))


def _alive(app_name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [app_name]
        )
        return cursor.fetchone()[0]


def _reaped(app_name: str) -> None:
    """Wait until PostgreSQL has ended the killed client's backend (and rolled back)."""
    deadline = time.monotonic() + 120
    while _alive(app_name):
        if time.monotonic() > deadline:
            sys.exit("PostgreSQL did not end the killed client's backend")
        time.sleep(0.1)


def kill_in_the_middle(args: list[str], app_name: str, *, open_for=0.2, timeout=600) -> float:
    """Run `python <args>` and kill -9 it inside its writing transaction. Returns the
    seconds it ran. Exits with an error when the child finished (or failed) before that."""
    return kill_when(args, app_name, lambda: writing(app_name, open_for), timeout=timeout)


def kill_when(args: list[str], app_name: str, ready, *, timeout=600) -> float:
    """Run `python <args>` and kill -9 it once `ready()` is true (work committed in many
    short transactions: the kill lands between two of them or inside one). Returns the
    seconds it ran."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], env=os.environ.copy())
    while True:
        if child.poll() is not None:
            sys.exit(f"the child ended (exit {child.returncode}) before it could be killed")
        if ready():
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            break
        if time.perf_counter() - started > timeout:
            child.kill()
            sys.exit("timed out waiting for the child")
        time.sleep(0.01)
    ran = time.perf_counter() - started
    _reaped(app_name)
    return ran


def check(condition: bool, text: str) -> None:
    print(("ok    " if condition else "FAIL  ") + text, flush=True)
    if not condition:
        sys.exit(1)
