"""Scheduled jobs of the memberships domain (API.md "Jobs"); each is idempotent.

Schedule: `erase-rosters` on 31 August at 23:59:59 Europe/Amsterdam, the others daily
shortly after midnight. All read the time from core.clock (`--now` / `X-Clock`).
"""

from __future__ import annotations

from cultuurkaart.core.jobs import job

from . import services


@job("erase-rosters")
def erase_rosters(params: dict) -> dict:
    """→ {"schools": int, "people": int}: roster entries and unused codes erased."""
    return services.erase_rosters()


@job("expire-memberships")
def expire_memberships(params: dict) -> dict:
    """→ {"expired": int}: memberships past their end date set inactive."""
    return {"expired": services.expire_memberships()}


@job("process-deletion-requests")
def process_deletion_requests(params: dict) -> dict:
    """→ {"processed": int}: pending deletion requests carried out."""
    return {"processed": services.process_deletion_requests()}


@job("resume-invitation-batches")
def resume_invitation_batches(params: dict) -> dict:
    """→ {"resumed": int, "unknown": int}: invitation batches that died with their process
    sent on; mails that may or may not have left marked failed (never sent twice)."""
    return services.resume_stale_batches()
