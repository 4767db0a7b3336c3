"""Scheduled provider jobs (core.jobs)."""

from __future__ import annotations

from typing import Any

from cultuurkaart.core.jobs import job

from . import services


@job("revoke-providers")
def revoke_providers(params: dict[str, Any]) -> dict[str, Any]:
    """Announced revocations whose effective date has come take effect (SPEC §7)."""
    return {"revoked": [str(p.pk) for p in services.revoke_due()]}
