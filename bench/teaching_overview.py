"""The class overview of the dossier (issue 12, performance): 40 students × 200 items each,
p95 ≤ 100 ms with a fixed number of queries.

Data: a school with the dossier on, one class of 40 students (roster entry, membership,
portfolio), 200 items each (8,000; competencies, learning questions, a mix of visibilities),
12 assignments for the class and 3 for single students, submissions (some late) and
extensions. Measured: `teaching.services.growth.class_overview` alone, and the whole request
`GET /api/v1/schools/{id}/dossier/overview?class_id=` (token auth, JSON), 100 runs after 5
warm-ups each; the number of queries of each is printed (and must not change with the class
size: the run repeats the count with 10 students).

Usage (from the repository root; the database is migrated and filled, use a scratch one):
    DATABASE_URL=postgres://ck:ck@/scratch?host=/tmp&port=55432 uv run python bench/teaching_overview.py
    uv run python bench/teaching_overview.py            # SQLite in a temporary directory
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

STUDENTS, ITEMS, RUNS, WARM = 40, 200, 100, 5


def make_data(students: int, group: str):
    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.core import clock
    from cultuurkaart.dossier.models import Enablement, Item, Portfolio
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.rosters.models import Person
    from cultuurkaart.schools.models import Programme, School
    from cultuurkaart.teaching.models import (
        Assignment,
        AssignmentTarget,
        Extension,
        Submission,
    )

    rng = random.Random(12)
    tag = secrets.token_hex(4)
    now = clock.now()
    programme = Programme.objects.get(code="vo-2024")
    school = School.objects.create(name=f"Bench College {tag}", kind="vo", status="approved")
    school.programmes.add(programme)
    Enablement.objects.get_or_create(school=school, group="")
    teacher = User.objects.create_user(email=f"docent-{tag}@bench.example", password=None)
    accounts.grant_role(teacher, RoleName.TEACHER, school=school)
    people, users = [], []
    for i in range(students):
        person = Person.objects.create(
            school=school,
            kind="students",
            first_name=f"Leerling{i}",
            last_name=f"Bench{i}",
            group=group,
            year=3,
        )
        user = User.objects.create_user(email=f"l{i}-{tag}@bench.example", password=None)
        accounts.grant_role(user, RoleName.STUDENT, school=school)
        Membership.objects.create(
            user=user,
            school=school,
            person=person,
            programme=programme,
            kind="student",
            mark="cultuurkaart",
            valid_until=dt.date(2099, 7, 31),
            pass_key=f"b-{tag}-{i}",
        )
        people.append(person)
        users.append(user)
    portfolios = Portfolio.objects.bulk_create([Portfolio(owner=u) for u in users])
    items = []
    types = ["post", "visit", "reflection", "product", "learning_question"]
    for portfolio in portfolios:
        for j in range(ITEMS):
            kind = types[j % len(types)]
            items.append(
                Item(
                    portfolio=portfolio,
                    type=kind,
                    title=f"Item {j}",
                    occurred_on=dt.date(2024, 1, 1) + dt.timedelta(days=j % 300),
                    reflecteren=rng.randint(0, 3),
                    onderzoeken=rng.randint(0, 3),
                    creeren=rng.randint(0, 3),
                    visibility=rng.choice(["teachers", "teachers", "class", "private"]),
                    lq_status=rng.choice(["open", "in_progress", "closed"])
                    if kind == "learning_question"
                    else "",
                )
            )
    Item.objects.bulk_create(items, batch_size=2000)
    assignments = []
    for k in range(15):
        a = Assignment.objects.create(
            school=school,
            created_by=teacher,
            title=f"Opdracht {k}",
            opens_at=now - dt.timedelta(days=60),
            due_at=now + dt.timedelta(days=k - 7),
        )
        if k < 12:
            AssignmentTarget.objects.create(assignment=a, group=group)
        else:
            AssignmentTarget.objects.create(assignment=a, person=people[k % len(people)])
        assignments.append(a)
    subs = []
    for a in assignments[:10]:
        for i, (person, user) in enumerate(zip(people, users, strict=True)):
            if i % 4:
                subs.append(
                    Submission(
                        assignment=a,
                        student=user,
                        person=person,
                        attempt=1,
                        text="x",
                        text_sha256="0",
                        late=bool(i % 3 == 0),
                    )
                )
    Submission.objects.bulk_create(subs)
    Extension.objects.bulk_create(
        [
            Extension(
                assignment=assignments[11],
                person=p,
                due_at=now + dt.timedelta(days=3),
                reason="bench",
            )
            for p in people[:5]
        ]
    )
    _, token = accounts.create_api_token(teacher, name="bench")
    return school, token


def timed(fn, runs=RUNS, warm=WARM) -> tuple[float, float]:
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    call_command("migrate", verbosity=0)
    from cultuurkaart.teaching.services import classes, growth

    t0 = time.perf_counter()
    school, token = make_data(STUDENTS, "3B")
    small_school, _ = make_data(10, "2A")
    print(f"data: {time.perf_counter() - t0:.1f} s ({STUDENTS} × {ITEMS} items)")
    cid = classes.class_id(school.pk, "3B")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/schools/{school.pk}/dossier/overview?class_id={cid}"

    with CaptureQueriesContext(connection) as big:
        rows = growth.class_overview(school, "3B")
    with CaptureQueriesContext(connection) as small:
        growth.class_overview(small_school, "2A")
    assert len(rows) == STUDENTS
    print(f"service queries: {len(big)} (40 students), {len(small)} (10 students)")
    for q in big.captured_queries:
        print(f"  {float(q['time']) * 1000:6.1f} ms  {q['sql'][:90]}")
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    with CaptureQueriesContext(connection) as request_queries:
        client.get(url)
    print(f"request queries: {len(request_queries)}")
    med, p95 = timed(lambda: growth.class_overview(school, "3B"))
    print(f"class_overview (service): median {med:.1f} ms, p95 {p95:.1f} ms")
    med, p95 = timed(lambda: client.get(url))
    print(
        f"GET overview (API, whole request): median {med:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 ≤ 100 ms)"
    )


if __name__ == "__main__":
    main()
