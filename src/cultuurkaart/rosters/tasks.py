"""Thin Celery tasks: take ids, call one function. Started only through `core.dispatch`."""

from celery import shared_task


@shared_task(name="cultuurkaart.rosters.run_roster_job", acks_late=True)
def run_roster_job(job_id: int) -> None:
    from .runner import run_job

    run_job(job_id)
