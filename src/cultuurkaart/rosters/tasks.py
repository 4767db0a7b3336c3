"""Celery tasks (thin: take ids, call one function)."""

from celery import shared_task


@shared_task(acks_late=True)
def run_roster_job(job_id: int) -> None:
    from .runner import run_job

    run_job(job_id)
