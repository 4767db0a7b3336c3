"""Scheduled jobs of the dossier (docs/dossier.md); each is idempotent and reads core.clock."""

from __future__ import annotations

from cultuurkaart.core.jobs import job


@job("dossier-leavers")
def dossier_leavers(params: dict) -> dict:
    """→ {"marked": int, "cleared": int, "deleted": int} (SPEC §11 leaver rule)."""
    from .services import leavers

    return leavers.run()
