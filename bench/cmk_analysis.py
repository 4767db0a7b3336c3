"""CmK evaluation at programme scale (issue 13, performance): 400 schools, 4 years of
questionnaires (24 questions, 4 of them regional) and 5,000 activities.

Targets: the regional analysis p95 ≤ 100 ms (per questionnaire and over all years, the
service and the API); the funder report (snapshot + workbook + PDF) ≤ 10 s.

Usage (from the repository root; the database is migrated and the programme's data are
replaced, so use a scratch database):
    DATABASE_URL=postgres://ck:ck@/ck5?host=/tmp&port=55432 uv run python bench/cmk_analysis.py
    uv run python bench/cmk_analysis.py            # SQLite in a temporary directory
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

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

override_settings(ALLOWED_HOSTS=["*"]).enable()

SCHOOLS, YEARS, ACTIVITIES, RUNS = 400, (2025, 2026, 2027, 2028), 5_000, 100
PILLARS = ["Visie", "Samenwerking", "Deskundigheid", "Leerlijnen"]


def build():
    from cultuurkaart.cmk.models import Activity, Line, Meeting, Participation, Programme, Track
    from cultuurkaart.cmk_evaluation.models import (
        Answer,
        FunderReport,
        Question,
        Questionnaire,
        Response,
    )
    from cultuurkaart.schools.models import Location

    rnd = random.Random(13)
    programme = Programme.objects.get(code="cmk-amstelland-2025")
    FunderReport.objects.filter(programme=programme).delete()
    Answer.objects.filter(response__questionnaire__programme=programme).delete()
    Response.objects.filter(questionnaire__programme=programme).delete()
    Question.objects.filter(questionnaire__programme=programme).delete()
    Questionnaire.objects.filter(programme=programme).delete()
    Activity.objects.filter(programme=programme).delete()
    Meeting.objects.filter(programme=programme).delete()
    Participation.objects.filter(programme=programme).delete()
    Location.objects.filter(code__startswith="BENCH").delete()

    municipalities = list(programme.municipalities.all())
    tracks = {t.code: t for t in Track.objects.filter(programme=programme, is_current=True)}
    steps = {code: list(t.steps.order_by("number")) for code, t in tracks.items()}
    locations = Location.objects.bulk_create(
        Location(
            code=f"BENCH{i:04d}",
            kind="vo" if i % 4 == 0 else ("sbo" if i % 25 == 1 else "po"),
            name=f"Benchschool {i}",
            municipality=municipalities[i % len(municipalities)].name,
        )
        for i in range(SCHOOLS)
    )
    parts = Participation.objects.bulk_create(
        Participation(
            programme=programme,
            location=loc,
            municipality=municipalities[i % len(municipalities)],
            track=tracks["track-1" if i % 3 else "track-2"],
            current_step=steps["track-1" if i % 3 else "track-2"][i % 5],
            joined_on=dt.date(2025, 1, 15),
            new_school=i % 3 == 0,
        )
        for i, loc in enumerate(locations)
    )
    for year in YEARS:
        q = Questionnaire.objects.create(
            programme=programme,
            title=f"Zelfevaluatie {year}",
            year=year,
            opens_on=dt.date(year, 3, 1),
            closes_on=dt.date(year, 6, 30),
            frozen_at=dt.datetime(year, 3, 2, tzinfo=dt.UTC),
        )
        questions = Question.objects.bulk_create(
            [
                Question(
                    questionnaire=q,
                    position=n,
                    code=f"{PILLARS[n % 4][:4].lower()}{n}",
                    pillar=PILLARS[n % 4],
                    text=f"Vraag {n}",
                    scale=4,
                )
                for n in range(20)
            ]
            + [
                Question(
                    questionnaire=q,
                    position=20 + n,
                    code=f"regio{n}",
                    pillar="Regio",
                    text=f"Regionale vraag {n}",
                    scale=5,
                    regional=True,
                )
                for n in range(4)
            ]
        )
        responses = Response.objects.bulk_create(
            Response(
                questionnaire=q,
                participation=p,
                status="submitted",
                answers={x.code: rnd.randint(1, x.scale) for x in questions},
                respondent_roles=["icc"],
                municipality=p.municipality.name,
                sector=p.location.kind,
                submitted_at=dt.datetime(year, 4, 1, tzinfo=dt.UTC),
            )
            for p in parts
        )
        Answer.objects.bulk_create(
            (
                Answer(response=r, question=x, value=r.answers[x.code])
                for r in responses
                for x in questions
            ),
            batch_size=5_000,
        )
    from cultuurkaart.cmk_evaluation.services import analysis

    # the answers were bulk-loaded past the services: their grain totals from the rows
    analysis.rebuild_totals(programme)
    analysis.bump(programme.pk)
    lines = list(Line.objects.filter(programme=programme))
    Activity.objects.bulk_create(
        (
            Activity(
                programme=programme,
                line=lines[i % 3],
                title=f"Activiteit {i}",
                held_on=dt.date(2025, 1, 1) + dt.timedelta(days=i % 1460),
                participants=rnd.randint(5, 200),
            )
            for i in range(ACTIVITIES)
        ),
        batch_size=2_000,
    )
    Meeting.objects.bulk_create(
        Meeting(
            programme=programme,
            level="regional",
            topic=f"Netwerk {i}",
            held_on=dt.date(2025, 2, 1) + dt.timedelta(days=30 * i),
            status="held",
        )
        for i in range(40)
    )
    return programme


def timed(fn, runs=RUNS, warmup=5):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with transaction.atomic():
        programme = build()
    print(
        f"data: {SCHOOLS} schools × {len(YEARS)} years, {ACTIVITIES} activities "
        f"({time.perf_counter() - start:.1f} s)"
    )

    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import Role, User
    from cultuurkaart.cmk_evaluation import exports
    from cultuurkaart.cmk_evaluation.models import Questionnaire
    from cultuurkaart.cmk_evaluation.services import analysis, reports

    q = Questionnaire.objects.filter(programme=programme).order_by("-year").first()
    result = analysis.regional(programme, q)
    assert result["schools"]["count"] == SCHOOLS, result["schools"]
    rows = []
    cold = lambda x=None: analysis.compute_regional(programme, x)  # noqa: E731
    rows.append(("computed: one questionnaire", *timed(lambda: cold(q), runs=30)))
    rows.append(("computed: all 4 years", *timed(lambda: cold(), runs=30)))
    rows.append(("service: one questionnaire", *timed(lambda: analysis.regional(programme, q))))
    rows.append(("service: all 4 years", *timed(lambda: analysis.regional(programme))))

    user, _ = User.objects.get_or_create(email="bench-cmk@example.org")
    Role.objects.get_or_create(user=user, role=RoleName.CMK_STAFF, cmk_programme=programme)
    client = Client()
    client.force_login(user)
    url = f"/api/v1/cmk/programmes/{programme.pk}/analysis"

    def api(query=""):
        response = client.get(url + query)
        assert response.status_code == 200, response.content[:300]

    rows.append(("API: one questionnaire", *timed(lambda: api(f"?questionnaire={q.pk}"))))
    rows.append(("API: all 4 years", *timed(lambda: api())))
    for name, median, p95 in rows:
        flag = "ok" if p95 <= 100 else "OVER"
        print(f"{name:32s} median {median:7.1f} ms  p95 {p95:7.1f} ms  [{flag} ≤ 100 ms]")

    timings = []
    for _ in range(3):
        start = time.perf_counter()
        report = reports.create_report(programme, 2026, actor=None)
        xlsx = exports.workbook(report)
        pdf = exports.pdf(report)
        timings.append(time.perf_counter() - start)
    print(
        f"funder report (snapshot + xlsx {len(xlsx) // 1024} KB + pdf {len(pdf) // 1024} KB): "
        f"best {min(timings):.2f} s, worst {max(timings):.2f} s  "
        f"[{'ok' if max(timings) <= 10 else 'OVER'} ≤ 10 s]"
    )


if __name__ == "__main__":
    main()
