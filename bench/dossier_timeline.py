"""The dossier timeline (issue 12): a portfolio of 2,000 items, first page p95 ≤ 50 ms.

Measures in-process (Django's test client, production-like settings: DEBUG off) the member's
own timeline as the API answers it (`GET /api/v1/me/portfolio/items`, 50 items with their
media and signed links) and as the page shows it (`/mijn-dossier/`, 20 items), plus the
teacher's view of the same portfolio over the API (visible-to-teachers filter, view logged)
and a filtered API call (competency + school year). 200 of the items carry an image (media
rows; the files are not read by a listing). Reports median, p95 and the query count.

Usage (from the repository root; the database is migrated and filled, use a scratch one):
    DATABASE_URL=postgres://ck:ck@/scratch?host=/tmp&port=55432 uv run python bench/dossier_timeline.py [runs=100]
    uv run python bench/dossier_timeline.py            # SQLite in a temporary directory
    PROFILE=1 uv run python bench/dossier_timeline.py  # cProfile of 20 API requests + queries
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

# No collectstatic in a scratch run: serve static names unhashed.
override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ITEMS = 2_000
WITH_MEDIA = 200


def make_data():
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.dossier.models import Enablement, Item, Media, Portfolio
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.rosters.models import Person
    from cultuurkaart.schools.models import Programme, School

    tag = secrets.token_hex(4)
    programme = Programme.objects.get(code="vo-2024")
    school = School.objects.create(
        name=f"Bench dossier {tag}", kind="vo", status="active", board_name="B",
        board_email="b@example.org", directie_name="D", directie_email="d@example.org",
        budget_holder_name="BH", budget_holder_email="bh@example.org",
        invoice_email="i@example.org",
    )  # fmt: skip
    Enablement.objects.create(school=school)
    person = Person.objects.create(
        school=school, kind="students", first_name="A", last_name="B", group="3B"
    )
    student = User.objects.create_user(f"student-{tag}@example.org")
    accounts.grant_role(student, RoleName.STUDENT, school=school)
    Membership.objects.create(
        user=student, school=school, person=person, programme=programme, kind="student",
        mark="cultuurkaart", valid_until=dt.date(2099, 7, 31), pass_key=f"bench-{tag}",
    )  # fmt: skip
    teacher = User.objects.create_user(f"teacher-{tag}@example.org")
    accounts.grant_role(teacher, RoleName.TEACHER, school=school)
    portfolio = Portfolio.objects.create(owner=student)
    start = dt.date(2019, 8, 1)
    types = ["post", "visit", "reflection", "product", "learning_question"]
    visibilities = ["teachers", "teachers", "class", "private"]
    items = [
        Item(
            portfolio=portfolio,
            school=school,
            type=types[i % 5],
            title=f"Item {i}",
            body="<p>" + "Een stuk tekst over wat ik zag en maakte. " * 12 + "</p>",
            occurred_on=start + dt.timedelta(days=(i * 7) % 1800),
            reflecteren=i % 4,
            onderzoeken=(i // 2) % 4,
            creeren=(i // 3) % 4,
            visibility=visibilities[i % 4],
            lq_status="closed" if types[i % 5] == "learning_question" else "",
            prompt="Wat viel je op?" if types[i % 5] == "reflection" else "",
        )
        for i in range(ITEMS)
    ]
    Item.objects.bulk_create(items, batch_size=500)
    chosen = list(Item.objects.filter(portfolio=portfolio).order_by("-occurred_on")[:WITH_MEDIA])
    Media.objects.bulk_create(
        [
            Media(
                portfolio=portfolio,
                item=item,
                kind="image",
                content_type="image/jpeg",
                size=100_000,
                sha256="0" * 64,
                file=f"dossier/bench/{item.pk}.jpg",
                thumbnail=f"dossier/bench/{item.pk}-t.jpg",
                thumbnail_status="done",
            )
            for item in chosen
        ]
    )
    return school, person, student, teacher


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * len(values)) - 1)]


def measure(client: Client, url: str, runs: int) -> tuple[float, float, float, float, int]:
    """Wall-clock median and p95, this process's CPU median and p95 (less sensitive to other
    processes on a shared machine; excludes the database server's own time), queries."""
    for _ in range(5):
        assert client.get(url).status_code == 200, url
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        response = client.get(url)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return (
        statistics.median(wall),
        _p95(wall),
        statistics.median(cpu),
        _p95(cpu),
        len(queries.captured_queries),
    )


def profile(client: Client, url: str) -> None:
    """PROFILE=1: one request under cProfile (after warm-ups) and its queries."""
    import cProfile
    import pstats

    for _ in range(5):
        client.get(url)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profiler.enable()
        for _ in range(20):
            client.get(url)
        profiler.disable()
    per = len(queries.captured_queries) // 20
    print(f"{per} queries per request:")
    for q in queries.captured_queries[:per]:
        print(f"  {q['time']}s  {q['sql'][:160]}")
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    call_command("migrate", verbosity=0)
    school, person, student, teacher = make_data()
    own, staff = Client(), Client()
    own.force_login(student)
    staff.force_login(teacher)
    cases = [
        ("API: own timeline, first page (50)", own, "/api/v1/me/portfolio/items"),
        ("page: /mijn-dossier/ first page (20)", own, "/mijn-dossier/"),
        (
            "API: filtered (creeren, 2022-2023)",
            own,
            "/api/v1/me/portfolio/items?competency=creeren&school_year=2022-2023",
        ),
        (
            "API: teacher view, first page (50, logged)",
            staff,
            f"/api/v1/schools/{school.pk}/students/{person.pk}/portfolio",
        ),
    ]
    if os.environ.get("PROFILE"):  # PROFILE=1: the API's first page; PROFILE=2: the page
        profile(own, cases[int(os.environ["PROFILE"]) - 1][2])
        return
    print(f"{connection.vendor}, {ITEMS} items, {runs} runs after 5 warm-ups")
    print("| request | wall median / p95 ms | CPU median / p95 ms | queries |")
    print("| --- | --- | --- | --- |")
    only = os.environ.get("ONLY")  # ONLY=2: just the page (1-based, as PROFILE)
    for label, client, url in [cases[int(only) - 1]] if only else cases:
        median, p95, cpu_median, cpu_p95, count = measure(client, url, runs)
        print(
            f"| {label} | {median:.1f} / {p95:.1f} | {cpu_median:.1f} / {cpu_p95:.1f} | {count} |"
        )


if __name__ == "__main__":
    main()
