"""Scheduled jobs of the marketplace (API.md "Jobs"); each is idempotent.

`expire-requests` runs daily (Europe/Amsterdam): a reminder to the provider after 5 and
expiry after 10 working days without an answer (settings `CK_REQUEST_REMINDER_WORKING_DAYS`,
`CK_REQUEST_EXPIRY_WORKING_DAYS`)."""

from __future__ import annotations

from cultuurkaart.core.jobs import job

from .services import requests


@job("expire-requests")
def expire_requests(params: dict) -> dict:
    """→ {"reminded": int, "expired": int}"""
    return requests.expire_requests()
