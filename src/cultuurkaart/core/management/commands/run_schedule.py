"""Run the beat schedule in this process: the scheduler of the embedded default (no broker).

Each minute, every entry of the beat schedule (conf/celery.py) whose crontab matches that
minute (Europe/Amsterdam) runs through the same task as on a worker, `cultuurkaart.run_job`,
here eagerly: the job's lock and its JobRun record apply, and a job that runs elsewhere
(a worker, cron, "run now") is skipped. Minutes missed while the process was busy are caught
up (at most one day back); the jobs are idempotent, so a late run is safe.

    manage.py run_schedule                 run until stopped (next to `runserver`)
    manage.py run_schedule --once [--now ISO-TIME]
                                           check one minute and exit (cron, tests)
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.core.management.base import BaseCommand

from cultuurkaart.core import clock

logger = logging.getLogger(__name__)


def matches(schedule, moment: dt.datetime) -> bool:
    """Whether a celery crontab fires in the minute of `moment` (local time)."""
    try:
        return (
            moment.minute in schedule.minute
            and moment.hour in schedule.hour
            and moment.day in schedule.day_of_month
            and moment.month in schedule.month_of_year
            and moment.isoweekday() % 7 in schedule.day_of_week  # celery: 0 = Sunday
        )
    except AttributeError:  # not a crontab (an interval): not used by this platform
        return False


def due(moment: dt.datetime) -> list[tuple[str, tuple]]:
    """(entry, args) of the beat entries that fire in the minute of `moment`."""
    from cultuurkaart.conf.celery import app

    local = moment.astimezone(clock.AMSTERDAM)
    return [
        (key, tuple(entry.get("args", ())))
        for key, entry in sorted(app.conf.beat_schedule.items())
        if entry.get("task") == "cultuurkaart.run_job" and matches(entry["schedule"], local)
    ]


def run_minute(moment: dt.datetime) -> list[str]:
    """Run what is due in the minute of `moment`, as if it were that moment."""
    from cultuurkaart.core.tasks import run_job

    ran = []
    with clock.frozen(moment):
        for key, args in due(moment):
            result = run_job.apply(args=args, kwargs={"trigger": "beat"}, throw=False)
            if result.failed():
                logger.error("scheduled job %s failed (see its JobRun)", key)
            ran.append(key)
    return ran


class Command(BaseCommand):
    help = "Run the beat schedule in this process (embedded default, no broker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check one minute and exit.")
        parser.add_argument("--now", help="With --once: the minute to check (ISO 8601).")

    def handle(self, *args, once, now, **options):
        if once:
            moment = clock.parse(now) if now else clock.now()
            for key in run_minute(moment.replace(second=0, microsecond=0)):
                self.stdout.write(key)
            return
        last = None
        while True:
            minute = clock.now().replace(second=0, microsecond=0)
            start = minute if last is None else max(last, minute - dt.timedelta(days=1))
            while start <= minute:
                if start != last:
                    run_minute(start)
                last = start
                start += dt.timedelta(minutes=1)
            time.sleep(max(1.0, 60 - clock.now().second))
