"""Thin Celery tasks: take ids, call one service. Started only through `core.dispatch`."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="cultuurkaart.accounts.send_password_reset_mail", acks_late=True)
def send_password_reset_mail(user_id: int) -> None:
    from . import services

    services.send_password_reset_mail(user_id)
