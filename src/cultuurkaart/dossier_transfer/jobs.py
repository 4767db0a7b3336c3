"""Scheduled jobs of dossier_transfer (core.jobs)."""

from cultuurkaart.core.jobs import job


@job("purge-portfolio-exports")
def purge_portfolio_exports(params: dict) -> dict:
    """Export files are kept for 7 days (their link expires then; they hold a portfolio)."""
    from .services.exports import purge_expired

    return {"purged": purge_expired()}
