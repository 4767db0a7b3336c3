"""Scheduled jobs of the schools domain (core.jobs); each is idempotent."""

from __future__ import annotations

from cultuurkaart.core.jobs import job

from . import years


@job("announce-ordering")
def announce_ordering(params: dict) -> dict:
    """→ {"programmes": int, "schools": int}: schools of last year's programme e-mailed once
    the next programme opens for ordering (once per programme and school)."""
    return years.announce_ordering()
