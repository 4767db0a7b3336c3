"""Background runs of roster validations and imports, with progress for the page.

`start_job(job)` hands the job to `core.dispatch` as background work: a Celery worker
when a broker is configured, a daemon thread in the embedded set-up (synchronously in the
tests, `CK_TASK_THREADS = False`). It starts when the transaction commits; the page polls
the job's status.
"""

from __future__ import annotations

import datetime as dt
import logging

from cultuurkaart.core import clock
from cultuurkaart.core.dispatch import dispatch
from cultuurkaart.core.errors import DomainError

from . import services
from .constants import JobAction, JobStatus
from .models import RosterJob
from .validation import validate_file

logger = logging.getLogger(__name__)
JOB_FILE_HOURS = 2
# A queued or running job whose heartbeat (`updated_at`) is older than this died with its
# process. Above the longest silent stretch of a run: the replace of 50,000 rows is one
# transaction whose progress updates are not visible until it commits (about a minute).
STALE = dt.timedelta(minutes=10)
PAGE_ERRORS = 1000  # errors kept for the page (the API returns them all)


def create_job(
    school, kind: str, action: str, data: bytes, *, filename: str, actor, confirmed=False
) -> RosterJob:
    purge_old_files()
    return RosterJob.objects.create(
        school=school,
        kind=kind,
        action=action,
        data=data,
        filename=(filename or "")[:200],
        confirmed=confirmed,
        created_by=actor,
    )


def start_job(job: RosterJob) -> None:
    from .tasks import run_roster_job

    dispatch(run_roster_job, job.pk, background=True)


def _set(job_id: int, **fields) -> None:
    RosterJob.objects.filter(pk=job_id).update(updated_at=clock.now(), **fields)


def run_job(job_id: int) -> None:
    """Validate (and for an import: replace the roster). Never raises for a bad file:
    the outcome goes into `job.result`. Safe to run again after a crash: a finished job is
    left alone, and the import replaces the roster in one transaction (a killed run left
    the old roster as it was; the rerun makes the new one, once)."""
    job = RosterJob.objects.select_related("school", "created_by").get(pk=job_id)
    claimed = (
        RosterJob.objects.filter(pk=job_id)
        .exclude(status__in=[JobStatus.DONE, JobStatus.FAILED])
        .update(status=JobStatus.RUNNING, progress=1, phase="validate", updated_at=clock.now())
    )
    if not claimed:
        return
    importing = job.action == JobAction.IMPORT
    share = 40 if importing else 99
    last = [-1]

    def on_rows(done: int, total: int) -> None:
        percent = 1 + int(share * done / max(total, 1))
        if percent != last[0]:
            last[0] = percent
            _set(job_id, progress=percent)

    data = bytes(job.data or b"")
    try:
        result = validate_file(data, job.kind, school_kind=job.school.kind, progress=on_rows)
        outcome = {
            "valid": result.valid,
            "rows": result.row_count,
            "error_count": result.error_count,
            "errors": result.errors[:PAGE_ERRORS],
        }
        if importing and result.valid:
            if not job.confirmed:
                outcome["confirmation_required"] = True
            else:

                def on_phase(phase: str, percent: int) -> None:
                    _set(job_id, phase=phase, progress=40 + int(percent * 0.59))

                summary = services.replace_roster(
                    job.school,
                    job.kind,
                    result.rows,
                    actor=job.created_by,
                    filename=job.filename,
                    progress=on_phase,
                )
                outcome["summary"] = summary
        fields = {"status": JobStatus.DONE, "result": outcome}
    except DomainError as exc:
        fields = {
            "status": JobStatus.DONE,
            "result": {
                "valid": False,
                "unreadable": True,
                "type": exc.type,
                "message": exc.message,
                "rows": 0,
                "errors": [],
                "error_count": 0,
            },
        }
    except Exception as exc:
        # Only the exception's type and where it was raised: its message can hold row values
        # (names, e-mail addresses), and personal data never goes into the logs.
        frame = exc.__traceback__
        while frame is not None and frame.tb_next is not None:
            frame = frame.tb_next
        where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
        logger.error("roster job %s failed: %s at %s", job_id, type(exc).__name__, where)
        fields = {"status": JobStatus.FAILED, "result": {"valid": False, "failed": True}}
    keep_file = job.action == JobAction.VALIDATE and fields["result"].get("valid")
    _set(
        job_id,
        progress=100,
        phase="",
        finished_at=clock.now(),
        **({} if keep_file else {"data": None}),
        **fields,
    )


def resume_stale_jobs() -> dict:
    """Jobs that died with their process (kill -9, a deploy, a lost thread): queued or
    running and not moved for `STALE`. Each is run again (`run_job` is safe to repeat);
    one whose file was already purged cannot be, and is marked failed so the page says so
    (job `resume-roster-jobs`)."""
    cutoff = clock.now() - STALE
    stale = RosterJob.objects.filter(
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING], updated_at__lt=cutoff
    )
    lost = stale.filter(data__isnull=True).update(
        status=JobStatus.FAILED,
        result={"valid": False, "failed": True, "lost": True},
        progress=100,
        phase="",
        finished_at=clock.now(),
        updated_at=clock.now(),
    )
    resumed = 0
    for job in stale.filter(data__isnull=False).order_by("pk"):
        # Claim it for this resume (a second sweep at the same moment finds it moved on).
        if RosterJob.objects.filter(pk=job.pk, updated_at=job.updated_at).update(
            status=JobStatus.QUEUED, updated_at=clock.now()
        ):
            start_job(job)
            resumed += 1
    return {"resumed": resumed, "lost": lost}


def purge_old_files() -> int:
    """Drop uploaded files older than JOB_FILE_HOURS, and jobs older than a day (their
    results hold names)."""
    now = clock.now()
    RosterJob.objects.filter(created_at__lt=now - dt.timedelta(days=1)).delete()
    return RosterJob.objects.filter(
        created_at__lt=now - dt.timedelta(hours=JOB_FILE_HOURS), data__isnull=False
    ).update(data=None)
