"""Celery entry point for scheduled jobs (the beat schedule lives in conf/celery.py)."""

from __future__ import annotations

from celery import shared_task

from . import jobs


@shared_task(
    bind=True,
    name="cultuurkaart.run_job",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=jobs.MAX_RETRIES,
)
def run_job(
    self, name: str, params: dict | None = None, trigger: str = "beat", actor_id=None
) -> dict:
    """Run one registered job at the current time through `jobs.run` (lock, JobRun).

    A run while the same job runs elsewhere is skipped (recorded, `{"skipped": true}`);
    transient errors (database, broker) are retried with exponential backoff; a domain
    error is not (it would fail the same way again). Jobs are idempotent, so a retry or
    a redelivery after a lost worker (`acks_late`) is safe."""
    try:
        return jobs.run(
            name,
            params or {},
            trigger=trigger,
            actor=actor_id,
            wait=False,
            attempt=self.request.retries + 1,
        )
    except jobs.JobRunning:
        return {"skipped": True}
    except jobs.TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=jobs.backoff(self.request.retries)) from exc


@shared_task(name="cultuurkaart.core.flush_outbox", ignore_result=True)
def flush_outbox() -> dict:
    """Send again the tasks that did not reach the broker at their commit (core.dispatch)."""
    from .dispatch import flush_outbox as flush

    return flush()
