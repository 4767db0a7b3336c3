"""kill -9 in the middle of a 50,000-row roster import (issue 14 point 4; run in CI).

A school has a roster of 1,000 students. A confirmed import of a 50,000-row file runs in a
child process (`rosters.runner.run_job`, what the worker or the page's thread runs) and is
killed inside the transaction that replaces the roster. Then: the old roster is intact (1,000
people, none of the new ones) and the job still says it is running; after the restart the
sweep `resume-roster-jobs` (every 5 minutes) finds it stale and runs it again: exactly the
50,000 people of the file, no doubles, the job done; a second sweep does nothing.

    DATABASE_URL=postgres://… uv run python bench/crash/crash_roster.py [ROWS]
PostgreSQL only. Use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness
from _setup import setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

APP = "ck-crash-roster"


def child(job_id: int) -> None:
    from cultuurkaart.rosters import runner

    _harness.name_connection(APP)
    runner.run_job(job_id)


def main(rows: int) -> None:
    from roster_make import make_students

    from cultuurkaart.core import clock, jobs
    from cultuurkaart.rosters import runner, services
    from cultuurkaart.rosters.constants import JobAction, JobStatus
    from cultuurkaart.rosters.models import Person, RosterJob
    from cultuurkaart.rosters.validation import validate_file
    from cultuurkaart.schools.models import School

    call_command("migrate", verbosity=0)
    tag = str(School.objects.count())
    school = School.objects.create(
        name=f"Crash {tag}",
        kind="vo",
        status="active",
        school_number=f"9{int(tag):06d}",
        board_name="b",
        board_email="b@x.example",
        directie_name="d",
        directie_email="d@x.example",
        budget_holder_name="bh",
        budget_holder_email="bh@x.example",
        invoice_email="i@x.example",
    )
    old = validate_file(make_students(1000, seed=3), "students", school_kind="vo")
    services.replace_roster(school, "students", old.rows, actor=None, filename="old.xlsx")
    fields = ("first_name", "last_name", "email", "group")

    def roster() -> list:
        return sorted(Person.objects.filter(school=school).values_list(*fields))

    before = roster()
    data = make_students(rows, seed=4)
    # a validated row: (line, first name, last name, e-mail, mobile, location, year, class, …)
    wanted = sorted(
        (row[1], row[2], row[3], row[7])
        for row in validate_file(data, "students", school_kind="vo").rows
    )
    job = runner.create_job(
        school,
        "students",
        JobAction.IMPORT,
        data,
        filename="new.xlsx",
        actor=None,
        confirmed=True,
    )
    print(f"school with 1,000 students; killing an import of {rows} rows in the middle", flush=True)

    ran = _harness.kill_in_the_middle([__file__, "--child", str(job.pk)], APP, open_for=0.5)
    print(f"killed after {ran:.1f} s", flush=True)
    people = Person.objects.filter(school=school)
    _harness.check(roster() == before, f"the old roster is intact ({len(before)} people)")
    job.refresh_from_db()
    _harness.check(job.status == JobStatus.RUNNING, "the job still says running")

    with (
        override_settings(CK_TASK_THREADS=False, CELERY_BROKER_URL=""),
        clock.frozen(clock.now() + runner.STALE + dt.timedelta(minutes=1)),
    ):
        resumed = jobs.run("resume-roster-jobs")
        _harness.check(resumed == {"resumed": 1, "lost": 0}, f"the sweep resumes it {resumed}")
        job.refresh_from_db()
        _harness.check(job.status == JobStatus.DONE, "the job is done")
        count = people.count()
        _harness.check(count == rows, f"{rows} people, as many as the file has ({count})")
        _harness.check(roster() == wanted, "exactly the people of the file, nobody twice")
        again = jobs.run("resume-roster-jobs")
        _harness.check(again == {"resumed": 0, "lost": 0}, "a second sweep does nothing")
    _harness.check(people.count() == rows, "still the same roster")
    _harness.check(RosterJob.objects.get(pk=job.pk).data is None, "the file is not kept")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(int(sys.argv[sys.argv.index("--child") + 1]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
