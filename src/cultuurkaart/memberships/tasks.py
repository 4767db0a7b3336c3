"""Thin Celery tasks: take ids, call one service. Without a broker they run eagerly."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection

from cultuurkaart.conf.celery import app

# In the embedded set-up (no broker) a large batch is mailed by a thread in this process,
# so the page can show progress; small batches are mailed before the response.
THREAD_THRESHOLD = 200


@app.task(acks_late=True, name="memberships.send_invitation_mails")
def send_invitation_mails(batch_id: int) -> dict:
    from . import services

    batch = services.send_invitation_mails(batch_id)
    return {"batch": batch.pk, "mailed": batch.mailed, "failed": batch.failed}


def _in_thread(batch_id: int) -> None:
    try:
        send_invitation_mails(batch_id)
    finally:
        connection.close()


def enqueue_invitation_mails(batch_id: int) -> None:
    from .models import InvitationBatch

    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True)
    if eager and not getattr(settings, "CK_TESTING", False):
        to_mail = InvitationBatch.objects.filter(pk=batch_id).values_list("to_mail", flat=True)
        if to_mail and to_mail[0] > THREAD_THRESHOLD:
            threading.Thread(target=_in_thread, args=(batch_id,), daemon=True).start()
            return
    send_invitation_mails.delay(batch_id)
