"""Celery app. Without CELERY_BROKER_URL tasks run eagerly in-process (`core.dispatch`).

The worker imports the `tasks` module of every cultuurkaart app (autodiscovery below);
each task has an explicit name `cultuurkaart.<app>.<verb>`.

The beat schedule runs every scheduled job of API.md "Jobs" (and the apps' housekeeping
jobs) through one task, `cultuurkaart.run_job`. Times are Europe/Amsterdam.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultuurkaart.conf.settings")
app = Celery("cultuurkaart")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _our_apps() -> list[str]:
    from django.apps import apps

    return [c.name for c in apps.get_app_configs() if c.name.startswith("cultuurkaart.")]


app.autodiscover_tasks(_our_apps)


def _job(name: str, schedule) -> dict:
    return {"task": "cultuurkaart.run_job", "schedule": schedule, "args": (name,)}


app.conf.beat_schedule = {
    # Tasks whose send failed at their commit (broker down, process killed) go out again.
    "flush-outbox": {"task": "cultuurkaart.core.flush_outbox", "schedule": crontab()},
    # Objection periods end at 23:59:59; close them just after midnight.
    "close-objection-periods": _job("close-objection-periods", crontab(minute=5, hour=0)),
    "cancel-unpaid": _job("cancel-unpaid", crontab(minute=15, hour=0)),
    "invoice-reminders": _job(
        "invoice-reminders", crontab(minute=0, hour=8, day_of_week="mon-fri")
    ),
    "expire-memberships": _job("expire-memberships", crontab(minute=10, hour=0)),
    "process-deletion-requests": _job("process-deletion-requests", crontab(minute=30, hour=1)),
    # Rosters are erased at 31 August 23:59:59; the job erases what existed then, so it runs
    # right after that moment, at 00:00 on 1 September.
    "erase-rosters": _job(
        "erase-rosters", crontab(minute=0, hour=0, day_of_month=1, month_of_year=9)
    ),
    "purge-roster-files": _job("purge-roster-files", crontab(minute=45, hour=2)),
    # Every 5 minutes, off the minute other jobs start on.
    "resume-roster-jobs": _job("resume-roster-jobs", crontab(minute="2-59/5")),
    "resume-invitation-batches": _job("resume-invitation-batches", crontab(minute="3-59/5")),
    # Dossier exports: the zip is deleted once its 7-day link has expired (dossier_transfer).
    "purge-portfolio-exports": _job("purge-portfolio-exports", crontab(minute=50, hour=2)),
    # A revocation takes effect at the start of its effective date (SPEC §7).
    "revoke-providers": _job("revoke-providers", crontab(minute=20, hour=0)),
    # Spending windows end at 31 December; pending web orders expire the day after.
    "expire-weborders": _job("expire-weborders", crontab(minute=25, hour=0)),
    # Year end (SPEC §14): settlement may run from 00:00 after a spending window (31 December);
    # on 1 January at 00:30 `close-year` without parameters settles every programme whose
    # window has ended and that is not settled yet. `redistribute-ocw` is not scheduled: the
    # admin runs it in the first quarter once the next programme exists (docs/yearend.md).
    "close-year": _job("close-year", crontab(minute=30, hour=0, day_of_month=1, month_of_year=1)),
    # A new programme opens for ordering (1 September): last year's schools are e-mailed in
    # the morning, once per programme and school.
    "announce-ordering": _job("announce-ordering", crontab(minute=0, hour=7)),
    # Marketplace requests without a provider answer: reminder after 5, expiry after 10
    # working days (settings CK_REQUEST_*_WORKING_DAYS).
    "expire-requests": _job("expire-requests", crontab(minute=30, hour=6)),
    # CmK deadline calendar (issue 13): reminders of deadlines and planned conversations.
    "cmk-reminders": _job("cmk-reminders", crontab(minute=15, hour=7)),
    # Dossier: dossier teachers hear how many students had no reflection conversation within
    # the school's interval (a student counts again after 30 days; docs/teaching.md).
    "remind-reflection-conversations": _job(
        "remind-reflection-conversations", crontab(minute=40, hour=6)
    ),
    # Dossier leavers (issue 12): offer the export, delete after the retention period.
    "dossier-leavers": _job("dossier-leavers", crontab(minute=40, hour=2)),
}
