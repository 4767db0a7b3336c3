"""The CmK programme dashboard with 400 schools and 5,000 activities (issue 13).

Target: p95 ≤ 100 ms server time, warm, for the dashboard page, the dashboard API and the
targets API (which counts every indicator from the records). The Amstelland programme gets 400
participations (PO, SBO, VO; tracks 1 and 2 at random steps, 4 municipalities), 5,000
activities over lines A/B/C and the four years (each with 1–3 schools), 60 meetings with
attendance, 800 conversations and 600 open actions. Data loaded with bulk inserts. Requests
go through Django's test client in-process (server time, no network), RUNS each after 10
warm-up requests; the query count is of one request.

Usage (from the repository root):
    DATABASE_URL=postgres://user:pw@127.0.0.1:5432/scratch uv run python bench/cmk_dashboard.py [RUNS]
    uv run python bench/cmk_dashboard.py            # SQLite in a temporary directory
The database named by DATABASE_URL is migrated and filled; use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

SCHOOLS = 400
ACTIVITIES = 5000


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(client: Client, url: str, runs: int, **headers) -> tuple[float, float, int]:
    for _ in range(10):
        assert client.get(url, headers=headers).status_code == 200, url
    queries = []
    with connection.execute_wrapper(
        lambda ex, sql, p, m, c: queries.append(sql) or ex(sql, p, m, c)
    ):
        client.get(url, headers=headers)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(samples), p95(samples), len(queries)


def fill():
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.accounts.services import create_api_token, grant_role
    from cultuurkaart.cmk import seed
    from cultuurkaart.cmk.models import (
        Action,
        Activity,
        Conversation,
        Line,
        Meeting,
        MeetingAttendance,
        Participation,
        Programme,
        StepChange,
        Track,
    )
    from cultuurkaart.schools.models import Location

    rng = random.Random(13)
    programme = Programme.objects.get(code=seed.CODE)
    if programme.participations.exists():
        raise SystemExit("The database has CmK data already: use a scratch database.")
    municipalities = list(programme.municipalities.all())
    tracks = {t.code: t for t in Track.objects.filter(programme=programme, is_current=True)}
    steps = {code: list(t.steps.all()) for code, t in tracks.items()}
    kinds = ["po"] * 300 + ["sbo"] * 40 + ["vo"] * 60
    Location.objects.bulk_create(
        Location(code=f"CMK{i:05d}", kind=kinds[i], name=f"School {i:03d}", municipality="")
        for i in range(SCHOOLS)
    )
    locations = list(Location.objects.filter(code__startswith="CMK").order_by("code"))
    parts = []
    for i, loc in enumerate(locations):
        code = "track-2" if i % 5 == 0 else "track-1"
        step = rng.choice(steps[code])
        parts.append(
            Participation(
                programme=programme,
                location=loc,
                municipality=municipalities[i % len(municipalities)],
                track=tracks[code],
                cycle=1,
                current_step=step,
                step_since=dt.date(2025, 3, 1),
                prospect=code == "track-2" and step.number <= 2,
                new_school=code == "track-2",
                committed_on=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(1400))
                if code == "track-2" and step.number > 2
                else None,
                joined_on=dt.date(2025, 1, 6),
            )
        )
    Participation.objects.bulk_create(parts)
    parts = list(Participation.objects.filter(programme=programme))
    StepChange.objects.bulk_create(
        StepChange(
            participation=p,
            track=p.track,
            cycle=1,
            to_number=p.current_step.number,
            kind="start",
            on=dt.date(2025, 1, 6),
        )
        for p in parts
    )
    lines = list(Line.objects.filter(programme=programme))
    Activity.objects.bulk_create(
        Activity(
            programme=programme,
            line=lines[i % 3],
            title=f"Activiteit {i}",
            held_on=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(1460)),
            participants=rng.randrange(5, 200),
        )
        for i in range(ACTIVITIES)
    )
    through = Activity.participations.through
    links = set()
    for activity_id in Activity.objects.filter(programme=programme).values_list("pk", flat=True):
        for p in rng.sample(parts, rng.randrange(1, 4)):
            links.add((activity_id, p.pk))
    through.objects.bulk_create(
        through(activity_id=a, participation_id=p) for a, p in sorted(links)
    )
    meetings = Meeting.objects.bulk_create(
        Meeting(
            programme=programme,
            level=rng.choice(["regional", "municipal", "provincial", "national"]),
            topic=f"Bijeenkomst {i}",
            held_on=dt.date(2025, 1, 15) + dt.timedelta(days=i * 23),
            status="held",
        )
        for i in range(60)
    )
    MeetingAttendance.objects.bulk_create(
        MeetingAttendance(meeting=m, organisation=f"Organisatie {j}", people=rng.randrange(1, 9))
        for m in meetings
        for j in range(5)
    )
    Conversation.objects.bulk_create(
        Conversation(
            participation=parts[i % len(parts)],
            held_on=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(700)),
            shared_minutes="Gedeeld verslag",
            staff_minutes="Intern",
        )
        for i in range(800)
    )
    Action.objects.bulk_create(
        Action(participation=parts[i % len(parts)], text=f"Actie {i}") for i in range(600)
    )
    staff, _ = User.objects.get_or_create(email="bench-cmk@example.org")
    grant_role(staff, RoleName.CMK_STAFF, cmk_programme=programme)
    _, token = create_api_token(staff, name="bench")
    return programme, staff, token


def main(runs: int) -> None:
    call_command("migrate", verbosity=0)
    programme, staff, token = fill()
    client = Client()
    client.force_login(staff)
    api = {"Authorization": f"Bearer {token}"}
    print(f"{connection.vendor}: {SCHOOLS} schools, {ACTIVITIES} activities, {runs} runs")
    for label, url, headers in (
        ("dashboard page", f"/cmk/{programme.pk}/", {}),
        ("API dashboard", f"/api/v1/cmk/programmes/{programme.pk}/dashboard", api),
        ("API targets", f"/api/v1/cmk/programmes/{programme.pk}/targets", api),
        ("targets page", f"/cmk/{programme.pk}/doelen/", {}),
    ):
        median, high, queries = timed(client, url, runs, **headers)
        print(f"  {label:16s} median {median:6.1f} ms  p95 {high:6.1f} ms  queries {queries}")
    from cultuurkaart.cmk.services import dashboard

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        dashboard.compute(programme)
        samples.append((time.perf_counter() - start) * 1000)
    print(
        f"  {'computed (no cache)':16s} median {statistics.median(samples):6.1f} ms  "
        f"p95 {p95(samples):6.1f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
