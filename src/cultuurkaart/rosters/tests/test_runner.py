"""The background runner: a real thread (the embedded set-up) reports progress and result."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from cultuurkaart.rosters import runner
from cultuurkaart.rosters.constants import JobAction, JobStatus
from cultuurkaart.rosters.models import Person, RosterJob
from cultuurkaart.rosters.tests.factories import student_row, xlsx
from cultuurkaart.schools.tests.factories import SchoolFactory


@pytest.mark.django_db(transaction=True)
def test_job_runs_in_a_thread_and_imports(settings):
    settings.CK_TASK_THREADS = True
    settings.CELERY_BROKER_URL = ""
    school = SchoolFactory()
    data = xlsx([student_row(i) for i in range(30)])
    job = runner.create_job(
        school, "students", JobAction.IMPORT, data, filename="l.xlsx", actor=None, confirmed=True
    )
    runner.start_job(job)  # outside a transaction: on_commit runs at once
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            job.refresh_from_db()
        except OperationalError:
            # The in-memory test database is shared-cache SQLite: a read while the job's
            # thread writes gets SQLITE_LOCKED at once (no busy timeout); poll again.
            time.sleep(0.05)
            continue
        if job.finished:
            break
        time.sleep(0.05)
    assert job.status == JobStatus.DONE, job.result
    assert job.progress == 100
    assert job.result["summary"]["added"] == 30
    assert job.data is None  # the file is not kept after an import
    assert Person.objects.filter(school=school).count() == 30


@pytest.mark.django_db
def test_unconfirmed_import_job_changes_nothing(school):
    job = runner.create_job(
        school, "students", JobAction.IMPORT, xlsx([student_row(1)]), filename="x", actor=None
    )
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.result["confirmation_required"] is True
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_unexpected_failure_is_recorded_not_raised(school, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(runner, "validate_file", boom)
    job = runner.create_job(school, "students", JobAction.VALIDATE, b"x", filename="x", actor=None)
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.data is None


@pytest.mark.django_db
def test_old_files_and_jobs_are_purged(school):
    import datetime as dt

    from cultuurkaart.core import clock

    old = runner.create_job(
        school, "students", JobAction.VALIDATE, b"data", filename="x", actor=None
    )
    ancient = runner.create_job(
        school, "students", JobAction.VALIDATE, b"data", filename="x", actor=None
    )
    fresh = runner.create_job(
        school, "students", JobAction.VALIDATE, b"data", filename="x", actor=None
    )
    RosterJob.objects.filter(pk=old.pk).update(created_at=clock.now() - dt.timedelta(hours=3))
    RosterJob.objects.filter(pk=ancient.pk).update(created_at=clock.now() - dt.timedelta(days=2))
    from cultuurkaart.core import jobs

    assert jobs.run("purge-roster-files") == {"purged": 1}
    fresh.refresh_from_db()
    assert bytes(fresh.data) == b"data"
    old.refresh_from_db()
    assert old.data is None
    assert not RosterJob.objects.filter(pk=ancient.pk).exists()


@pytest.mark.django_db
def test_a_job_that_died_with_its_process_is_resumed_once(
    school, settings, django_capture_on_commit_callbacks
):
    """Issue 14 point 4: a queued or running job whose heartbeat stopped (its process was
    killed) is run again by `resume-roster-jobs`; a fresh one, a finished one, or one whose
    file is gone is not (the last is marked failed: "lost")."""
    import datetime as dt

    from cultuurkaart.core import clock, jobs

    settings.CK_TASK_THREADS = False
    settings.CELERY_BROKER_URL = ""
    start = clock.now()
    data = xlsx([student_row(i) for i in range(5)])

    def job_at(status, **fields):
        job = runner.create_job(
            school,
            "students",
            JobAction.IMPORT,
            data,
            filename="l.xlsx",
            actor=None,
            confirmed=True,
        )
        RosterJob.objects.filter(pk=job.pk).update(status=status, updated_at=start, **fields)
        return job

    died = job_at(JobStatus.RUNNING, progress=60, phase="replace")
    lost = job_at(JobStatus.QUEUED, data=None)
    done = job_at(JobStatus.DONE)
    with clock.frozen(start + runner.STALE - dt.timedelta(seconds=1)):
        assert jobs.run("resume-roster-jobs") == {"resumed": 0, "lost": 0}  # not yet stale
    with (
        clock.frozen(start + runner.STALE + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert jobs.run("resume-roster-jobs") == {"resumed": 1, "lost": 1}
    died.refresh_from_db()
    assert died.status == JobStatus.DONE and died.result["summary"]["added"] == 5
    assert Person.objects.filter(school=school).count() == 5
    lost.refresh_from_db()
    assert lost.status == JobStatus.FAILED and lost.result["lost"] is True
    done.refresh_from_db()
    assert done.status == JobStatus.DONE and done.result is None
    # Run again (a second sweep, a redelivered task): nothing more happens.
    with clock.frozen(start + runner.STALE * 3):
        assert jobs.run("resume-roster-jobs") == {"resumed": 0, "lost": 0}
    runner.run_job(died.pk)
    assert Person.objects.filter(school=school).count() == 5
