"""core.dispatch: one way to start background work, and a worker that knows every task."""

from __future__ import annotations

import ast
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
