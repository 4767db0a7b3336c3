"""Celery entry point for scheduled jobs (the beat schedule lives in conf/celery.py)."""

from celery import shared_task

from . import jobs


@shared_task(name="cultuurkaart.run_job", acks_late=True)
def run_job(name: str, params: dict | None = None) -> dict:
    """Run one registered job at the current time; jobs are idempotent, so a retry is safe."""
    return jobs.run(name, params or {})
