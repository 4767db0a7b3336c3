"""Invitation benchmark (issue 4): 20,000 students of one school.

1. Generating the invitations (fresh codes: keyed hash + encryption, revoking old ones,
   invitation rows = queued e-mails, status update) must take ≤ 5 s.
2. Sending them through a real SMTP server on loopback (aiosmtpd) at ≥ 200 mails/s.

Usage (from the repository root):
    uv run python bench/invitations_bench.py [N]            # SQLite in a temp directory
    DATABASE_URL=postgres://... uv run python bench/invitations_bench.py [N]
The database named by DATABASE_URL is migrated and filled; use a scratch database.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django

setup_django()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main(n: int) -> None:
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    from cultuurkaart.memberships import services, tasks
    from cultuurkaart.memberships.models import ActivationCode, Invitation
    from cultuurkaart.rosters.models import Person
    from cultuurkaart.schools.models import Location, Programme, School

    location, _ = Location.objects.get_or_create(
        code="99ZZ00", defaults={"kind": "vo", "name": "Bench", "students": n}
    )
    school = School.objects.create(
        name="Bench College",
        kind="vo",
        status="active",
        board_name="B",
        board_email="b@x.nl",
        directie_name="D",
        directie_email="d@x.nl",
        budget_holder_name="H",
        budget_holder_email="h@x.nl",
        invoice_email="i@x.nl",
    )
    school.locations.add(location)
    school.programmes.add(Programme.objects.get(code="vo-2024"))
    Person.objects.bulk_create(
        [
            Person(
                school=school,
                kind="students",
                first_name=f"Leerling{i}",
                last_name=f"Achternaam{i}",
                email=f"leerling{i}@bench.example",
                year=1 + i % 6,
                group=f"{1 + i % 6}A",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    queued: list[int] = []
    tasks.enqueue_invitation_mails = queued.append  # measure generation without sending

    started = time.perf_counter()
    batch = services.invite_people(school, actor=None, kind="students", statuses=["new"])
    generation = time.perf_counter() - started
    assert batch.invited == n and batch.to_mail == n, batch
    assert ActivationCode.objects.filter(school=school, revoked_at__isnull=True).count() == n

    # A second click for everyone (all now invited): every old code is revoked as well.
    started = time.perf_counter()
    batch2 = services.invite_people(school, actor=None, kind="students", statuses=["invited"])
    regeneration = time.perf_counter() - started
    assert batch2.invited == n

    handler = CountingHandler()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    started = time.perf_counter()
    result = services.send_invitation_mails(batch2.pk)
    sending = time.perf_counter() - started
    controller.stop()
    assert result.mailed == n == handler.count, (result.mailed, handler.count)
    assert Invitation.objects.filter(batch=batch2, mail_status="sent").count() == n

    print(f"database: {connection.vendor}; people: {n}")
    print(f"generate invitations (codes + queued mails): {generation:.2f} s")
    print(f"re-invite everyone (revoke + new codes):     {regeneration:.2f} s")
    print(
        f"send over SMTP (aiosmtpd on loopback):       {sending:.2f} s = {n / sending:.0f} mails/s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
