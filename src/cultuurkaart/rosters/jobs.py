"""Scheduled jobs of the rosters app (core.jobs)."""

from cultuurkaart.core.jobs import job

from .runner import purge_old_files, resume_stale_jobs


@job("purge-roster-files")
def purge_roster_files(params: dict) -> dict:
    """Uploaded roster files are kept only briefly (they hold personal data)."""
    return {"purged": purge_old_files()}


@job("resume-roster-jobs")
def resume_roster_jobs(params: dict) -> dict:
    """Roster validations and imports that died with their process are run again."""
    return resume_stale_jobs()
