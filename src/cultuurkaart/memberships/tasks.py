"""Thin Celery tasks: take ids, call one service. Started only through `core.dispatch`."""

from __future__ import annotations

from celery import shared_task

# In the embedded set-up (no broker) a batch above this many e-mails is mailed by a thread
# in this process, so the page can show progress; smaller ones before the response.
THREAD_THRESHOLD = 200


@shared_task(name="cultuurkaart.memberships.send_invitation_mails", acks_late=True)
def send_invitation_mails(batch_id: int) -> dict:
    from . import services

    batch = services.send_invitation_mails(batch_id)
    return {"batch": batch.pk, "mailed": batch.mailed, "failed": batch.failed}
