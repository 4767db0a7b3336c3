"""Background work through a real broker and a real Celery worker (CI: `.ci/run`).

Runs only when `CK_CELERY_BROKER_URL` points at a broker (redis) and the tests use
PostgreSQL: the worker is a separate process started with the production settings, and it
reaches the test database by its name, so both see the same committed rows. The test
stops the worker before the test database goes away.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from cultuurkaart.conf.celery import app as celery_app
from cultuurkaart.memberships import services as memberships
from cultuurkaart.memberships.constants import BatchStatus
from cultuurkaart.rosters import runner
from cultuurkaart.rosters.constants import JobAction, JobStatus
from cultuurkaart.rosters.models import Person, RosterJob
from cultuurkaart.rosters.tests.factories import PersonFactory, student_row, xlsx
from cultuurkaart.schools.tests.factories import SchoolFactory

BROKER = os.environ.get("CK_CELERY_BROKER_URL", "")
ROOT = Path(__file__).resolve().parents[4]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not BROKER, reason="set CK_CELERY_BROKER_URL to run against a worker"),
]


def _database_url() -> str:
    db = connection.settings_dict  # NAME is the test database by now
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


SECRET = secrets.token_urlsafe(48)  # the worker's and this process's SECRET_KEY


@pytest.fixture(scope="module")
def worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """One `celery worker` process for this module, with production settings, on the test
    database (its name is known once the test database exists)."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the worker needs a database another process can open (PostgreSQL)")
        database_url = _database_url()
    tmp = tmp_path_factory.mktemp("worker")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CK_", "EMAIL_", "CELERY_", "DJANGO_", "DATABASE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cultuurkaart.conf.production",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="cultuurkaart.example",
        CK_SITE_URL="https://cultuurkaart.example",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=BROKER,
        EMAIL_FILE_PATH=str(mail_dir),
    )
    log_path = tmp / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    # solo pool: one process, quick to start and to stop (CI time); the settings are
    # production's.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cultuurkaart.conf.celery",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield {"mail_dir": mail_dir, "log": log_path, "process": process}
    finally:
        process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task in hand
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _forget_broker_connections() -> None:
    """The Celery app caches its connection pool; one made earlier in this process (for the
    default broker) must not be reused for the test broker, nor ours after the test."""
    from kombu import pools

    pools.reset()  # kombu's process-wide connection and producer pools
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def worker(worker_process, transactional_db, settings):
    """Committed rows (transactional test) and this process enqueueing to the broker."""
    settings.SECRET_KEY = SECRET  # activation codes are encrypted with a key from it
    settings.CELERY_BROKER_URL = BROKER
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = BROKER
    celery_app.conf.task_always_eager = False
    _forget_broker_connections()
    try:
        yield worker_process
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        _forget_broker_connections()


def _wait(worker, done, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        if worker["process"].poll() is not None:
            break
        time.sleep(0.2)
    tail = worker["log"].read_text()[-4000:]
    pytest.fail(f"{what} did not finish through the worker; worker log:\n{tail}")


def test_an_invitation_batch_is_mailed_by_the_worker(worker):
    school = SchoolFactory()
    people = PersonFactory.create_batch(3, school=school)
    batch = memberships.invite_people(school, actor=None, person_ids=[p.pk for p in people])
    assert batch.to_mail == 3

    def finished() -> bool:
        batch.refresh_from_db()
        return batch.status == BatchStatus.DONE

    _wait(worker, finished, "the invitation batch")
    assert (batch.mailed, batch.failed) == (3, 0)
    sent = "".join(p.read_text() for p in worker["mail_dir"].iterdir())
    for person in people:
        assert f"To: {person.email}" in sent


def test_a_roster_import_is_run_by_the_worker(worker):
    school = SchoolFactory()
    data = xlsx([student_row(i) for i in range(25)])
    job = runner.create_job(
        school, "students", JobAction.IMPORT, data, filename="l.xlsx", actor=None, confirmed=True
    )
    runner.start_job(job)  # outside a transaction: enqueued at once

    def finished() -> bool:
        job.refresh_from_db()
        return job.finished

    _wait(worker, finished, "the roster import")
    assert job.status == JobStatus.DONE, job.result
    assert job.result["summary"]["added"] == 25
    assert Person.objects.filter(school=school).count() == 25
    assert RosterJob.objects.get(pk=job.pk).data is None
