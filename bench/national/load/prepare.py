"""Fixture for the load test (issue 14 point 2): the actors and the one-use items the locust
users need, written as JSON for `locustfile.py`.

Works on any migrated database that holds schools, rosters, memberships, web orders and
offers (the national data set, or the small one made here with `--seed`). It adds, with the
project's services where there is one:

- budget holders of `--schools` schools (role, confirmed TOTP device, a signed-in session
  whose second factor is verified, an API token), the busiest schools first;
- people of `--providers` providers (API token) and one admin (API token);
- signed-in sessions and pass tokens of `--members` members with an active membership;
- `--codes` fresh activation codes (`memberships.services.issue_code`) for roster people
  without a membership;
- `--pending` pending web orders (`weborders.services.create_weborder`) at those schools,
  each school funded (a paid release, as `fund` in the tests) so that every one fits.

Usage: DATABASE_URL=… DJANGO_SETTINGS_MODULE=bench_settings python prepare.py OUT.json [--seed N]
(run.py calls it with the server's settings, so sessions and tokens match).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(HERE), str(ROOT / "src"), str(ROOT / "bench")]

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

TAG = "load"
# Dutch search words: topical words the offers' text holds, a compound, a phrase, an exclusion.
SEARCHES = [
    "theater",
    "voorstelling",
    "muziek",
    "dans",
    "workshop",
    "museum rondleiding",
    "beeldende kunst",
    "erfgoed",
    "fotografie",
    "dansvoorstelling",
    "muziektheater",
    '"beeldende kunst"',
    "film -animatie",
    "geschiedenis oorlog",
    "poëzie",
    "schilderen",
]
WORDS = (  # noqa: SIM905
    "voorstelling workshop muziek theater dans film beeldende kunst erfgoed museum rondleiding "
    "verhalen schrijven poëzie fotografie animatie zingen koor orkest jazz hiphop toneel circus "
    "poppenspel architectuur design mode stad geschiedenis oorlog vrede identiteit klimaat "
    "natuur techniek digitaal games podcast debat filosofie muziektheater dansvoorstelling "
    "kunstenaar atelier tentoonstelling schilderen tekenen keramiek"
).split()
CITIES = (  # noqa: SIM905
    "Amsterdam Rotterdam Utrecht Groningen Eindhoven Tilburg Almere Breda Nijmegen Haarlem "
    "Arnhem Zwolle Leiden Maastricht Delft Alkmaar Leeuwarden Assen Middelburg Lelystad"
).split()
FIRST = [
    "Daan",
    "Emma",
    "Sem",
    "Julia",
    "Lucas",
    "Mila",
    "Finn",
    "Tess",
    "Levi",
    "Sara",
    "Noah",
    "Zoë",
    "Liam",
    "Anna",
    "Bram",
    "Eva",
]
LAST = [
    "de",
    "Jong",
    "Jansen",
    "de",
    "Vries",
    "van",
    "den",
    "Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de",
    "Boer",
    "Mulder",
]


def current_programme(kind: str = "vo"):
    """A programme of `kind` whose spending window and membership period hold today; made
    (a copy of the latest one, dates around today) when the data has none."""
    from cultuurkaart.core import clock
    from cultuurkaart.schools.models import Programme

    today = clock.today()
    found = (
        Programme.objects.filter(kind=kind, spend_from__lte=today, spend_until__gte=today)
        .order_by("spend_until", "id")
        .first()
    )
    if found:
        return found
    prog = Programme.objects.filter(kind=kind).order_by("-spend_until", "-id").first()
    prog.pk, prog.code, prog.follows = None, f"{TAG}-{kind}-{today.year}", None
    prog.order_from = prog.roster_after = today - dt.timedelta(days=60)
    prog.order_until = today + dt.timedelta(days=60)
    prog.spend_from = today - dt.timedelta(days=30)
    prog.spend_until = today + dt.timedelta(days=300)
    prog.membership_until = today + dt.timedelta(days=300)
    prog.register_from = prog.register_until = prog.teacher_free_before = None
    prog.ocw_total = None
    prog.save()
    return prog


# --- a small data set (development and the smoke mode) -------------------------------------


def seed(schools: int, rng: random.Random) -> None:
    """Schools with a roster, activated members, web orders with their ledger entries,
    providers and published offers: the national shape at a tiny size."""
    from _weborders_data import load_weborders, make_providers, make_schools

    from cultuurkaart.core import clock
    from cultuurkaart.marketplace import geo, search
    from cultuurkaart.marketplace.models import Offer, OfferSession, Term
    from cultuurkaart.marketplace.text import stem_text
    from cultuurkaart.memberships import services as memberships
    from cultuurkaart.rosters.models import Person
    from cultuurkaart.schools.models import Location

    prog = current_programme("vo")
    providers = make_providers(max(4, schools // 2), TAG)
    made = make_schools(schools, TAG)
    places = {c: geo.place(c) for c in CITIES}
    for i, school in enumerate(made):
        city = CITIES[i % len(CITIES)]
        location = Location.objects.create(
            code=f"L{TAG}{i:04d}",
            kind="vo",
            name=school.name,
            municipality=city,
            province=(places[city][2] if places[city] else "utrecht"),
            students=300,
        )
        school.locations.set([location])
        school.programmes.set([prog])
    people = Person.objects.bulk_create(
        [
            Person(
                school=school,
                kind="students",
                first_name=rng.choice(FIRST),
                last_name=f"{rng.choice(LAST)} {n}",
                email=f"s{school.pk}-{n}@leerling.example",
                year=1 + n % 6,
                group=f"{1 + n % 6}{'abcd'[n % 4]}",
            )
            for school in made
            for n in range(300)
        ],
        batch_size=5000,
    )
    # Members through the real activation (a few per school).
    for person in [p for p in people if int(p.last_name.rsplit(" ", 1)[1]) < 10]:
        code = memberships.issue_code(person)
        memberships.activate(
            code,
            {
                "code": code,
                "first_name": person.first_name,
                "last_name": person.last_name.rsplit(" ", 1)[0],
                "birth_date": "2008-05-01",
                "email": person.email,
                "password": "load-test-password-1",
                "accept_terms": True,
                "parents_informed": True,
            },
            client="seed",
        )
    at = clock.now() - dt.timedelta(days=5)
    rows = [
        (
            school,
            providers[n % len(providers)],
            Decimal(rng.randint(1000, 40000)) / 100,
            rng.choice(["approved", "checked", "checked", "paid_out", "rejected"]),
        )
        for school in made
        for n in range(60)
    ]
    load_weborders(rows, prog, at=at)
    # Offers, as bench/marketplace_search.py makes them (search text from the same function).
    terms: dict[str, list] = {}
    for term in Term.objects.all():
        terms.setdefault(term.vocabulary, []).append(term)
    now = clock.now()
    offers, links = [], []
    for i in range(max(200, schools * 20)):
        provider = providers[i % len(providers)]
        title = " ".join(rng.choices(WORDS, k=4)).capitalize()
        description = " ".join(rng.choices(WORDS, k=40))
        city = rng.choice(CITIES)
        lat, lon, prov = places[city]
        chosen = {
            "disciplines": rng.sample(terms["discipline"], 2),
            "levels": rng.sample(terms["level"], 3),
            "themes": rng.sample(terms["theme"], 1),
            "access": rng.sample(terms["access"], 1),
        }
        fmt = rng.choice(terms["format"])
        labels = [fmt.label_nl] + [t.label_nl for k in chosen for t in chosen[k]]
        offers.append(
            Offer(
                provider=provider,
                status="published",
                title=title[:140],
                description=description,
                format=fmt,
                location_mode="at_provider",
                venue_city=city,
                venue_postcode="1000AA",
                venue_latitude=lat,
                venue_longitude=lon,
                venue_province=prov,
                duration_minutes=90,
                price_model="per_student",
                price=Decimal(rng.randint(300, 3000)) / 100,
                group_size=25,
                published_at=now - dt.timedelta(minutes=i),
                created_at=now,
                updated_at=now,
                search_text=stem_text(" ".join([title, description, provider.name, city, *labels])),
            )
        )
        links.append(chosen)
    with transaction.atomic():
        offers = Offer.objects.bulk_create(offers, batch_size=2000)
        for name in ("disciplines", "levels", "themes", "access"):
            through = getattr(Offer, name).through
            through.objects.bulk_create(
                through(offer_id=o.pk, term_id=t.pk)
                for o, chosen in zip(offers, links, strict=True)
                for t in chosen[name]
            )
        start = now + dt.timedelta(days=20)
        OfferSession.objects.bulk_create(
            OfferSession(
                offer=o,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                capacity=30,
                book_by=start - dt.timedelta(days=3),
            )
            for o in offers[::2]
        )
        search.index_offers({o.pk: o.search_text for o in offers})


# --- the actors ----------------------------------------------------------------------------


def verified_session(user, device=None) -> str:
    """A session as after password + TOTP sign-in (django_otp's verified device)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY

    from cultuurkaart.accounts.middleware import FinanceSessionIdleMiddleware
    from cultuurkaart.core import clock

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if device is not None:
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store[FinanceSessionIdleMiddleware.SESSION_KEY] = clock.wall_now().timestamp()
    store.create()
    return store.session_key


def person_user(email: str, role: str, **scope):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cultuurkaart.accounts import services as accounts

    user, _ = accounts.get_or_create_user(email, name="Load test")
    accounts.grant_role(user, role, **scope)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="load", confirmed=True)
    )
    _, token = accounts.create_api_token(user, name=f"{TAG}-{int(time.time())}")
    return user, device, token


def actors(args, rng: random.Random) -> dict:
    from django.conf import settings  # noqa: F401
    from django.db.models import Count

    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.core import clock
    from cultuurkaart.ledger import services as ledger
    from cultuurkaart.ledger.constants import AccountKind, EntryKind
    from cultuurkaart.memberships import services as memberships
    from cultuurkaart.memberships.models import Membership
    from cultuurkaart.providers.models import Provider
    from cultuurkaart.rosters.models import Person
    from cultuurkaart.schools.models import School
    from cultuurkaart.weborders import services as weborders
    from cultuurkaart.weborders.models import WebOrder

    prog = current_programme("vo")
    # The busiest active VO schools (most web orders): the pages the load reaches are the
    # heavy ones of the data set, not its emptiest.
    busiest = list(
        WebOrder.objects.filter(school__status="active", school__kind="vo")
        .values("school")
        .annotate(n=Count("id"))
        .order_by("-n", "school")
        .values_list("school", flat=True)[: args.schools]
    )
    schools = list(School.objects.filter(pk__in=busiest).order_by("pk"))
    for school in schools:
        school.programmes.add(prog)
    out: dict = {"schools": [], "providers": [], "members": [], "codes": [], "pending": []}
    for i, school in enumerate(schools):
        user, device, token = person_user(
            f"bh{i}-{TAG}@load.example", RoleName.BUDGET_HOLDER, school=school
        )
        out["schools"].append(
            {"id": school.pk, "token": token, "session": verified_session(user, device)}
        )
    busy_providers = list(
        WebOrder.objects.values("provider")
        .annotate(n=Count("id"))
        .order_by("-n", "provider")
        .values_list("provider", flat=True)[: args.providers]
    )
    providers = list(Provider.objects.filter(pk__in=busy_providers, status="accepted"))
    for i, provider in enumerate(providers):
        _, _, token = person_user(f"p{i}-{TAG}@load.example", RoleName.PROVIDER, provider=provider)
        out["providers"].append({"id": provider.pk, "token": token})
    _, _, out["admin_token"] = person_user(f"admin-{TAG}@load.example", RoleName.ADMIN)

    active = Membership.objects.filter(status="active", user__isnull=False).order_by("pk")
    ids = list(active.values_list("pk", flat=True)[: args.members * 20])
    step = max(1, len(ids) // max(1, args.members))
    members = list(active.filter(pk__in=ids[::step][: args.members]).select_related("user"))
    for m in members:
        out["members"].append(
            {"session": verified_session(m.user), "pass": memberships.pass_token(m)}
        )

    # Fresh activation codes for roster students without a membership, spread over schools.
    people = list(
        Person.objects.filter(
            kind="students", status__in=["new", "invited"], school__status="active"
        )
        .filter(school__in=schools)
        .order_by("?")[: args.codes]
    )
    for person in people:
        out["codes"].append(
            {
                "code": memberships.issue_code(person),
                "first_name": person.first_name,
                "last_name": person.last_name,
            }
        )

    # Pending web orders, each school funded for all of its own.
    per_school = max(1, args.pending // max(1, len(schools)))
    activity = clock.now() + dt.timedelta(days=30)
    need: Counter = Counter()
    progs = {}
    for n in range(per_school):
        for s_i, school in enumerate(schools):
            provider = providers[(n + s_i) % len(providers)]
            amount = Decimal(rng.randint(2000, 20000)) / 100
            wo = weborders.create_weborder(
                provider,
                {
                    "school_number": school.school_number,
                    "amount": amount,
                    "students": 25,
                    "activity_at": activity + dt.timedelta(minutes=n),
                    "description": f"Voorstelling {n} (belastingtest)",
                },
            )
            need[school.pk] += amount
            progs[school.pk] = wo.programme
            token = out["schools"][s_i]["token"]
            out["pending"].append({"id": wo.pk, "token": token})
    release_at = clock.now() - dt.timedelta(days=1)
    for school in schools:
        p = progs[school.pk]
        bucket = ledger.account(AccountKind.SCHOOL, school=school, programme=p)
        invoiced = ledger.account(AccountKind.INVOICED, programme=p)
        total = need[school.pk] + Decimal("1000.00")
        with clock.frozen(max(release_at, clock.start_of_day(p.spend_from))):
            ledger.post_entry(
                kind=EntryKind.RELEASE,
                description="Budget vrijgegeven (belastingtest)",
                lines=[(bucket, -total), (invoiced, total)],
                school=school,
                programme=p,
            )
    rng.shuffle(out["pending"])
    out["searches"] = SEARCHES
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="first make a small data set")
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--codes", type=int, default=1500)
    parser.add_argument("--pending", type=int, default=4000)
    args = parser.parse_args()
    rng = random.Random(14)
    start = time.perf_counter()
    if args.seed:
        seed(args.seed, rng)
        print(f"seeded {args.seed} schools in {time.perf_counter() - start:.1f} s", flush=True)
    fixture = actors(args, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Only what the seed or the fixture wrote to (a whole-database ANALYZE of the
            # national copy takes minutes).
            tables = ["weborders_weborder", "memberships_activationcode", "ledger_entry"]
            tables += ["ledger_line", "ledger_account", "django_session", "accounts_apitoken"]
            if args.seed:
                tables += ["rosters_person", "memberships_membership", "marketplace_offer"]
            cursor.execute("ANALYZE " + ", ".join(tables))
    args.out.write_text(json.dumps(fixture))
    print(
        f"fixture: {len(fixture['schools'])} schools, {len(fixture['providers'])} providers, "
        f"{len(fixture['members'])} members, {len(fixture['codes'])} codes, "
        f"{len(fixture['pending'])} pending web orders ({time.perf_counter() - start:.1f} s)",
        flush=True,
    )


if __name__ == "__main__":
    main()
