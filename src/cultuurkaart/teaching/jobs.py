"""Scheduled jobs of the teaching part of the dossier; each is idempotent.

`remind-reflection-conversations` runs daily: dossier teachers hear how many students had
no reflection conversation within the school's interval (a student counts again after 30
days)."""

from __future__ import annotations

from cultuurkaart.core.jobs import job

from .services import conversations


@job("remind-reflection-conversations")
def remind_reflection_conversations(params: dict) -> dict:
    """→ {"students": int, "emails": int}"""
    return conversations.send_reminders()
