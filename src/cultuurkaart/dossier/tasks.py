"""Thin Celery tasks: take ids, call one function. Started only through `core.dispatch`."""

from celery import shared_task


@shared_task(name="cultuurkaart.dossier.process_media", acks_late=True)
def process_media(media_id: int) -> None:
    from .services.media import process_media as run

    run(media_id)
