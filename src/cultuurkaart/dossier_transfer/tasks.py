"""Thin Celery tasks: take ids, call one function. Started only through `core.dispatch`."""

from celery import shared_task


@shared_task(name="cultuurkaart.dossier_transfer.build_portfolio_export", acks_late=True)
def build_portfolio_export(export_id: int) -> None:
    from .services.exports import build_export

    build_export(export_id)
