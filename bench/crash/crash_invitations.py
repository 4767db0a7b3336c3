"""kill -9 in the middle of an invitation batch (issue 14 point 4).

A school of 20,000 students (80 % with an e-mail address) is invited; a child process sends
the batch's e-mails (`memberships.services.send_invitation_mails`, what the worker runs) and
is killed once a quarter has gone out, while a chunk is being sent. E-mails are written to files (Django's
file-based backend), so every mail that left is counted. Then: nobody got two mails; the batch
still says running. After the restart the sweep `resume-invitation-batches` (every 5 minutes)
finds it stale (no progress for 10 minutes): the rows the dead process had claimed become
failed (they may or may not have been mailed: never mailed again), the rest is sent. In the
end every invitation is sent or failed, nobody has two mails, every sent row one, and a
second sweep does nothing.

    DATABASE_URL=postgres://… uv run python bench/crash/crash_invitations.py [PEOPLE]
PostgreSQL only. Use a scratch database.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
if "--child" not in sys.argv:
    os.environ["EMAIL_FILE_PATH"] = tempfile.mkdtemp(prefix="ck-crash-mail-")
os.environ.pop("EMAIL_HOST", None)
os.environ.pop("EMAIL_BACKEND", None)
import _harness
from _setup import setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

APP = "ck-crash-invitations"


def child(batch_id: int) -> None:
    from cultuurkaart.memberships import services

    _harness.name_connection(APP)
    services.send_invitation_mails(batch_id, chunk_size=250)


def mails_per_recipient() -> collections.Counter:
    """Every message the file-based backend wrote (one file per SMTP connection)."""
    found: collections.Counter = collections.Counter()
    for path in Path(os.environ["EMAIL_FILE_PATH"]).iterdir():
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("To: "):
                found[line[4:].strip()] += 1
    return found


def main(people: int) -> None:
    from _weborders_data import make_schools
    from roster_make import make_students

    from cultuurkaart.core import clock, jobs
    from cultuurkaart.memberships import services
    from cultuurkaart.memberships.constants import BatchStatus, MailStatus
    from cultuurkaart.memberships.models import Invitation, InvitationBatch
    from cultuurkaart.rosters import services as rosters
    from cultuurkaart.rosters.validation import validate_file
    from cultuurkaart.schools.models import School

    call_command("migrate", verbosity=0)
    (school,) = make_schools(1, f"inv{School.objects.count():03d}")
    rows = validate_file(make_students(people, seed=5), "students", school_kind="vo").rows
    rosters.replace_roster(school, "students", rows, actor=None, filename="crash.xlsx")
    started = time.perf_counter()
    # The child sends the batch (as the worker would): the dispatch at the invitation is
    # left out here.
    with mock.patch.object(services, "dispatch"):
        batch = services.invite_people(school, actor=None, kind="students")
    print(
        f"{people} students, {batch.to_mail} to mail (invited in "
        f"{time.perf_counter() - started:.1f} s); killing the sending in the middle",
        flush=True,
    )

    def in_flight() -> bool:
        """A quarter mailed and a chunk claimed but not yet marked sent: the kill lands
        while mails of that chunk are being built or sent."""
        return (
            InvitationBatch.objects.get(pk=batch.pk).mailed >= batch.to_mail // 4
            and Invitation.objects.filter(batch=batch, mail_status=MailStatus.SENDING).exists()
        )

    ran = _harness.kill_when(
        [__file__, "--child", str(batch.pk)],
        APP,
        in_flight,
    )
    print(f"killed after {ran:.1f} s", flush=True)
    batch.refresh_from_db()
    sent_before = mails_per_recipient()
    _harness.check(batch.status == BatchStatus.RUNNING, "the batch still says running")
    _harness.check(
        0 < batch.mailed < batch.to_mail, f"part was mailed ({batch.mailed} of {batch.to_mail})"
    )
    _harness.check(max(sent_before.values()) == 1, "nobody got two mails")
    claimed = Invitation.objects.filter(batch=batch, mail_status=MailStatus.SENDING).count()
    print(f"rows claimed by the dead process: {claimed}", flush=True)

    with (
        override_settings(CK_TASK_THREADS=False, CELERY_BROKER_URL=""),
        clock.frozen(clock.now() + services.BATCH_STALE + dt.timedelta(minutes=1)),
    ):
        resumed = jobs.run("resume-invitation-batches")
        _harness.check(
            resumed == {"resumed": 1, "unknown": claimed}, f"the sweep resumes it {resumed}"
        )
        again = jobs.run("resume-invitation-batches")
        _harness.check(again == {"resumed": 0, "unknown": 0}, "a second sweep does nothing")
    batch.refresh_from_db()
    sent = mails_per_recipient()
    statuses = collections.Counter(
        Invitation.objects.filter(batch=batch).values_list("mail_status", flat=True)
    )
    _harness.check(batch.status == BatchStatus.DONE, "the batch is done")
    _harness.check(
        statuses[MailStatus.PENDING] == 0 and statuses[MailStatus.SENDING] == 0,
        f"nothing is left to send {dict(statuses)}",
    )
    _harness.check(
        batch.mailed + batch.failed == batch.to_mail,
        f"mailed {batch.mailed} + failed {batch.failed} = {batch.to_mail} to mail",
    )
    _harness.check(max(sent.values()) == 1, "nobody got two mails, across the crash")
    sent_rows = set(
        Invitation.objects.filter(batch=batch, mail_status=MailStatus.SENT).values_list(
            "person__email", flat=True
        )
    )
    _harness.check(sent_rows <= set(sent), "every row marked sent was mailed")
    _harness.check(len(sent_rows) == batch.mailed, f"{batch.mailed} rows sent")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(int(sys.argv[sys.argv.index("--child") + 1]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
