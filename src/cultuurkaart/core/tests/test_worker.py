"""Background work through a real broker and a real Celery worker (CI: `.ci/run`).

Runs only when `CK_CELERY_BROKER_URL` points at a broker (redis) and the tests use
PostgreSQL: the worker is a separate process started with the production settings, and it
reaches the test database by its name, so both see the same committed rows. The test
stops the worker before the test database goes away.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from cultuurkaart.accounts.tests.factories import UserFactory
from cultuurkaart.conf.celery import app as celery_app
from cultuurkaart.core import clock
from cultuurkaart.core.models import JobRun
from cultuurkaart.core.tasks import run_job
from cultuurkaart.memberships import services as memberships
from cultuurkaart.memberships.constants import (
    BatchStatus,
    MemberKind,
    MembershipStatus,
    ProgrammeMark,
)
from cultuurkaart.memberships.models import Membership
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


def _start_worker(env: dict, log_path: Path) -> tuple[subprocess.Popen, object]:
    log = open(log_path, "w")  # noqa: SIM115 (closed by _stop_worker)
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
    return process, log


def _stop_worker(process: subprocess.Popen, log) -> None:
    process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task in hand
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="module")
def worker_env(django_db_setup, django_db_blocker, tmp_path_factory):
    """The environment of a worker process: production settings on the test database (its
    name is known once the test database exists); one mail directory for all workers."""
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
    return {"env": env, "tmp": tmp, "mail_dir": mail_dir}


@pytest.fixture(scope="module")
def worker_process(worker_env):
    """One `celery worker` process for this module."""
    log_path = worker_env["tmp"] / "worker.log"
    process, log = _start_worker(worker_env["env"], log_path)
    try:
        yield {"mail_dir": worker_env["mail_dir"], "log": log_path, "process": process}
    finally:
        _stop_worker(process, log)


@pytest.fixture(scope="module")
def second_worker(worker_process, worker_env):
    """Another worker process (another machine, as far as the job lock can tell)."""
    log_path = worker_env["tmp"] / "worker-2.log"
    process, log = _start_worker(worker_env["env"], log_path)
    try:
        yield {"mail_dir": worker_env["mail_dir"], "log": log_path, "process": process}
    finally:
        _stop_worker(process, log)


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


# --- scheduled jobs through the broker (core.jobs, core.tasks) -------------------------------


def _expired_membership() -> Membership:
    """An active membership whose end date has passed: work for `expire-memberships`."""
    school = SchoolFactory()
    person = PersonFactory(school=school)
    return Membership.objects.create(
        user=UserFactory(),
        school=school,
        person=person,
        programme=school.programmes.get(),
        kind=MemberKind.STUDENT,
        mark=ProgrammeMark.values[0],
        valid_until=clock.today() - dt.timedelta(days=1),
        pass_key=f"worker-{person.pk}",
    )


def test_a_scheduled_job_runs_through_the_broker_and_is_recorded(worker):
    membership = _expired_membership()
    run_job.apply_async(args=("expire-memberships",))  # what beat sends

    def finished() -> bool:
        return JobRun.objects.filter(
            name="expire-memberships", status__in=["ok", "failed"]
        ).exists()

    _wait(worker, finished, "the expire-memberships job")
    run = JobRun.objects.get(name="expire-memberships")
    assert (run.status, run.trigger, run.result) == ("ok", "beat", {"expired": 1}), run.error
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.INACTIVE


def test_two_runs_at_once_on_two_workers_do_not_both_run(worker, second_worker):
    """The first run is held up on a row this test locks; the second, sent meanwhile and
    taken by the other worker process, finds the job's lock taken and skips."""
    membership = _expired_membership()
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=membership.pk)
        run_job.apply_async(args=("expire-memberships",))

        def running() -> bool:
            return JobRun.objects.filter(name="expire-memberships", status="running").exists()

        _wait(worker, running, "the first run to start")
        run_job.apply_async(args=("expire-memberships",))

        def skipped() -> bool:
            return JobRun.objects.filter(name="expire-memberships", status="skipped").exists()

        _wait(second_worker, skipped, "the second run to skip")
    # the row lock is released: the first run finishes

    def done() -> bool:
        return JobRun.objects.filter(name="expire-memberships", status="ok").exists()

    _wait(worker, done, "the first run to finish")
    runs = sorted(JobRun.objects.filter(name="expire-memberships").values_list("status", "result"))
    assert runs == [("ok", {"expired": 1}), ("skipped", {})]
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.INACTIVE
