"""The job machinery every registered job runs through (core.jobs.run, docs/jobs.md): the
lock, the JobRun record for each entry point, retries in the Celery task, and a generic
check that a second run of every job at the same moment does no new work."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.core import clock, jobs
from cultuurkaart.core.errors import DomainError
from cultuurkaart.core.models import JobRun, JobStatus, JobTrigger
from cultuurkaart.core.tasks import run_job

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads with their own connections: PostgreSQL"
)


@pytest.fixture
def register(monkeypatch):
    """Register a job for this test only."""
    jobs._discover()

    def add(name, func):
        monkeypatch.setitem(jobs._registry, name, func)
        return func

    return add


# --- the record ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_is_recorded_with_a_summary_of_counts(register):
    register("t-counts", lambda params: {"cancelled": ["1", "2", "3"], "closed": 2})
    with clock.frozen(clock.parse("2024-03-01T10:00:00+01:00")):
        result = jobs.run("t-counts", {"programme": "vo-2024"}, trigger=JobTrigger.COMMAND)
    assert result == {"cancelled": ["1", "2", "3"], "closed": 2}  # the caller gets it all
    row = JobRun.objects.get(name="t-counts")
    assert row.status == JobStatus.OK
    assert row.result == {"cancelled": 3, "closed": 2}  # the record keeps counts
    assert row.params == {"programme": "vo-2024"}
    assert row.trigger == JobTrigger.COMMAND
    assert row.finished_at is not None and row.finished_at >= row.started_at
    assert row.as_of == clock.parse("2024-03-01T10:00:00+01:00")


@pytest.mark.django_db
def test_a_failure_is_recorded_without_the_message(register):
    def failing(params):
        raise DomainError("Jan Jansen has no membership.", type="membership-not-active")

    def crashing(params):
        raise ValueError("Piet Pietersen, piet@example.org")

    register("t-domain", failing)
    register("t-crash", crashing)
    with pytest.raises(DomainError):
        jobs.run("t-domain")
    with pytest.raises(ValueError):
        jobs.run("t-crash")
    domain = JobRun.objects.get(name="t-domain")
    crash = JobRun.objects.get(name="t-crash")
    assert domain.status == crash.status == JobStatus.FAILED
    assert domain.error == "DomainError (membership-not-active)"
    assert crash.error.startswith("ValueError at src/cultuurkaart/core/tests/test_jobs.py:")
    assert "Jansen" not in domain.error and "Pietersen" not in crash.error


def verified_client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client


@pytest.mark.django_db
def test_each_entry_point_records_its_trigger(register, django_capture_on_commit_callbacks):
    """run_job command, the API, the Celery task (beat) and the back-office page."""
    from conftest import ApiClient

    register("t-entry", lambda params: {"done": 1})
    admin = with_role(UserFactory(), RoleName.ADMIN)

    call_command("run_job", "t-entry", stdout=io.StringIO())
    response = ApiClient(admin).post("/admin/jobs/t-entry", {})
    assert response.status_code == 200 and response.json() == {"done": 1}
    assert run_job.delay("t-entry").get() == {"done": 1}
    with django_capture_on_commit_callbacks(execute=True):  # dispatch runs after the commit
        page = verified_client(admin).post(
            "/backoffice/taken/t-entry/uitvoeren/", {"confirm": "on"}
        )
    assert page.status_code == 302

    runs = {r.trigger: r for r in JobRun.objects.filter(name="t-entry")}
    assert set(runs) == {"command", "api", "beat", "admin"}
    assert all(r.status == JobStatus.OK and r.result == {"done": 1} for r in runs.values())
    assert runs["api"].actor == admin and runs["admin"].actor == admin
    assert runs["command"].actor is None and runs["beat"].actor is None


@pytest.mark.django_db
def test_an_unknown_job_records_nothing():
    with pytest.raises(DomainError):
        jobs.run("no-such-job")
    assert not JobRun.objects.exists()


# --- retries (the Celery task) -------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_retries_a_transient_error_then_succeeds(register):
    calls = []

    def flaky(params):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return {"done": 1}

    register("t-flaky", flaky)
    # eager: the retry runs at once (throw=False: as in a worker, Retry is not an error)
    result = run_job.apply(args=("t-flaky",), throw=False)
    assert result.get() == {"done": 1}
    assert len(calls) == 2
    runs = list(JobRun.objects.filter(name="t-flaky").order_by("pk"))
    assert [(r.attempt, r.status) for r in runs] == [(1, "failed"), (2, "ok")]
    assert runs[0].error.startswith("OperationalError")


@pytest.mark.django_db
def test_the_task_never_retries_a_domain_error(register):
    calls = []

    def refused(params):
        calls.append(1)
        raise DomainError("nothing to do", type="nothing-to-do")

    register("t-refused", refused)
    with pytest.raises(DomainError):
        run_job.apply(args=("t-refused",)).get()
    assert len(calls) == 1
    assert JobRun.objects.get(name="t-refused").status == JobStatus.FAILED


def test_backoff_grows_exponentially_and_is_capped():
    assert [jobs.backoff(n) for n in range(4)] == [30, 60, 120, 240]
    assert jobs.backoff(20) == 1800


def test_the_task_acks_late_and_retries_transient_errors_only():
    assert run_job.acks_late is True
    assert run_job.max_retries == jobs.MAX_RETRIES
    assert OperationalError in jobs.TRANSIENT_ERRORS
    assert not any(issubclass(DomainError, e) for e in jobs.TRANSIENT_ERRORS)


# --- the lock ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite lock (flock)")
def test_the_embedded_lock_refuses_a_second_holder():
    with jobs.lock("t-lock", wait=False) as first:
        assert first
        with jobs.lock("t-lock", wait=False) as second:
            assert not second
        with jobs.lock("t-other", wait=False) as other:
            assert other  # another job is not held up
    with jobs.lock("t-lock", wait=False) as again:
        assert again


def _hold(register, name: str):
    """Register a job that holds until released; returns (started, release, calls)."""
    started, release, calls = threading.Event(), threading.Event(), []

    def slow(params):
        calls.append(("enter", time.monotonic()))
        started.set()
        assert release.wait(20)
        calls.append(("exit", time.monotonic()))
        return {"done": 1}

    register(name, slow)
    return started, release, calls


def _in_thread(target, box):
    def main():
        try:
            box["result"] = target()
        except BaseException as exc:  # handed to the test
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=main)
    thread.start()
    return thread


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_threads_at_once_one_runs_and_the_other_skips(register):
    started, release, calls = _hold(register, "t-once")
    box = {}
    thread = _in_thread(lambda: jobs.run("t-once", trigger=JobTrigger.BEAT, wait=False), box)
    assert started.wait(20)
    try:
        with pytest.raises(jobs.JobRunning):
            jobs.run("t-once", trigger=JobTrigger.BEAT, wait=False)
        assert run_job.delay("t-once").get() == {"skipped": True}  # the task reports it
    finally:
        release.set()
        thread.join(20)
    assert box == {"result": {"done": 1}}
    assert [c[0] for c in calls] == ["enter", "exit"]  # ran once
    statuses = sorted(JobRun.objects.filter(name="t-once").values_list("status", flat=True))
    assert statuses == ["ok", "skipped", "skipped"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_waiting_run_starts_after_the_first_one_ends(register, settings):
    settings.CK_JOB_LOCK_WAIT_SECONDS = 20
    started, release, calls = _hold(register, "t-wait")
    box = {}
    thread = _in_thread(lambda: jobs.run("t-wait", wait=True), box)
    assert started.wait(20)
    threading.Timer(0.5, release.set).start()
    assert jobs.run("t-wait", wait=True) == {"done": 1}
    thread.join(20)
    assert box == {"result": {"done": 1}}
    kinds = [c[0] for c in calls]
    assert kinds == ["enter", "exit", "enter", "exit"]  # one after the other, never overlapping
    assert calls[1][1] <= calls[2][1]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_stale_running_record_is_closed_by_the_next_run(register):
    register("t-stale", lambda params: {"done": 1})
    stale = JobRun.objects.create(
        name="t-stale", trigger="beat", started_at=clock.now() - dt.timedelta(hours=2)
    )
    jobs.run("t-stale")
    stale.refresh_from_db()
    assert (stale.status, stale.error) == (JobStatus.FAILED, "interrupted")


# --- every registered job: a second run at the same moment does no new work ---------------


def _no_new_work(value) -> bool:
    """Counts are 0, lists empty (nested too)."""
    if isinstance(value, dict):
        return all(_no_new_work(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value == 0
    return True


def _work_for_every_job():
    """Something for the jobs to do at MOMENT: an expired membership, a roster from last
    school year, an order whose objection period is over, an old unpaid order, a pending
    deletion request."""
    from cultuurkaart.memberships import services as memberships
    from cultuurkaart.memberships.tests.factories import PersonFactory, activated
    from cultuurkaart.orders import services as orders
    from cultuurkaart.orders.tests.factories import VO_ORDER_AT, order_data, ready_school

    school = ready_school(duo=500)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    with clock.frozen(VO_ORDER_AT):
        orders.submit_order(school, order_data(), actor=bh)
        membership = activated(PersonFactory(school=school))
        memberships.request_deletion(membership.user)
    return school


MOMENT = dt.datetime(2025, 1, 2, 9, 0, tzinfo=clock.AMSTERDAM)


@pytest.mark.django_db
def test_every_job_run_twice_at_the_same_moment_does_nothing_the_second_time():
    from cultuurkaart.ledger.models import Entry

    _work_for_every_job()
    params = {"programme": "vo-2024", "next_programme": "vo-2025"}
    first_results = {}
    with clock.frozen(MOMENT):
        for name in jobs.names():
            try:
                first_results[name] = jobs.run(name, params)
            except DomainError as exc:  # a job that has nothing to do may refuse
                first_results[name] = exc.type
    assert not all(_no_new_work(r) for r in first_results.values() if isinstance(r, dict)), (
        "the data set gave the jobs nothing to do"
    )
    entries = Entry.objects.count()
    mail.outbox.clear()
    with clock.frozen(MOMENT):
        for name in jobs.names():
            try:
                second = jobs.run(name, params)
            except DomainError as exc:
                second = exc.type
            first = first_results[name]
            if isinstance(second, str) or isinstance(first, str):  # refused: the same way
                assert second == first, f"{name}: {first} then {second}"
            else:
                assert second == first or _no_new_work(second), f"{name}: {first} then {second}"
    assert Entry.objects.count() == entries, "a second run booked ledger entries"
    assert mail.outbox == [], "a second run sent e-mail"


# --- the back-office page ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_jobs_page_shows_every_job_with_its_schedule_and_last_runs(register):
    register("t-page", lambda params: {"closed": 0})
    admin = with_role(UserFactory(), RoleName.ADMIN)
    with clock.frozen(clock.parse("2024-05-01T00:05:00+02:00")):
        jobs.run("close-objection-periods", trigger=JobTrigger.BEAT)
    failed = JobRun.objects.create(
        name="expire-memberships",
        trigger="beat",
        started_at=clock.now(),
        finished_at=clock.now(),
        status=JobStatus.FAILED,
        error="OperationalError at src/x.py:1",
    )
    client = verified_client(admin)
    page = client.get("/backoffice/taken/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in jobs.names():
        assert f'data-job="{name}"' in html
    assert "dagelijks om 00:05" in html  # close-objection-periods' crontab, in words
    assert "ma-vr om 08:00" in html  # invoice-reminders
    assert "jaarlijks op 1-9 om 00:00" in html  # erase-rosters
    assert "alleen op verzoek" in html  # t-page is not scheduled
    assert "closed: 0" in html and failed.error in html

    detail = client.get("/backoffice/taken/close-objection-periods/")
    assert detail.status_code == 200 and 'data-status="ok"' in detail.content.decode()
    assert client.get("/backoffice/taken/no-such-job/").status_code == 404

    confirm = client.get("/backoffice/taken/t-page/uitvoeren/")
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.content.decode()
    unconfirmed = client.post("/backoffice/taken/t-page/uitvoeren/", {})
    assert unconfirmed.status_code == 422
    bad = client.post("/backoffice/taken/t-page/uitvoeren/", {"confirm": "on", "params": "x y"})
    assert bad.status_code == 422
    assert not JobRun.objects.filter(name="t-page").exists()


@pytest.mark.django_db
def test_run_now_passes_its_parameters_and_reports_a_skip(
    register, django_capture_on_commit_callbacks
):
    seen = []
    register("t-params", lambda params: seen.append(params) or {"done": 1})
    admin = with_role(UserFactory(), RoleName.ADMIN)
    client = verified_client(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/backoffice/taken/t-params/uitvoeren/",
            {"confirm": "on", "params": "programme=vo-2024\n\nnext_programme=vo-2025"},
        )
    assert seen == [{"programme": "vo-2024", "next_programme": "vo-2025"}]
    with jobs.lock("t-params", wait=False) as held:  # another run holds it (SQLite: flock)
        if connection.vendor == "postgresql":
            pytest.skip("the advisory lock is re-entrant within one session")
        assert held
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/backoffice/taken/t-params/uitvoeren/", {"confirm": "on"})
    assert JobRun.objects.filter(name="t-params", status=JobStatus.SKIPPED).count() == 1
    assert len(seen) == 1


# --- the embedded default's scheduler (manage.py run_schedule) -----------------------------


@pytest.mark.django_db
def test_the_in_process_scheduler_runs_what_the_beat_schedule_says():
    out = io.StringIO()
    call_command("run_schedule", "--once", "--now", "2024-09-02T00:05:30+02:00", stdout=out)
    assert out.getvalue().split() == ["close-objection-periods"]
    run = JobRun.objects.get()
    assert (run.name, run.trigger, run.status) == ("close-objection-periods", "beat", "ok")
    assert run.as_of == clock.parse("2024-09-02T00:05:00+02:00")

    def ran(moment: str) -> list[str]:
        out = io.StringIO()
        call_command("run_schedule", "--once", "--now", moment, stdout=out)
        return out.getvalue().split()

    assert ran("2024-09-02T08:00:00+02:00") == ["invoice-reminders"]  # a Monday
    assert ran("2024-09-01T08:00:00+02:00") == []  # a Sunday: no reminders
    assert ran("2025-09-01T00:00:00+02:00") == ["erase-rosters"]
    assert ran("2025-09-01T07:00:00+02:00") == ["announce-ordering"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite lock (flock)")
def test_the_api_waits_then_answers_409_while_the_job_runs_elsewhere(register, settings):
    from conftest import ApiClient

    settings.CK_JOB_LOCK_WAIT_SECONDS = 0.3
    register("t-busy", lambda params: {"done": 1})
    api = ApiClient(with_role(UserFactory(), RoleName.ADMIN))
    with jobs.lock("t-busy", wait=False) as held:
        assert held
        started = time.monotonic()
        busy = api.post("/admin/jobs/t-busy", {})
        assert time.monotonic() - started >= 0.3  # it waited first
    assert busy.status_code == 409 and busy.json()["type"] == "job-running"
    assert JobRun.objects.get(name="t-busy").status == JobStatus.SKIPPED
    assert api.post("/admin/jobs/t-busy", {}).json() == {"done": 1}  # free again
