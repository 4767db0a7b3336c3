"""Scheduled job of CmK monitoring: `cmk-reminders` (daily) mails the deadline calendar's
reminders (services/deadlines.py); idempotent."""

from __future__ import annotations

from cultuurkaart.core.jobs import job

from .services import deadlines


@job("cmk-reminders")
def cmk_reminders(params: dict) -> dict:
    """→ {"deadlines": int, "conversations": int}"""
    return deadlines.send_reminders()
