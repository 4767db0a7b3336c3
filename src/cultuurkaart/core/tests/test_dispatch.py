"""core.dispatch: one way to start background work, and a worker that knows every task."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import transaction

from cultuurkaart.core import dispatch as dispatch_module
from cultuurkaart.core.dispatch import dispatch

SRC = Path(__file__).resolve().parents[2]  # src/cultuurkaart


class FakeTask:
    """Stands in for a Celery task: records calls and enqueues."""

    name = "cultuurkaart.tests.fake"

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.enqueued: list[tuple] = []
        self.threads: list[str] = []

    def __call__(self, *args):
        self.calls.append(args)
        self.threads.append(threading.current_thread().name)

    def apply_async(self, args=()):
        self.enqueued.append(tuple(args))


def _declared_tasks() -> dict[str, str]:
    """Every `@shared_task` in an app's tasks.py, by function name → its explicit name."""
    found: dict[str, str] = {}
    for path in sorted(SRC.glob("*/tasks.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                call = deco if isinstance(deco, ast.Call) else None
                func = call.func if call else deco
                if getattr(func, "id", getattr(func, "attr", "")) not in ("shared_task", "task"):
                    continue
                names = [k.value for k in (call.keywords if call else []) if k.arg == "name"]
                found[f"{path.parent.name}.{node.name}"] = (
                    names[0].value if names and isinstance(names[0], ast.Constant) else ""
                )
    return found


def test_every_task_has_an_explicit_name_under_cultuurkaart():
    declared = _declared_tasks()
    assert {"memberships.send_invitation_mails", "rosters.run_roster_job"} <= set(declared)
    unnamed = [k for k, name in declared.items() if not name.startswith("cultuurkaart.")]
    assert not unnamed, f"give these tasks an explicit name cultuurkaart.<app>.<verb>: {unnamed}"


def test_a_worker_process_registers_every_apps_tasks():
    """What `celery -A cultuurkaart.conf.celery worker` does at start: import the default
    modules (autodiscovery). Before, only core's task was known to a real worker."""
    script = (
        "import json, django; django.setup();"
        "from cultuurkaart.conf.celery import app;"
        "app.loader.import_default_modules();"
        "print(json.dumps(sorted(n for n in app.tasks if n.startswith('cultuurkaart.'))))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cultuurkaart.conf.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    registered = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "cultuurkaart.run_job" in registered
    assert set(_declared_tasks().values()) <= registered


def test_apps_start_background_work_only_through_the_dispatcher():
    offenders = []
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or path.name == "dispatch.py":
            continue
        text = path.read_text()
        for needle in (".delay(", ".apply_async(", "threading.Thread("):
            if needle in text:
                offenders.append(f"{path.relative_to(SRC)}: {needle}")
    assert not offenders


@pytest.mark.django_db
def test_embedded_default_runs_the_task_after_the_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = ""
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        dispatch(task, 7)
        assert task.calls == []  # not before the commit
    assert task.calls == [(7,)]
    assert task.threads == [threading.current_thread().name]
    assert task.enqueued == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_starts_nothing(settings):
    settings.CELERY_BROKER_URL = ""
    task = FakeTask()
    with pytest.raises(RuntimeError), transaction.atomic():
        dispatch(task, 1)
        raise RuntimeError
    assert task.calls == [] and task.enqueued == []


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_the_task_is_enqueued_on_commit_and_not_run_here(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    task = FakeTask()
    with transaction.atomic():
        dispatch(task, 3, background=True)
        assert task.enqueued == []
    assert task.enqueued == [(3,)]
    assert task.calls == []


@pytest.mark.django_db(transaction=True)
def test_background_work_runs_in_a_thread_in_the_embedded_default(settings):
    settings.CELERY_BROKER_URL = ""
    settings.CK_TASK_THREADS = True
    task = FakeTask()
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def record(thread):
        started.append(thread)
        original(thread)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(threading.Thread, "start", record)
        dispatch(task, 5, background=True)
    assert len(started) == 1
    started[0].join(timeout=10)
    assert task.calls == [(5,)]
    assert task.threads == [started[0].name] != [threading.current_thread().name]


@pytest.mark.django_db(transaction=True)
def test_a_failing_background_task_logs_its_type_not_its_message(settings, caplog):
    settings.CELERY_BROKER_URL = ""

    class Boom(FakeTask):
        def __call__(self, *args):
            raise ValueError("jan@example.org is not valid")

    dispatch_module._thread_main(Boom(), ())
    assert "ValueError" in caplog.text
    assert "jan@example.org" not in caplog.text


# --- The outbox: a task survives a broker that is down at the commit --------------------


class DownTask(FakeTask):
    """A task whose broker refuses the connection."""

    def apply_async(self, args=()):
        raise ConnectionRefusedError("redis://127.0.0.1:1/0")


class FakeApp:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple] = []
        self.fail = fail

    def send_task(self, name, args=()):
        if self.fail:
            raise ConnectionRefusedError("still down")
        self.sent.append((name, tuple(args)))


@pytest.fixture
def broker(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"


def _outbox():
    from cultuurkaart.core.models import OutboxTask

    return list(OutboxTask.objects.values_list("task", "args", "attempts", "last_error"))


@pytest.mark.django_db(transaction=True)
def test_a_sent_task_leaves_nothing_in_the_outbox(broker):
    task = FakeTask()
    with transaction.atomic():
        dispatch(task, 11)
        assert _outbox() == [("cultuurkaart.tests.fake", [11], 0, "")]  # written with the data
    assert task.enqueued == [(11,)]
    assert _outbox() == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_dispatch_leaves_no_outbox_row(broker):
    task = FakeTask()
    with pytest.raises(RuntimeError), transaction.atomic():
        dispatch(task, 12)
        raise RuntimeError
    assert _outbox() == [] and task.enqueued == []


@pytest.mark.django_db(transaction=True)
def test_a_broker_down_at_the_commit_keeps_the_task_and_the_flush_sends_it(
    broker, monkeypatch, caplog
):
    task = DownTask()
    task.name = "cultuurkaart.memberships.send_invitation_mails"
    with transaction.atomic():
        dispatch(task, 42)
    # The commit went through (the caller's data is saved); the task waits in the outbox.
    assert _outbox() == [
        ("cultuurkaart.memberships.send_invitation_mails", [42], 1, "ConnectionRefusedError")
    ]
    assert "ConnectionRefusedError" in caplog.text and "redis://" not in caplog.text

    app = FakeApp()
    monkeypatch.setattr(dispatch_module, "_celery", lambda: app)
    # Within the grace minute the row may still be on its way: not sent yet.
    assert dispatch_module.flush_outbox() == {"sent": 0, "failed": 0}
    assert app.sent == []
    assert dispatch_module.flush_outbox(grace=dt.timedelta(0)) == {"sent": 1, "failed": 0}
    assert app.sent == [("cultuurkaart.memberships.send_invitation_mails", (42,))]
    assert _outbox() == []
    # Running it again sends nothing twice.
    assert dispatch_module.flush_outbox(grace=dt.timedelta(0)) == {"sent": 0, "failed": 0}
    assert len(app.sent) == 1


@pytest.mark.django_db(transaction=True)
def test_the_flush_stops_at_the_first_failure_and_keeps_the_order(broker, monkeypatch):
    for n in (1, 2, 3):
        with transaction.atomic():
            dispatch(DownTask(), n)
    monkeypatch.setattr(dispatch_module, "_celery", lambda: FakeApp(fail=True))
    assert dispatch_module.flush_outbox(grace=dt.timedelta(0)) == {"sent": 0, "failed": 1}
    assert [(args, attempts) for _, args, attempts, _ in _outbox()] == [
        ([1], 2),
        ([2], 1),
        ([3], 1),
    ]
    app = FakeApp()
    monkeypatch.setattr(dispatch_module, "_celery", lambda: app)
    assert dispatch_module.flush_outbox(grace=dt.timedelta(0)) == {"sent": 3, "failed": 0}
    assert [args for _, args in app.sent] == [(1,), (2,), (3,)]


def test_the_beat_schedule_flushes_the_outbox_every_minute():
    from cultuurkaart.conf.celery import app

    entry = app.conf.beat_schedule["flush-outbox"]
    assert entry["task"] == "cultuurkaart.core.flush_outbox"
    assert entry["schedule"].minute == set(range(60)) and entry["schedule"].hour == set(range(24))
