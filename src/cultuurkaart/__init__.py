"""The Cultuurkaart platform. The Celery app is loaded with Django so tasks bind to it."""

from .conf.celery import app as celery_app

__all__ = ["celery_app"]
