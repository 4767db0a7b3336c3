"""Marketplace search with 20,000 offers of 1,200 providers (issue 11).

Targets: text + 3 facets + distance through `GET /api/v1/offers` p95 ≤ 50 ms on PostgreSQL
(the same query without text is reported next to it); the school's search page p95 ≤ 100 ms;
the same search on the embedded SQLite default p95 ≤ 150 ms. Offers are bulk-inserted with
the search text made by the same function as the service (`text.stem_text`), venues placed by
the gazetteer, 60 % with sessions; requests go through Django's test client (in-process:
server time, no network).

Usage (from the repository root):
    DATABASE_URL=postgres://ck:ck@127.0.0.1:55432/scratch uv run python bench/marketplace_search.py
    uv run python bench/marketplace_search.py          # SQLite in a temporary directory
The database named by DATABASE_URL is migrated and filled; use a scratch database.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import settle, setup_django

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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

OFFERS, PROVIDERS = 20_000, 1_200
ONLY = os.environ.get("ONLY", "")  # a request name prefix: measure only those
PROFILE = os.environ.get("PROFILE", "")  # a request name prefix: print the cProfile of its runs
SHOW_SQL = bool(os.environ.get("SHOW_SQL"))  # print each query of one request with its time
WORDS = (  # noqa: SIM905
    "voorstelling workshop muziek theater dans film beeldende kunst erfgoed museum rondleiding "
    "verhalen schrijven poëzie ideeën fotografie animatie zingen koor orkest jazz hiphop "
    "graffiti toneel improvisatie mime circus acrobatiek poppenspel architectuur design mode "
    "stad geschiedenis oorlog vrede vriendschap identiteit klimaat natuur water techniek robot "
    "digitaal games podcast radio krant debat filosofie democratie muziektheater dansvoorstelling "
    "kunstenaar atelier tentoonstelling schilderen tekenen boetseren klei keramiek beeldhouwen"
).split()
CITIES = (  # noqa: SIM905
    "Amsterdam Rotterdam Utrecht Groningen Eindhoven Tilburg Almere Breda Nijmegen Haarlem "
    "Arnhem Zaanstad Amersfoort Apeldoorn Enschede Zwolle Leiden Maastricht Dordrecht Zoetermeer "
    "Deventer Delft Alkmaar Venlo Leeuwarden Hilversum Assen Middelburg Lelystad Emmen"
).split()


SYLLABLES = "ba be bo ka ke ko la le lo ma me mo na ne no pa pe po ra re ro sa se so ta te to va ve vo".split()  # noqa: SIM905
VOCABULARY = [
    "".join(random.Random(n).choices(SYLLABLES, k=random.Random(-n).randint(2, 4)))
    for n in range(5000)
]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(client: Client, url: str, runs: int = 100, **headers) -> tuple[float, float, float, int]:
    """Median and p95 of the wall time, median of this process's CPU time (the part the
    code controls, less sensitive to other work on the machine), and the result count."""
    for _ in range(5):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    count = response.json()["count"] if "api" in url else -1
    return statistics.median(samples), p95(samples), statistics.median(cpu), count


def measured(name: str, client: Client, url: str, headers: dict) -> tuple[float, float, float, int]:
    """`timed`, and with PROFILE the cProfile of the runs, with SHOW_SQL the queries of one."""
    if SHOW_SQL:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.get(url, headers=headers)
        for query in queries.captured_queries:
            print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")
    if not PROFILE:
        return timed(client, url, **headers)
    import cProfile
    import pstats

    timed(client, url, 10, **headers)  # imports and first use out of the profile
    profiler = cProfile.Profile()
    profiler.enable()
    result = timed(client, url, **headers)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(40)
    return result


def fill(rng: random.Random) -> None:
    from cultuurkaart.core import clock
    from cultuurkaart.marketplace import geo, search
    from cultuurkaart.marketplace.models import Offer, OfferSession, Term
    from cultuurkaart.marketplace.text import stem_text
    from cultuurkaart.providers.models import Provider

    terms = {
        v: list(Term.objects.filter(vocabulary=v))
        for v in Term.objects.values_list("vocabulary", flat=True).distinct()
    }
    now = clock.now()
    providers = Provider.objects.bulk_create(
        Provider(
            name=f"Bench aanbieder {i}",
            status="accepted",
            address=f"Straat 1, 1000 AA {rng.choice(CITIES)}",
        )
        for i in range(PROVIDERS)
    )
    places = {c: geo.place(c) for c in CITIES}
    rows, links = [], {k: [] for k in ("disciplines", "levels", "themes", "provinces", "access")}
    for i in range(OFFERS):
        provider = providers[i % PROVIDERS]
        title = " ".join(rng.choices(WORDS, k=4)).capitalize()
        # Realistic text: mostly words from a large vocabulary, a few of the topical ones.
        description = " ".join(
            rng.choice(WORDS) if rng.random() < 0.04 else rng.choice(VOCABULARY) for _ in range(60)
        )
        mode = rng.choice(["at_provider", "at_provider", "at_school", "to_be_agreed"])
        city = rng.choice(CITIES)
        lat, lon, prov = places[city]
        chosen = {
            "disciplines": rng.sample(terms["discipline"], 2),
            "levels": rng.sample(terms["level"], 3),
            "themes": rng.sample(terms["theme"], 1),
            "provinces": rng.sample(terms["province"], 2) if mode == "at_school" else [],
            "access": rng.sample(terms["access"], 1),
        }
        fmt = rng.choice(terms["format"])
        labels = [fmt.label_nl, fmt.label_en] + [
            label
            for k in ("disciplines", "levels", "themes")
            for t in chosen[k]
            for label in (t.label_nl, t.label_en)
        ]
        text = stem_text(" ".join([title, description, provider.name, city, *labels]))
        rows.append(
            Offer(
                provider=provider,
                status="published",
                title=title[:140],
                description=description,
                format=fmt,
                location_mode=mode,
                venue_city=city,
                venue_postcode="1000AA",
                venue_latitude=lat,
                venue_longitude=lon,
                venue_province=prov,
                national=rng.random() < 0.05,
                duration_minutes=90,
                price_model=rng.choice(["per_student", "per_group"]),
                price=Decimal(rng.randint(300, 30000)) / 100,
                group_size=25,
                published_at=now - dt.timedelta(minutes=i),
                created_at=now,
                updated_at=now,
                search_text=text,
            )
        )
        for k, values in chosen.items():
            links[k].append([t.pk for t in values])
    with transaction.atomic():
        offers = Offer.objects.bulk_create(rows, batch_size=2000)
        for k, per_offer in links.items():
            through = getattr(Offer, k).through
            through.objects.bulk_create(
                (
                    through(offer_id=o.pk, term_id=t)
                    for o, ts in zip(offers, per_offer, strict=True)
                    for t in ts
                ),
                batch_size=5000,
            )
        sessions = []
        for o in offers:
            if rng.random() < 0.6:
                start = now + dt.timedelta(days=rng.randint(1, 200), hours=2)
                sessions.append(
                    OfferSession(
                        offer=o,
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=2),
                        capacity=30,
                        book_by=start - dt.timedelta(days=3),
                    )
                )
        OfferSession.objects.bulk_create(sessions, batch_size=5000)
        search.index_offers({o.pk: o.search_text for o in offers})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    call_command("migrate", verbosity=0)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cultuurkaart.accounts import services as accounts
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.models import User
    from cultuurkaart.marketplace.models import Offer
    from cultuurkaart.schools.models import Location, Programme, School

    rng = random.Random(11)
    if Offer.objects.count() < OFFERS:
        start = time.perf_counter()
        fill(rng)
        print(
            f"filled {OFFERS} offers of {PROVIDERS} providers in {time.perf_counter() - start:.1f} s"
        )
    tag = f"{int(time.time())}"
    location = Location.objects.create(
        code=f"S{tag[-8:]}",
        kind="vo",
        name="Bench",
        municipality="Utrecht",
        province="Utrecht",
        students=500,
    )
    school = School.objects.create(
        name=f"Bench {tag}",
        kind="vo",
        status="active",
        school_number=tag[-7:],
        board_name="b",
        board_email="b@x.example",
        directie_name="d",
        directie_email="d@x.example",
        budget_holder_name="bh",
        budget_holder_email="bh@x.example",
        invoice_email="i@x.example",
    )
    school.locations.set([location])
    school.programmes.set([Programme.objects.get(code="vo-2024")])
    user = User.objects.create_user(email=f"bh{tag}@bench.example", password="x" * 12)
    accounts.grant_role(user, RoleName.BUDGET_HOLDER, school=school)
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _, token = accounts.create_api_token(user, name="bench")
    auth = {"Authorization": f"Bearer {token}"}
    api = Client()  # an API client sends its token, no session cookie
    settle()  # as the WSGI module does once per server process (decision NS-7)

    facets = (
        "discipline=music&discipline=dance&level=vo-havo&province=utrecht&province=noord-holland"
    )
    text_query = f"q=voorstellingen&{facets}&school={school.pk}&within_km=150"
    plain_query = f"{facets}&school={school.pk}&within_km=150"
    print(f"database: {connection.vendor}; {Offer.objects.count()} offers")
    print("| request | median ms | p95 ms | own CPU median ms | results |")
    print("| --- | --- | --- | --- | --- |")
    for name, url, headers in [
        ("API: text + 3 facets + distance", f"/api/v1/offers?{text_query}", auth),
        ("API: 3 facets + distance, no text", f"/api/v1/offers?{plain_query}", auth),
        ("API: compound word 'theater'", f"/api/v1/offers?q=theater&school={school.pk}", auth),
    ]:
        if not name.startswith(ONLY or PROFILE):
            continue
        median, high, cpu, count = measured(name, api, url, headers)
        print(f"| {name} | {median:.1f} | {high:.1f} | {cpu:.1f} | {count} |")
    try:
        page = reverse("portals:school_offer_search", args=[school.pk])
    except NoReverseMatch:
        page = None
    name = "search page: text + 3 facets + distance"
    if page and name.startswith(ONLY or PROFILE):
        url = f"{page}?{text_query.replace(f'&school={school.pk}', '')}"
        median, high, cpu, _ = measured(name, client, url, {})
        print(f"| {name} | {median:.1f} | {high:.1f} | {cpu:.1f} | – |")


if __name__ == "__main__":
    main()
