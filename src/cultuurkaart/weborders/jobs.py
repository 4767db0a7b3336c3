"""Scheduled jobs of web orders (API.md "Jobs"); each is idempotent.

`expire-weborders` runs daily just after midnight (Europe/Amsterdam): the day after a
spending window ends, its pending web orders expire."""

from __future__ import annotations

from cultuurkaart.core.jobs import job

from . import services


@job("expire-weborders")
def expire_weborders(params: dict) -> dict:
    """→ {"expired": int}"""
    return {"expired": services.expire_weborders()}
