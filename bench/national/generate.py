"""A national data set (issue 14 point 1): 1,400 schools, 1.4 M roster people, 900,000 active
memberships, 1,200 providers, 100,000 web orders with their ledger entries, 20,000
marketplace offers and a year of invoices, loaded with COPY into a freshly migrated
PostgreSQL database, deterministic from the seed.

    DATABASE_URL=postgres://ck:ck@127.0.0.1:55432/national \
        uv run python bench/national/generate.py --seed 1 [--scale 1.0]

`--scale 0.02` gives a small consistent set in seconds. The database is migrated first and
must hold no schools yet (a fresh database). Known logins (budget holders, an admin,
providers, students) with their password, two-factor secret and API token, a list of unused
activation codes and pass tokens are written to `bench/national/out/logins.json`
(README.md next to this file).

How the data are made (decisions NN-1 … NN-4 in docs/decisions.md):
- Every money movement is booked the way the services book it (invoice issued, payment,
  release, web-order approval in spending order, reversal, payout with the 5% fee), in one
  pass over the year's events in time order, so entry and line ids follow time, the
  running collective balance (`Line.collective_after`) is computed in that pass, and every
  account's cached balance is the sum of its lines (`ledger_check` passes).
- One password hash (PBKDF2, computed once) is shared by all generated member accounts;
  used activation codes get a keyed hash of a unique value (never a valid code); only the
  unused codes of invited people are real codes with a Fernet-encrypted copy.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

FULL = {
    "schools": 1_400,
    "people": 1_400_000,
    "members": 900_000,
    "providers": 1_200,
    "weborders": 100_000,
    "offers": 20_000,
}
PASSWORD = "Landelijk-bench-2026!"  # every generated login (see logins.json)
D = Decimal
ZERO = D("0.00")
CENT = D("0.01")

FIRST = (  # noqa: SIM905
    "Daan Sem Lucas Levi Finn Noah Milan Bram Luuk Jesse Thijs Mees Sam Liam Julian Adam Tim "
    "Ruben Max Lars Emma Julia Mila Tess Sophie Zoë Sara Nora Evi Anna Lotte Noor Fleur Lisa "
    "Eva Saar Fenna Yara Amira Mohammed Yusuf Aya Ilse Femke Sanne Iris Bo Roos Jasmijn Hugo"
).split()
LAST = (  # noqa: SIM905
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|"
    "Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|"
    "de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|"
    "van der Veen|van den Broek|de Bruijn|de Bruin|van der Heijden|Schouten|van Beek|Willems|"
    "van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|Koster|van Dam|van der Wal|Prins|Blom|Huisman|"
    "Yilmaz|El Amrani|Öztürk|Bouzid|Nguyen|Şahin|Mohan|Kramer|Post|Kuiper"
).split("|")
CITIES = (  # noqa: SIM905
    "Amsterdam Rotterdam Utrecht Groningen Eindhoven Tilburg Almere Breda Nijmegen Haarlem "
    "Arnhem Zaanstad Amersfoort Apeldoorn Enschede Zwolle Leiden Maastricht Dordrecht Zoetermeer "
    "Deventer Delft Alkmaar Venlo Leeuwarden Hilversum Assen Middelburg Lelystad Emmen"
).split()
SCHOOL_NAMES = (  # noqa: SIM905
    "Stedelijk Gymnasium|Christelijk Lyceum|Scholengemeenschap De Linde|Het Baken|Montessori "
    "College|Dalton Lyceum|Vakcollege|Openbaar Lyceum|Comenius College|Erasmus College|"
    "Mavo Centrum|Koning Willem I College|ROC|Technisch College|Het Nieuwe Lyceum"
).split("|")
MBO_PROGRAMMES = ["Verpleegkunde", "ICT", "Techniek", "Zorg", "Horeca", "Handel", "Media"]
WORDS = (  # noqa: SIM905  (the topical words of bench/marketplace_search.py)
    "voorstelling workshop muziek theater dans film beeldende kunst erfgoed museum rondleiding "
    "verhalen schrijven poëzie ideeën fotografie animatie zingen koor orkest jazz hiphop "
    "graffiti toneel improvisatie mime circus acrobatiek poppenspel architectuur design mode "
    "stad geschiedenis oorlog vrede vriendschap identiteit klimaat natuur water techniek robot "
    "digitaal games podcast radio krant debat filosofie democratie muziektheater dansvoorstelling "
    "kunstenaar atelier tentoonstelling schilderen tekenen boetseren klei keramiek beeldhouwen"
).split()
SYLLABLES = "ba be bo ka ke ko la le lo ma me mo na ne no pa pe po ra re ro sa se so ta te to va ve vo".split()  # noqa: SIM905
# Loaded without their indexes and constraints, which are built afterwards.
BIG_TABLES = [
    "rosters_person",
    "accounts_user",
    "accounts_role",
    "memberships_activationcode",
    "memberships_invitation",
    "memberships_membership",
    "ledger_entry",
    "ledger_line",
    "weborders_weborder",
    "payouts_payoutline",
]
# Written through the ORM (their ids come from the sequences).
ORM_TABLES = [
    "schools_programme",
    "schools_registryimport",
    "providers_provider",
    "marketplace_offer",
    "marketplace_offersession",
    "marketplace_offer_disciplines",
    "marketplace_offer_levels",
    "marketplace_offer_themes",
    "marketplace_offer_provinces",
    "marketplace_offer_access",
]
# Web-order states (weights in percent) and the reason texts used with them.
STATES = {
    "pending": 8,
    "approved": 6,
    "checked": 4,
    "paid_out": 64,
    "rejected": 6,
    "withdrawn": 3,
    "expired": 3,
    "invalid": 2,
    "reversed": 4,
}


def q(value) -> Decimal:
    return D(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _esc(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        value = value.replace("\r", "\\r")
    return value


def _fmt(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return _esc(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


class Generator:
    """One run: `run()` loads everything into the current database connection."""

    def __init__(self, *, seed: int, scale: float, log=print, analyze: bool = True):
        from cultuurkaart.core import clock

        self.seed, self.scale, self.log, self.analyze = seed, scale, log, analyze
        self.rng = random.Random(seed)
        self.n = {k: max(self._min(k), round(v * scale)) for k, v in FULL.items()}
        self.n["members"] = min(self.n["members"], self.n["people"] * 7 // 10)
        self.now = clock.now().replace(minute=0, second=0, microsecond=0)
        self.today = self.now.astimezone(clock.AMSTERDAM).date()
        self.year = self.today.year
        self.tz = clock.AMSTERDAM
        self.timings: dict[str, float] = {}
        self.rows: dict[str, int] = defaultdict(int)
        # Seconds spent in COPY per table (the rows' generation is in the step times).
        self.copy_seconds: dict[str, float] = defaultdict(float)
        self.ids: dict[str, int] = {}
        self.logins: dict = {}

    @staticmethod
    def _min(key: str) -> int:
        return {"schools": 3, "providers": 3, "people": 300, "members": 150}.get(key, 30)

    # --- plumbing -----------------------------------------------------------------------

    @contextmanager
    def step(self, name: str):
        start = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - start, 2)
        self.log(f"  {name}: {self.timings[name]:.1f} s")

    def copy(self, table: str, columns: list[str], rows) -> int:
        from django.db import connection

        n, buf, start = 0, [], time.perf_counter()
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f"COPY {table} ({quoted}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                buf.append("\t".join([_fmt(v) for v in row]))
                n += 1
                if len(buf) >= 20_000:
                    copy.write("\n".join(buf) + "\n")
                    buf.clear()
            if buf:
                copy.write("\n".join(buf) + "\n")
        self.rows[table] += n
        self.copy_seconds[table] += time.perf_counter() - start
        return n

    def copy_text(self, table: str, columns: list[str], lines: list[str]) -> int:
        """COPY rows already formatted as tab-separated text (the big tables)."""
        from django.db import connection

        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f"COPY {table} ({quoted}) FROM STDIN"
        began = time.perf_counter()
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for start in range(0, len(lines), 50_000):
                copy.write("\n".join(lines[start : start + 50_000]) + "\n")
        self.rows[table] += len(lines)
        self.copy_seconds[table] += time.perf_counter() - began
        return len(lines)

    @contextmanager
    def loading(self, tables: list[str]):
        """Load these tables without their foreign keys, unique constraints and indexes
        (all but the primary key), then build them again: the way pg_restore loads. Every
        constraint is validated when it is added back, set-based (decision NN-3)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype"
                " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')",
                [tables],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
                " FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
                " AND c.contype IN ('p', 'u'))",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _d, _t in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _d in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition, _t in sorted(constraints, key=lambda c: c[3] != "u"):
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            # Statistics for the planner before anything queries them (the known logins look
            # users up by e-mail: without statistics that was a scan of every user).
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
        self.timings["indexes and constraints"] = round(time.perf_counter() - start, 2)
        self.log(f"  indexes and constraints: {self.timings['indexes and constraints']:.1f} s")

    def next_id(self, table: str) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            return cursor.fetchone()[0]

    def reset_sequences(self, tables) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )

    def at(self, day: dt.date, hour: float = 10.0) -> dt.datetime:
        h = int(hour)
        m = int((hour - h) * 60)
        return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=self.tz)

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A moment in [start, end), to the minute."""
        span = max(1, int((end - start).total_seconds() // 60))
        return start + dt.timedelta(minutes=self.rng.randrange(span))

    # --- the run ------------------------------------------------------------------------

    def run(self) -> dict:
        from cultuurkaart.schools.models import School

        if School.objects.exists():
            raise SystemExit("The database already holds schools: use a freshly migrated one.")
        total = time.perf_counter()
        # Ids follow from the data, not from what a sequence handed out before (a rolled
        # back run): the same seed gives the same ids.
        self.reset_sequences(ORM_TABLES)
        with self.step("programmes, registry, schools"):
            self.make_programmes()
            self.make_schools()
        with self.step("providers"):
            self.make_providers()
        with self.step("marketplace offers"):
            self.make_offers()
        with self.loading(BIG_TABLES):
            with self.step("rosters, accounts, codes, memberships"):
                self.make_people()
            with self.step("orders, invoices, web orders, payouts, ledger"):
                self.make_money()
        self.reset_sequences(
            [
                "schools_location",
                "schools_school",
                "schools_school_locations",
                "schools_school_programmes",
                "schools_registrycount",
                "rosters_person",
                "rosters_rosterupload",
                "accounts_user",
                "accounts_role",
                "memberships_invitationbatch",
                "memberships_invitation",
                "memberships_activationcode",
                "memberships_membership",
                "orders_budgetorder",
                "orders_invoice",
                "orders_invoiceline",
                "orders_payment",
                "orders_thirdpartycontribution",
                "ledger_account",
                "ledger_entry",
                "ledger_line",
                "weborders_weborder",
                "payouts_payoutbatch",
                "payouts_payoutitem",
                "payouts_payoutline",
            ]
        )
        with self.step("known logins"):
            self.make_logins()
        if self.analyze:
            from django.db import connection

            with self.step("analyze"), connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.timings["total"] = round(time.perf_counter() - total, 2)
        copy_seconds = {t: round(v, 2) for t, v in self.copy_seconds.items()}
        return {
            "timings": self.timings,
            "rows": dict(self.rows),
            "copy_s": copy_seconds,
            "n": self.n,
        }

    # --- programmes, registry, schools --------------------------------------------------

    def make_programmes(self) -> None:
        from cultuurkaart.schools import services as schools

        y = self.year
        common = {
            "order_from": dt.date(y - 1, 9, 1),
            "order_until": dt.date(y, 1, 31),
            "roster_after": dt.date(y - 1, 8, 16),
            "spend_until": dt.date(y, 12, 31),
            "membership_until": dt.date(y, 12, 31),
            "max_orders": None,
        }
        self.vo = schools.save_programme(
            {
                **common,
                "code": f"vo-{y}-national",
                "kind": "vo",
                "name": f"VO Cultuurkaart {y} (landelijke testset)",
                "rates": {
                    "ocw": D("5.50"),
                    "school": D("11.00"),
                    "admin_fee": D("2.75"),
                    "teacher_fee": D("6.00"),
                    "teacher_free_count": 30,
                    "voucher": D("5.50"),
                    "dossier": D("2.00"),
                },
                "teacher_free_before": dt.date(y - 1, 11, 1),
                "spend_from": dt.date(y, 1, 1),
                "ocw_total": D("20000000.00"),
            },
            actor=None,
        )
        self.mbo = schools.save_programme(
            {
                **common,
                "code": f"mbo-{y}-national",
                "kind": "mbo",
                "name": f"MBO Cultuurkaart {y} (landelijke testset)",
                "rates": {
                    "ocw": D("10.50"),
                    "school": D("10.50"),
                    "admin_fee": D("2.50"),
                    "teacher_fee": D("0.00"),
                    "teacher_free_count": 0,
                    "voucher": D("5.25"),
                    "dossier": D("0.00"),
                },
                "teacher_free_before": None,
                "register_from": dt.date(y - 1, 8, 1),
                "register_until": dt.date(y, 6, 30),
                "spend_from": dt.date(y - 1, 9, 1),
                "ocw_total": D("20000000.00"),
            },
            actor=None,
        )

    def make_schools(self) -> None:
        from cultuurkaart.schools.models import RegistryImport, SchoolNumberSequence

        rng, n = self.rng, self.n["schools"]
        y = self.year
        imported = {
            kind: RegistryImport.objects.create(
                imported_at=self.at(dt.date(y - 1, 6, 1)),
                kind=kind,
                filename=f"{kind}_national.csv",
            )
            for kind in ("vo", "mbo")
        }
        # People per school: a skewed spread around the mean, summing to the target.
        weights = [rng.lognormvariate(0, 0.45) for _ in range(n)]
        total_w = sum(weights)
        people = [max(40, int(self.n["people"] * w / total_w)) for w in weights]
        people[0] += self.n["people"] - sum(people)
        rate = self.n["members"] / self.n["people"]
        members = [int(p * rate) for p in people]
        members[0] += self.n["members"] - sum(members)
        self.schools = []
        loc_id, school_id = self.next_id("schools_location"), self.next_id("schools_school")
        locations, counts, links, progs, rows = [], [], [], [], []
        for i in range(n):
            kind = "mbo" if i % 4 == 3 else "vo"
            programme = self.mbo if kind == "mbo" else self.vo
            city = CITIES[i % len(CITIES)]
            teachers = max(3, round(people[i] * 0.08))
            students = people[i] - teachers
            m_teachers = min(teachers, round(teachers * members[i] / people[i]))
            m_students = members[i] - m_teachers
            s = {
                "id": school_id + i,
                "i": i,
                "kind": kind,
                "programme": programme,
                "name": f"{SCHOOL_NAMES[rng.randrange(len(SCHOOL_NAMES))]} {city} {i + 1}",
                "city": city,
                "students": students,
                "teachers": teachers,
                "m_students": m_students,
                "m_teachers": m_teachers,
                "locations": [],
            }
            n_loc = 2 if rng.random() < 0.12 else 1
            for j in range(n_loc):
                if kind == "vo":
                    code = f"{i % 100:02d}{chr(65 + (i // 100) % 26)}{chr(65 + i // 2600)}{j:02d}"
                else:
                    code = f"{100 + i // 4:03d}A{j + 1:03d}"
                share = students // n_loc + (students % n_loc if j == 0 else 0)
                name = f"{s['name']}" + (f" locatie {j + 1}" if n_loc > 1 else "")
                locations.append(
                    (
                        loc_id,
                        code,
                        kind,
                        name,
                        f"{1000 + (i * 7) % 8900}AB",
                        city,
                        "Utrecht",
                        share,
                        imported[kind].pk,
                        self.at(dt.date(y - 1, 6, 1)),
                    )
                )
                counts.append((imported[kind].pk, loc_id, share))
                links.append((s["id"], loc_id))
                s["locations"].append(name)
                loc_id += 1
            progs.append((s["id"], programme.pk))
            registered = self.at(dt.date(y - 1, 8, 20)) + dt.timedelta(hours=i % 500)
            s["registered_at"] = registered
            rows.append(
                (
                    s["id"],
                    s["name"],
                    kind,
                    "active",
                    str(100001 + i),
                    f"Bestuurder {i + 1}",
                    f"bestuur{i + 1}@school{i + 1}.national.example",
                    f"Directeur {i + 1}",
                    f"directie{i + 1}@school{i + 1}.national.example",
                    f"Budgethouder {i + 1}",
                    f"budgethouder{i + 1}@school{i + 1}.national.example",
                    f"facturen{i + 1}@school{i + 1}.national.example",
                    f"Postbus {i + 1}\n{1000 + (i * 7) % 8900} AB {city}",
                    "NL91ABNA0417164300",
                    registered,
                    registered + dt.timedelta(days=2),
                    "",
                )
            )
            self.schools.append(s)
        self.copy(
            "schools_location",
            [
                "id",
                "code",
                "kind",
                "name",
                "postcode",
                "municipality",
                "province",
                "students",
                "last_import_id",
                "updated_at",
            ],
            locations,
        )
        self.copy(
            "schools_registrycount", ["registry_import_id", "location_id", "students"], counts
        )
        for kind, imp in imported.items():
            k = [loc for loc in locations if loc[2] == kind]
            RegistryImport.objects.filter(pk=imp.pk).update(rows=len(k), created=len(k))
        self.copy(
            "schools_school",
            [
                "id",
                "name",
                "kind",
                "status",
                "school_number",
                "board_name",
                "board_email",
                "directie_name",
                "directie_email",
                "budget_holder_name",
                "budget_holder_email",
                "invoice_email",
                "invoice_address",
                "refund_iban",
                "registered_at",
                "decided_at",
                "rejection_reason",
            ],
            rows,
        )
        self.copy("schools_school_locations", ["school_id", "location_id"], links)
        self.copy("schools_school_programmes", ["school_id", "programme_id"], progs)
        seq = SchoolNumberSequence.objects.first() or SchoolNumberSequence()
        seq.last = 100000 + n
        seq.save()

    # --- providers and the marketplace --------------------------------------------------

    def make_providers(self) -> None:
        from schwifty import IBAN

        from cultuurkaart.providers.models import Provider

        rng, y = self.rng, self.year
        rows = []
        for i in range(self.n["providers"]):
            city = CITIES[rng.randrange(len(CITIES))]
            kind = ["Theater", "Museum", "Muziekschool", "Filmhuis", "Dansgezelschap", "Atelier"]
            created = self.at(dt.date(y - 2, 3, 1)) + dt.timedelta(hours=7 * i)
            rows.append(
                Provider(
                    name=f"{kind[i % len(kind)]} {city} {i + 1}",
                    status="accepted",
                    created_at=created,
                    sector="Podiumkunsten" if i % 2 else "Erfgoed",
                    activity_type="Voorstellingen en workshops",
                    address=f"Kerkstraat {1 + i % 200}, {1000 + i % 8900} AB {city}",
                    contact_name=f"Contact {i + 1}",
                    contact_email=f"contact{i + 1}@aanbieder{i + 1}.national.example",
                    contact_phone="0201234567",
                    iban=str(IBAN.generate("NL", bank_code="ABNA", account_code=f"{i + 1:010d}")),
                    bic="ABNANL2A",
                    decided_at=created + dt.timedelta(days=3),
                )
            )
        self.providers = Provider.objects.bulk_create(rows, batch_size=2000)
        self.rows["providers_provider"] += len(rows)
        # Popularity: a few providers get many web orders.
        self.provider_weights = [rng.paretovariate(1.2) for _ in self.providers]

    def make_offers(self) -> None:
        from cultuurkaart.marketplace import geo
        from cultuurkaart.marketplace.models import Offer, OfferSession, Term
        from cultuurkaart.marketplace.text import stem_text

        rng = self.rng
        vocab = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(5000)]
        terms = defaultdict(list)
        for term in Term.objects.filter(active=True).order_by("pk"):
            terms[term.vocabulary].append(term)
        places = {c: geo.place(c) for c in CITIES}
        rows, links = (
            [],
            {k: [] for k in ("disciplines", "levels", "themes", "provinces", "access")},
        )
        n_prov = len(self.providers)
        for i in range(self.n["offers"]):
            provider = self.providers[i % n_prov]
            title = " ".join(rng.choices(WORDS, k=4)).capitalize()
            description = " ".join(
                rng.choice(WORDS) if rng.random() < 0.04 else rng.choice(vocab) for _ in range(60)
            )
            mode = rng.choice(["at_provider", "at_provider", "at_school", "to_be_agreed"])
            city = CITIES[rng.randrange(len(CITIES))]
            place = places[city] or (None, None, "")
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
            # The same text as services.offers.search_text_for: title, description,
            # provider, place and the labels of format, disciplines, levels and themes.
            text = stem_text(" ".join([title, description, provider.name, city, *labels]))
            published = self.now - dt.timedelta(minutes=17 * i + 60)
            status = "published" if i % 50 else "pending"
            rows.append(
                Offer(
                    provider=provider,
                    status=status,
                    title=title[:140],
                    description=description,
                    format=fmt,
                    location_mode=mode,
                    venue_name=provider.name if mode == "at_provider" else "",
                    venue_city=city,
                    venue_postcode="1000AA",
                    venue_latitude=place[0],
                    venue_longitude=place[1],
                    venue_province=place[2],
                    national=rng.random() < 0.05,
                    duration_minutes=rng.choice([60, 90, 120]),
                    price_model=rng.choice(["per_student", "per_group"]),
                    price=D(rng.randint(300, 30000)) / 100,
                    group_size=25,
                    published_at=published if status == "published" else None,
                    moderated_at=published if status == "published" else None,
                    created_at=published - dt.timedelta(days=2),
                    updated_at=published,
                    search_text=text,
                )
            )
            for k, values in chosen.items():
                links[k].append([t.pk for t in values])
        offers = Offer.objects.bulk_create(rows, batch_size=2000)
        self.rows["marketplace_offer"] += len(offers)
        for k, per_offer in links.items():
            through = getattr(Offer, k).through
            objs = [
                through(offer_id=o.pk, term_id=t)
                for o, ts in zip(offers, per_offer, strict=True)
                for t in ts
            ]
            through.objects.bulk_create(objs, batch_size=5000)
            self.rows[through._meta.db_table] += len(objs)
        sessions = []
        for o in offers:
            if rng.random() < 0.6:
                start = self.now + dt.timedelta(days=rng.randint(1, 200), hours=2)
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
        self.rows["marketplace_offersession"] += len(sessions)

    # --- rosters, member accounts, codes, memberships -----------------------------------

    def make_people(self) -> None:
        """Roster people, member accounts (user, role, used code, membership) and the
        current codes of invited people. The big tables are written as pre-formatted COPY
        text (a row costs one f-string; decision NN-3)."""
        from django.contrib.auth.hashers import make_password
        from django.core import signing

        from cultuurkaart.memberships import codes
        from cultuurkaart.memberships.services import _PASS_SALT

        rng, y, seed = self.rng, self.year, self.seed
        password = make_password(PASSWORD)  # one PBKDF2 run for every member (NN-1)
        hash_key = codes._hash_keys()[0]
        signer = signing.Signer(salt=_PASS_SALT)
        person_id = self.next_id("rosters_person")
        user_id = self.next_id("accounts_user")
        role_id = self.next_id("accounts_role")
        code_id = self.next_id("memberships_activationcode")
        member_id = self.next_id("memberships_membership")
        batch_id = self.next_id("memberships_invitationbatch")
        n_first, n_last = len(FIRST), len(LAST)
        lower_first = [f.lower() for f in FIRST]
        self.students_out, self.codes_out = [], []
        people, users, roles, acodes, members = [], [], [], [], []
        batches, invitations, uploads = [], [], []
        invited_codes = []  # (code_id, school, person, kind, batch, raw)
        births = {}
        for s in self.schools:
            sid, vo = s["id"], s["kind"] == "vo"
            programme = s["programme"]
            prog = programme.pk
            valid_until = programme.membership_valid_until.isoformat()
            mark = "cultuurkaart" if vo else "mbo-cultuurkaart"
            batch_at = self.at(dt.date(y - 1, 9, 25)) + dt.timedelta(minutes=s["i"] % 1440)
            batch_s = batch_at.isoformat()
            moments = [
                (batch_at + dt.timedelta(minutes=41 * k, days=k % 90)).isoformat()
                for k in range(500)
            ]
            batch = batch_id
            batch_id += 1
            n_invited = 0
            created = s["registered_at"] + dt.timedelta(days=30)
            created_s = created.isoformat()
            locations = s["locations"]
            for kind, count, n_members in (
                ("students", s["students"], s["m_students"]),
                ("teachers", s["teachers"], s["m_teachers"]),
            ):
                member_kind = "student" if kind == "students" else "teacher"
                role = member_kind
                # Invited, not yet activated: three in ten of the others hold a current code.
                n_inv = (count - n_members) * 3 // 10
                firsts = rng.choices(range(n_first), k=count)
                lasts = rng.choices(range(n_last), k=count)
                years = rng.choices(range(1, 7 if vo else 5), k=count)
                groups = rng.choices("ABCDEFGH", k=count)
                uploads.append((sid, kind, created, count, count))
                for j in range(count):
                    fi = firsts[j]
                    first, last = FIRST[fi], LAST[lasts[j]]
                    pid = person_id
                    person_id += 1
                    if j < n_members:
                        status = "active"
                    elif j < n_members + n_inv:
                        status = "invited"
                    else:
                        status = "new"
                    email = (
                        f"{lower_first[fi]}.{pid}@leerling{sid}.national.example" if j % 5 else ""
                    )
                    mobile = f"06{10000000 + pid % 89999999}" if j % 3 == 0 else ""
                    if kind == "students":
                        year = years[j]
                        group = f"{year}{groups[j]}" if vo else f"{MBO_PROGRAMMES[j % 7]} {year}"
                        people.append(
                            f"{pid}\t{sid}\tstudents\t{first}\t{last}\t{email}\t{mobile}\t"
                            f"{locations[j % len(locations)]}\t{year}\t{group}\t\t{status}\t"
                            f"{created_s}\t{created_s}"
                        )
                        age = (12 + year + pid % 2) if vo else (16 + year + pid % 3)
                    else:
                        tt = "teacher" if j % 6 else "support"
                        people.append(
                            f"{pid}\t{sid}\tteachers\t{first}\t{last}\t{email}\t{mobile}\t"
                            f"{locations[j % len(locations)]}\t\\N\t\t{tt}\t{status}\t"
                            f"{created_s}\t{created_s}"
                        )
                        age = 25 + pid % 40
                    if status == "active":
                        uid, cid, mid = user_id, code_id, member_id
                        user_id += 1
                        code_id += 1
                        member_id += 1
                        activated = moments[j % 500]
                        email_u = f"lid{mid}@leden.national.example"
                        users.append(
                            f"{uid}\t{password}\t{email_u}\t{first} {last}\tnl\tt\tf\tf\t"
                            f"{activated}\t0"
                        )
                        roles.append(f"{role_id}\t{uid}\t{role}\t{sid}\t{activated}")
                        role_id += 1
                        digest = hmac.new(
                            hash_key, f"used:{seed}:{cid}".encode(), hashlib.sha256
                        ).hexdigest()
                        acodes.append(
                            f"{cid}\t{sid}\t{pid}\t{member_kind}\t{digest}\t\t{batch}\t{batch_s}"
                            f"\t{activated}\t\\N"
                        )
                        key = (age, pid % 336)
                        birth = births.get(key)
                        if birth is None:
                            birth = births[key] = dt.date(
                                y - age, 1 + key[1] % 12, 1 + key[1] % 28
                            ).isoformat()
                        pass_key = base64.urlsafe_b64encode(
                            hashlib.blake2b(f"{seed}:{mid}".encode(), digest_size=18).digest()
                        ).decode()
                        members.append(
                            f"{mid}\t{uid}\t{sid}\t{pid}\t{prog}\t{cid}\t{member_kind}\t{mark}\t"
                            f"{first}\t{last}\t{birth}\tt\t{valid_until}\tactive\t{activated}\t\t"
                            f"{pass_key}"
                        )
                        if (
                            len(self.students_out) < 2000
                            and member_kind == "student"
                            and mid % 7 == 0
                        ):
                            self.students_out.append(
                                {
                                    "email": email_u,
                                    "user": uid,
                                    "membership": mid,
                                    "school": sid,
                                    "pass_token": signer.sign(pass_key),
                                }
                            )
                    elif status == "invited":
                        cid = code_id
                        code_id += 1
                        raw = "".join(rng.choices(codes.ALPHABET, k=codes.CODE_LENGTH))
                        invited_codes.append((cid, sid, pid, member_kind, batch, raw))
                        invitations.append(
                            (
                                batch,
                                pid,
                                cid,
                                "sent" if email else "no_email",
                                batch_at if email else None,
                            )
                        )
                        n_invited += 1
            batches.append(
                (
                    batch,
                    sid,
                    "",
                    "",
                    batch_at,
                    "done",
                    n_invited + s["m_students"] + s["m_teachers"],
                    0,
                    n_invited,
                    n_invited,
                    0,
                    batch_at + dt.timedelta(minutes=20),
                    batch_at + dt.timedelta(minutes=20),  # updated_at: the heartbeat (NS-4)
                )
            )
        # Real codes for the invited people: keyed hash + encrypted value (as _new_codes).
        seen = set()
        now_s = self.now.isoformat()
        for cid, sid, pid, kind, batch, raw in invited_codes:
            digest = hmac.new(hash_key, raw.encode(), hashlib.sha256).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            acodes.append(
                f"{cid}\t{sid}\t{pid}\t{kind}\t{digest}\t{codes.encrypt(raw)}\t{batch}\t{now_s}"
                "\t\\N\t\\N"
            )
            if len(self.codes_out) < 5000 and cid % 3 == 0:
                self.codes_out.append({"code": raw, "school": sid, "person": pid, "kind": kind})
        del invited_codes
        self.copy_text(
            "rosters_person",
            [
                "id",
                "school_id",
                "kind",
                "first_name",
                "last_name",
                "email",
                "mobile",
                "location",
                "year",
                "group",
                "teacher_type",
                "status",
                "created_at",
                "updated_at",
            ],
            people,
        )
        del people
        self.copy(
            "rosters_rosterupload",
            ["school_id", "kind", "uploaded_at", "rows", "added", "kept", "removed", "filename"],
            [(*u, 0, 0, f"{u[1]}.xlsx") for u in uploads],
        )
        self.copy_text(
            "accounts_user",
            [
                "id",
                "password",
                "email",
                "name",
                "language",
                "is_active",
                "is_staff",
                "is_superuser",
                "date_joined",
                "session_version",
            ],
            users,
        )
        del users
        self.copy_text("accounts_role", ["id", "user_id", "role", "school_id", "granted_at"], roles)
        del roles
        self.copy(
            "memberships_invitationbatch",
            [
                "id",
                "school_id",
                "kind",
                "selection_hash",
                "created_at",
                "status",
                "invited",
                "skipped",
                "to_mail",
                "mailed",
                "failed",
                "finished_at",
                "updated_at",
            ],
            batches,
        )
        self.copy_text(
            "memberships_activationcode",
            [
                "id",
                "school_id",
                "person_id",
                "kind",
                "code_hash",
                "code_encrypted",
                "batch_id",
                "created_at",
                "used_at",
                "revoked_at",
            ],
            acodes,
        )
        del acodes
        self.copy(
            "memberships_invitation",
            ["batch_id", "person_id", "code_id", "mail_status", "mailed_at"],
            invitations,
        )
        self.copy_text(
            "memberships_membership",
            [
                "id",
                "user_id",
                "school_id",
                "person_id",
                "programme_id",
                "activation_code_id",
                "kind",
                "mark",
                "first_name",
                "last_name",
                "birth_date",
                "parents_informed",
                "valid_until",
                "status",
                "activated_at",
                "end_reason",
                "pass_key",
            ],
            members,
        )

    # --- money: orders, invoices, payments, releases, web orders, payouts ---------------

    def make_money(self) -> None:
        Money(self).run()

    # --- known logins -------------------------------------------------------------------

    def make_logins(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from cultuurkaart.accounts import services as accounts
        from cultuurkaart.accounts.constants import RoleName

        password = make_password(PASSWORD)  # hashed once (NN-1)

        def login(email, name, role, **scope):
            user, _ = accounts.get_or_create_user(email, name=name)
            user.password = password
            user.save(update_fields=["password"])
            accounts.grant_role(user, role, **scope)
            key = hashlib.sha1(f"{self.seed}:{email}".encode()).hexdigest()
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True, key=key)
            _, token = accounts.create_api_token(user, name="bench national")
            return {
                "email": email,
                "user": user.pk,
                "password": PASSWORD,
                "totp_secret": base64.b32encode(device.bin_key).decode(),
                "totp_device": device.persistent_id,
                "api_token": token,
            }

        n_bh = min(50, len(self.schools))
        budget_holders = []
        for s in self.schools[:n_bh]:
            entry = login(
                f"budgethouder{s['i'] + 1}@school{s['i'] + 1}.national.example",
                f"Budgethouder {s['i'] + 1}",
                RoleName.BUDGET_HOLDER,
                school=self._school(s["id"]),
            )
            entry["school"] = s["id"]
            entry["kind"] = s["kind"]
            budget_holders.append(entry)
        providers = []
        for p in self.providers[: min(50, len(self.providers))]:
            entry = login(
                f"aanbieder{p.pk}@aanbieder.national.example",
                f"Aanbieder {p.pk}",
                RoleName.PROVIDER,
                provider=p,
            )
            entry["provider"] = p.pk
            providers.append(entry)
        admin = login("beheer@national.example", "Beheerder landelijke testset", RoleName.ADMIN)
        self.logins = {
            "password": PASSWORD,
            "admin": admin,
            "budget_holder": budget_holders[0],
            "budget_holders": budget_holders,
            "provider": providers[0],
            "providers": providers,
            "students": self.students_out,
            "activation_codes": self.codes_out,
        }

    def _school(self, pk: int):
        from cultuurkaart.schools.models import School

        return School.objects.get(pk=pk)


class Money:
    """The year's money in one pass over its events in time order (decision NN-2)."""

    def __init__(self, gen: Generator):
        self.g = gen
        self.rng = random.Random(gen.seed * 7919 + 13)
        self.entries: list[tuple] = []
        self.lines: list[tuple] = []
        self.raw: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.collective: dict[int, Decimal] = defaultdict(lambda: ZERO)  # school → running
        self.events: list[tuple] = []  # (moment, seq, handler, args)
        self.seq = 0

    # accounts ------------------------------------------------------------------------

    def make_accounts(self) -> None:
        from cultuurkaart.ledger.constants import AccountKind as K

        g = self.g
        account_id = g.next_id("ledger_account")
        rows = []
        self.acc: dict[tuple, int] = {}

        def add(kind, school=None, programme=None):
            nonlocal account_id
            self.acc[(kind, school, programme)] = account_id
            rows.append((account_id, kind, school, programme, ZERO))
            account_id += 1

        add(K.BANK)
        for p in (g.vo, g.mbo):
            for kind in (
                K.INVOICED,
                K.OCW_FUND,
                K.ADMIN_FEE_INCOME,
                K.MEMBERSHIP_INCOME,
                K.DOSSIER_INCOME,
                K.PROVIDER_PAYABLE,
                K.PROVIDER_FEE_INCOME,
            ):
                add(kind, None, p.pk)
        for s in g.schools:
            for kind in (K.SCHOOL, K.OCW, K.THIRD_PARTY, K.INDIVIDUAL, K.RECEIVABLE):
                add(kind, s["id"], s["programme"].pk)
        self.account_rows = rows
        self.bucket_kind = {aid: k[0] for k, aid in self.acc.items()}
        self.bucket_school = {
            aid: k[1] for k, aid in self.acc.items() if k[0] in ("school", "ocw", "third_party")
        }

    def a(self, kind, school=None, programme=None) -> int:
        return self.acc[(kind, school, programme)]

    # posting ---------------------------------------------------------------------------

    def post(self, moment, kind, description, pairs, *, school=None, programme=None,
             reference="", reverses=None) -> int:  # fmt: skip
        eid = self.entry_id
        self.entry_id += 1
        self.entries.append(
            (eid, moment, kind, description[:300], school, programme, reference, reverses)
        )
        for account, amount in pairs:
            self.raw[account] += amount
            after = None
            owner = self.bucket_school.get(account)
            if owner is not None:
                self.collective[owner] -= amount
                after = self.collective[owner]
            self.lines.append((self.line_id, eid, account, amount, after))
            self.line_id += 1
        assert sum(amount for _a, amount in pairs) == 0, (kind, pairs)
        return eid

    def at(self, moment, handler, *args) -> None:
        self.seq += 1
        self.events.append((moment, self.seq, handler, args))

    # the run ---------------------------------------------------------------------------

    def run(self) -> None:
        g = self.g
        self.make_accounts()
        self.entry_id = g.next_id("ledger_entry")
        self.line_id = g.next_id("ledger_line")
        self.order_id = g.next_id("orders_budgetorder")
        self.invoice_id = g.next_id("orders_invoice")
        self.weborder_id = g.next_id("weborders_weborder")
        self.payment_id = g.next_id("orders_payment")
        self.batch_id = g.next_id("payouts_payoutbatch")
        self.item_id = g.next_id("payouts_payoutitem")
        self.orders, self.invoices, self.invoice_lines, self.payments = [], [], [], []
        self.contributions, self.weborders = [], {}
        self.sequences: dict[int, int] = defaultdict(int)
        self.plan_orders()
        self.plan_weborders()
        self.plan_payouts()
        self.events.sort(key=lambda e: (e[0], e[1]))
        for moment, _seq, handler, args in self.events:
            handler(moment, *args)
        self.write()

    # budget orders and invoices ----------------------------------------------------------

    def plan_orders(self) -> None:
        from cultuurkaart.orders.calendar import objection_deadline
        from cultuurkaart.orders.services.common import vat_rate

        if vat_rate() != 0:
            raise SystemExit("The generator books invoices without VAT (CK_INVOICE_VAT_RATE=0).")
        g, rng, y = self.g, self.rng, self.g.year
        start = g.at(dt.date(y - 1, 9, 4), 9)
        for s in g.schools:
            students, teachers = s["students"], s["teachers"]
            without = students * rng.randint(0, 5) // 100
            submitted = g.between(start, g.at(dt.date(y - 1, 10, 31), 17))
            deadline = objection_deadline(submitted)
            decided = deadline + dt.timedelta(days=rng.randint(1, 6), hours=1)
            order = {
                "school": s,
                "kind": "initial",
                "with": students - without,
                "without": without,
                "teachers": teachers,
                "dossier": s["kind"] == "vo" and rng.random() < 0.3,
                "submitted": submitted,
                "deadline": deadline,
                "decided": decided,
            }
            self.at(decided, self.issue_order, order)
            paid = decided + dt.timedelta(days=rng.randint(5, 28), hours=2)
            self.at(paid, self.pay, order)
            s["budget"] = q(
                (students - without) * (s["programme"].rate_school + s["programme"].rate_ocw)
            )
            # A supplementary order for one school in six (winter), most paid.
            if rng.random() < 1 / 6:
                extra = max(5, students // 20)
                sub = g.between(g.at(dt.date(y, 1, 8), 9), g.at(dt.date(y, 1, 30), 16))
                dl = objection_deadline(sub)
                supp = {
                    "school": s,
                    "kind": "supplementary",
                    "with": extra,
                    "without": 0,
                    "teachers": 0,
                    "dossier": False,
                    "submitted": sub,
                    "deadline": dl,
                    "decided": dl + dt.timedelta(days=2),
                }
                self.at(supp["decided"], self.issue_order, supp)
                if rng.random() < 0.9:
                    self.at(supp["decided"] + dt.timedelta(days=rng.randint(3, 25)), self.pay, supp)
            # A third party's contribution for one school in ten, through the year.
            if rng.random() < 0.1:
                issued = g.between(g.at(dt.date(y, 1, 15), 9), g.now - dt.timedelta(days=2))
                contribution = {
                    "school": s,
                    "kind": "third_party",
                    "amount": D(rng.randint(5, 60) * 100),
                    "decided": issued,
                    "funder": f"Fonds {CITIES[rng.randrange(len(CITIES))]}",
                }
                self.at(issued, self.issue_contribution, contribution)
                paid = issued + dt.timedelta(days=rng.randint(4, 30))
                if paid < g.now:
                    self.at(paid, self.pay, contribution)

    def _invoice(self, moment, item, kind, lines, recipient) -> int:
        from cultuurkaart.orders.services.common import PAYMENT_TERM_DAYS

        g = self.g
        s = item["school"]
        issued_on = moment.astimezone(g.tz).date()
        self.sequences[issued_on.year] += 1
        seq = self.sequences[issued_on.year]
        iid = self.invoice_id
        self.invoice_id += 1
        total = sum((line[4] for line in lines), ZERO)
        item.update(
            invoice=iid, total=total, lines=lines, number=f"{issued_on.year % 100:02d}{seq:06d}"
        )
        self.invoices.append(
            {
                "id": iid,
                "number": item["number"],
                "year": issued_on.year,
                "sequence": seq,
                "kind": kind,
                "school_id": s["id"],
                "programme_id": s["programme"].pk,
                "order_id": item.get("order"),
                "recipient_name": recipient,
                "recipient_email": f"facturen{s['i'] + 1}@school{s['i'] + 1}.national.example",
                "recipient_address": f"Postbus {s['i'] + 1}\n{s['city']}",
                "issued_on": issued_on,
                "issued_at": moment,
                "due_on": issued_on + dt.timedelta(days=PAYMENT_TERM_DAYS),
                "subtotal": total,
                "total": total,
                "ocw_top_up": item.get("ocw_top_up", ZERO),
                "status": "open",
                "amount_paid": ZERO,
                "paid_at": None,
            }
        )
        for pos, (code, description, quantity, unit, amount) in enumerate(lines, start=1):
            self.invoice_lines.append((iid, pos, code, description, quantity, unit, amount))
        p = s["programme"].pk
        self.post(
            moment,
            "invoice_issued",
            f"Factuur {item['number']}",
            [(self.a("receivable", s["id"], p), total), (self.a("invoiced", None, p), -total)],
            school=s["id"],
            programme=p,
            reference=f"invoice:{iid}",
        )
        return iid

    def issue_order(self, moment, order) -> None:
        from cultuurkaart.orders.services.quotes import make_quote

        s = order["school"]
        programme = s["programme"]
        quote = make_quote(
            programme,
            kind=order["kind"],
            with_contribution=order["with"],
            without_contribution=order["without"],
            teachers=order["teachers"],
            first_submitted_at=order["submitted"],
            dossier=order["dossier"],
        )
        order["order"] = self.order_id
        self.order_id += 1
        order["ocw_top_up"] = quote.ocw_top_up
        order["released"] = None
        self.orders.append(order)
        lines = [
            (ql.code, ql.description, ql.quantity, ql.unit_price, ql.amount) for ql in quote.lines
        ]
        self._invoice(moment, order, "budget_order", lines, s["name"])

    def issue_contribution(self, moment, item) -> None:
        lines = [
            (
                "third_party",
                f"Bijdrage derden ({item['funder']})",
                1,
                item["amount"],
                item["amount"],
            )
        ]
        self.contributions.append(item)
        self._invoice(moment, item, "third_party", lines, item["funder"])

    def pay(self, moment, item) -> None:
        from cultuurkaart.ledger.constants import AccountKind as K

        s = item["school"]
        p = s["programme"]
        sid, pid, total = s["id"], p.pk, item["total"]
        invoice = self.invoices[item["invoice"] - self.invoices[0]["id"]]
        payment_id = self.payment_id
        self.payment_id += 1
        self.payments.append(
            (payment_id, item["invoice"], total, moment.astimezone(self.g.tz).date(), moment)
        )
        invoice.update(status="paid", amount_paid=total, paid_at=moment)
        self.post(
            moment,
            "payment_received",
            f"Betaling factuur {item['number']}",
            [(self.a(K.BANK), total), (self.a(K.RECEIVABLE, sid, pid), -total)],
            school=sid,
            programme=pid,
            reference=f"payment:{payment_id}",
        )
        targets = {
            "school_contribution": self.a(K.SCHOOL, sid, pid),
            "admin_fee": self.a(K.ADMIN_FEE_INCOME, None, pid),
            "teacher_membership": self.a(K.MEMBERSHIP_INCOME, None, pid),
            "teacher_membership_free": self.a(K.MEMBERSHIP_INCOME, None, pid),
            "third_party": self.a(K.THIRD_PARTY, sid, pid),
            "dossier": self.a(K.DOSSIER_INCOME, None, pid),
        }
        by_code: dict[str, Decimal] = {}
        for code, _d, _q, _u, amount in item["lines"]:
            by_code[code] = by_code.get(code, ZERO) + amount
        pairs = [(self.a(K.INVOICED, None, pid), total)]
        pairs += [(targets[code], -amount) for code, amount in by_code.items() if amount]
        pairs = [(acc, amt) for acc, amt in pairs if amt]
        if item["kind"] != "third_party":
            collective = q(item["with"] * p.rate_ocw)
            individual = q(item["without"] * p.rate_ocw)
            pairs.append((self.a(K.OCW_FUND, None, pid), collective + individual))
            pairs.append((self.a(K.OCW, sid, pid), -collective))
            if individual:
                pairs.append((self.a(K.INDIVIDUAL, sid, pid), -individual))
            item["released"] = moment
            description = f"Budget vrijgegeven (factuur {item['number']})"
        else:
            description = f"Bijdrage derden vrijgegeven (factuur {item['number']})"
        # Merge lines on the same account (membership income: paid and free teachers).
        merged: dict[int, Decimal] = {}
        for acc, amt in pairs:
            merged[acc] = merged.get(acc, ZERO) + amt
        self.post(
            moment,
            "release",
            description,
            [(acc, amt) for acc, amt in merged.items() if amt],
            school=sid,
            programme=pid,
            reference=f"invoice:{item['invoice']}",
        )
        s.setdefault("paid_at", {})[item["kind"]] = moment

    # web orders --------------------------------------------------------------------------

    def plan_weborders(self) -> None:
        g, rng, y = self.g, self.rng, self.g.year
        n = g.n["weborders"]
        total_members = sum(s["m_students"] + s["m_teachers"] for s in g.schools)
        states, weights = list(STATES), list(STATES.values())
        providers = g.providers
        pweights = g.provider_weights
        year_start = g.at(dt.date(y, 1, 6), 9)
        self.payout_moments = []
        for month in range(1, 13):
            for day in (1, 15):
                moment = g.at(dt.date(y, month, day), 7)
                if dt.date(y, 1, 15) <= moment.date() and moment < g.now:
                    self.payout_moments.append(moment)
        last_payout = self.payout_moments[-1] if self.payout_moments else year_start
        # Orders per school in proportion to its members; school 1 gets extra pending ones
        # for the budget holder's approvals in a load test.
        counts = [
            max(3, n * (s["m_students"] + s["m_teachers"]) // total_members) for s in g.schools
        ]
        counts[0] += n - sum(counts)
        for s, count in zip(g.schools, counts, strict=True):
            budget = s["budget"]
            mean = max(D("30"), budget * D("0.6") / max(1, count * 4 // 5))
            for k in range(count):
                state = (
                    rng.choices(states, weights)[0]
                    if not (s["i"] == 0 and k < min(150, count // 3))
                    else "pending"
                )
                provider = (
                    rng.choices(providers, pweights)[0]
                    if k % 3
                    else providers[rng.randrange(len(providers))]
                )
                amount = max(D("10.00"), q(mean * D(str(round(rng.lognormvariate(0, 0.5), 3)))))
                w = {
                    "id": self.weborder_id,
                    "school": s,
                    "provider": provider,
                    "amount": amount,
                    "state": state,
                }
                self.weborder_id += 1
                self.weborders[w["id"]] = w
                week = dt.timedelta(days=7)
                if state == "pending":
                    created = g.between(g.now - 2 * week, g.now - dt.timedelta(hours=1))
                elif state == "approved":
                    created = g.between(g.now - 4 * week, g.now - dt.timedelta(days=2))
                elif state == "checked":
                    created = g.between(
                        max(year_start, last_payout - 2 * week), g.now - dt.timedelta(days=3)
                    )
                else:
                    created = g.between(year_start, max(year_start + week, last_payout - 3 * week))
                w["created"] = created
                w["activity"] = created + dt.timedelta(
                    days=rng.randint(7, 60), hours=rng.randint(0, 6)
                )
                w["students"] = rng.randint(10, 120)
                if state == "pending":
                    continue
                decided = created + dt.timedelta(hours=rng.randint(2, 120))
                if state == "checked":
                    decided = min(decided, g.now - dt.timedelta(days=2))
                    checked = g.between(
                        max(decided, last_payout) + dt.timedelta(hours=1),
                        g.now - dt.timedelta(hours=2),
                    )
                    checked = max(checked, decided + dt.timedelta(hours=1))
                else:
                    checked = decided + dt.timedelta(days=rng.randint(1, 10))
                if state == "approved":
                    decided = min(decided, g.now - dt.timedelta(hours=3))
                w["decided"] = decided
                if state in ("rejected", "withdrawn", "expired"):
                    self.at(decided, self.close_weborder, w)
                    continue
                self.at(decided, self.approve, w)
                if state in ("checked", "paid_out", "invalid"):
                    w["checked"] = checked
                if state == "invalid":
                    self.at(checked, self.give_back, w)
                elif state == "reversed":
                    back = decided + dt.timedelta(days=rng.randint(2, 20))
                    w["checked"] = checked if checked < back and rng.random() < 0.5 else None
                    self.at(back, self.give_back, w)

    def close_weborder(self, moment, w) -> None:
        w["closed"] = moment if w["state"] in ("withdrawn", "expired") else None
        if w["state"] == "rejected":
            w["reason"] = "Deze activiteit is niet bij ons besteld."

    def approve(self, moment, w) -> None:
        """Dr the buckets in spending order (spendable ones only) / Cr provider payable."""
        from cultuurkaart.ledger.constants import AccountKind as K

        s = w["school"]
        sid, pid = s["id"], s["programme"].pk
        paid = s.get("paid_at", {})
        spendable_from = self.g.at(s["programme"].spend_from, 0)
        buckets = []
        if ("initial" in paid or "supplementary" in paid) and moment >= spendable_from:
            buckets += [K.SCHOOL, K.OCW]
        if "third_party" in paid:
            buckets.append(K.THIRD_PARTY)
        available = {k: -self.raw[self.a(k, sid, pid)] for k in buckets}
        if sum(available.values(), ZERO) < w["amount"]:
            # Not enough spendable budget: the school rejects it instead.
            w["state"], w["reason"] = "rejected", "Onvoldoende budget."
            w.pop("checked", None)
            return
        rest, pairs, split = w["amount"], [], {"school": ZERO, "ocw": ZERO, "third_party": ZERO}
        for k in buckets:
            take = min(rest, available[k])
            if take > 0:
                pairs.append((self.a(k, sid, pid), take))
                split[str(k)] = take
                rest -= take
        pairs.append((self.a(K.PROVIDER_PAYABLE, None, pid), -w["amount"]))
        w["split"] = split
        w["pairs"] = pairs
        w["entry"] = self.post(
            moment,
            "weborder",
            f"Webbestelling {w['id']}: {w['provider'].name}",
            pairs,
            school=sid,
            programme=pid,
            reference=f"weborder:{w['id']}",
        )

    def give_back(self, moment, w) -> None:
        if "entry" not in w:
            return
        s = w["school"]
        w["closed"] = moment if w["state"] == "reversed" else None
        if w["state"] == "invalid":
            w["check_reason"] = "Geen culturele activiteit."
            description = f"Webbestelling {w['id']} ongeldig: geld terug"
        else:
            w["reversal_reason"] = "Activiteit ging niet door."
            description = f"Tegenboeking: Webbestelling {w['id']}: {w['provider'].name}"
        w["reversal"] = self.post(
            moment,
            "reversal",
            description,
            [(acc, -amt) for acc, amt in w["pairs"]],
            school=s["id"],
            programme=s["programme"].pk,
            reference=f"weborder:{w['id']}",
            reverses=w["entry"],
        )

    # payouts ---------------------------------------------------------------------------

    def plan_payouts(self) -> None:
        self.batches, self.items, self.payout_lines = [], [], []
        for moment in self.payout_moments:
            self.at(moment, self.payout, moment)

    def payout(self, moment, _until) -> None:
        from cultuurkaart.ledger.constants import AccountKind as K
        from cultuurkaart.payouts.constants import FEE_RATE

        due = [
            w
            for w in self.weborders.values()
            if w["state"] == "paid_out"
            and "entry" in w
            and "batch" not in w
            and w.get("checked")
            and w["checked"] <= moment
        ]
        if not due:
            return
        batch_id = self.batch_id
        self.batch_id += 1
        per_provider: dict[int, list] = defaultdict(list)
        per_programme: dict[int, list] = defaultdict(lambda: [ZERO, ZERO])
        for w in sorted(due, key=lambda w: w["id"]):
            fee = q(w["amount"] * FEE_RATE)
            per_provider[w["provider"].pk].append((w, fee))
            sums = per_programme[w["school"]["programme"].pk]
            sums[0] += w["amount"]
            sums[1] += fee
            w["batch"], w["paid"] = batch_id, moment
        gross = sum((v[0] for v in per_programme.values()), ZERO)
        fee = sum((v[1] for v in per_programme.values()), ZERO)
        pairs = [(self.a(K.BANK), -(gross - fee))]
        for pid, (g_, f_) in sorted(per_programme.items()):
            pairs.append((self.a(K.PROVIDER_PAYABLE, None, pid), g_))
            if f_:
                pairs.append((self.a(K.PROVIDER_FEE_INCOME, None, pid), -f_))
        entry = self.post(
            moment, "payout", f"Uitbetaling {batch_id} aan acceptanten", pairs,
            reference=f"payout:{batch_id}",
        )  # fmt: skip
        self.batches.append((batch_id, moment, moment, gross, fee, gross - fee, ZERO, entry, "[]"))
        for provider_id in sorted(per_provider):
            rows = per_provider[provider_id]
            provider = rows[0][0]["provider"]
            item_id = self.item_id
            self.item_id += 1
            g_ = sum((w["amount"] for w, _f in rows), ZERO)
            f_ = sum((f for _w, f in rows), ZERO)
            self.items.append(
                (
                    item_id,
                    batch_id,
                    provider_id,
                    provider.name,
                    provider.iban,
                    provider.bic,
                    g_,
                    f_,
                    ZERO,
                    g_ - f_,
                )
            )
            for w, f in rows:
                self.payout_lines.append((item_id, w["id"], w["amount"], f, w["amount"] - f))

    # writing -----------------------------------------------------------------------------

    def write(self) -> None:
        g = self.g
        self.account_rows = [
            (aid, kind, school, programme, self.raw.get(aid, ZERO))
            for aid, kind, school, programme, _b in self.account_rows
        ]
        g.copy(
            "ledger_account",
            ["id", "kind", "school_id", "programme_id", "balance"],
            self.account_rows,
        )
        g.copy(
            "ledger_entry",
            [
                "id",
                "at",
                "kind",
                "description",
                "school_id",
                "programme_id",
                "reference",
                "reverses_id",
            ],
            self.entries,
        )
        g.copy(
            "ledger_line",
            ["id", "entry_id", "account_id", "amount", "collective_after"],
            self.lines,
        )
        g.copy(
            "orders_budgetorder",
            [
                "id", "school_id", "programme_id", "kind", "status", "with_contribution",
                "without_contribution", "teachers", "dossier_interest", "reference", "duo_count",
                "submitted_at", "objection_deadline", "updated_at", "decided_at",
                "rejection_reason", "ocw_allocated", "released_at", "cancelled_registration",
            ],
            (
                (
                    o["order"], o["school"]["id"], o["school"]["programme"].pk, o["kind"], "approved",
                    o["with"], o["without"], o["teachers"], o["dossier"], "", o["school"]["students"],
                    o["submitted"], o["deadline"], o["decided"], o["decided"], "",
                    q((o["with"] + o["without"]) * o["school"]["programme"].rate_ocw),
                    o["released"], False,
                )
                for o in self.orders
            ),
        )  # fmt: skip
        order_of = {o["invoice"]: o["order"] for o in self.orders}
        g.copy(
            "orders_invoice",
            [
                "id", "number", "year", "sequence", "kind", "school_id", "programme_id", "order_id",
                "recipient_name", "recipient_email", "recipient_address", "reference", "issued_on",
                "issued_at", "due_on", "subtotal", "vat_rate", "vat_amount", "total", "ocw_top_up",
                "status", "amount_paid", "paid_at", "reminders", "pdf",
            ],
            (
                (
                    i["id"], i["number"], i["year"], i["sequence"], i["kind"], i["school_id"],
                    i["programme_id"], order_of.get(i["id"]), i["recipient_name"],
                    i["recipient_email"], i["recipient_address"], "", i["issued_on"], i["issued_at"],
                    i["due_on"], i["subtotal"], ZERO, ZERO, i["total"], i["ocw_top_up"], i["status"],
                    i["amount_paid"], i["paid_at"], 0, "",
                )
                for i in self.invoices
            ),
        )  # fmt: skip
        g.copy(
            "orders_invoiceline",
            ["invoice_id", "position", "code", "description", "quantity", "unit_price", "amount"],
            self.invoice_lines,
        )
        g.copy(
            "orders_payment",
            ["id", "invoice_id", "amount", "paid_on", "registered_at"],
            self.payments,
        )
        g.copy(
            "orders_thirdpartycontribution",
            ["school_id", "programme_id", "funder", "funder_email", "funder_address", "amount",
             "created_at", "invoice_id"],
            (
                (c["school"]["id"], c["school"]["programme"].pk, c["funder"], "", "", c["amount"],
                 c["decided"], c["invoice"])
                for c in self.contributions
            ),
        )  # fmt: skip
        from cultuurkaart.orders.models import InvoiceSequence

        InvoiceSequence.objects.bulk_create(
            [InvoiceSequence(year=year, last=last) for year, last in self.sequences.items()]
        )
        g.copy(
            "weborders_weborder",
            [
                "id", "provider_id", "school_id", "programme_id", "amount", "students",
                "activity_at", "activity_on", "description", "request_ref", "status", "created_at",
                "decided_at", "rejection_reason", "checked_at", "check_reason", "closed_at",
                "reversal_reason", "entry_id", "reversal_id", "split_school", "split_ocw",
                "split_third_party",
            ],
            (self._weborder_row(w) for w in self.weborders.values()),
        )  # fmt: skip
        g.copy(
            "payouts_payoutbatch",
            ["id", "created_at", "until", "total_gross", "total_fee", "total_net",
             "total_deducted", "entry_id", "held"],
            self.batches,
        )  # fmt: skip
        g.copy(
            "payouts_payoutitem",
            [
                "id",
                "batch_id",
                "provider_id",
                "name",
                "iban",
                "bic",
                "gross",
                "fee",
                "deducted",
                "net",
            ],
            self.items,
        )
        g.copy(
            "payouts_payoutline",
            ["item_id", "weborder_id", "amount", "fee", "net"],
            self.payout_lines,
        )

    def _weborder_row(self, w) -> tuple:
        state = w["state"]
        split = w.get("split") or {}
        holds = "entry" in w
        activity = w["activity"]
        return (
            w["id"],
            w["provider"].pk,
            w["school"]["id"],
            w["school"]["programme"].pk,
            w["amount"],
            w["students"],
            activity,
            activity.astimezone(self.g.tz).date(),
            f"Voorstelling of workshop voor {w['students']} leerlingen",
            "",
            state,
            w["created"],
            w.get("decided") if state not in ("pending", "withdrawn", "expired") else None,
            w.get("reason", "") if state == "rejected" else "",
            w.get("checked") if state in ("checked", "paid_out", "invalid", "reversed") else None,
            w.get("check_reason", ""),
            w.get("paid") or w.get("closed"),
            w.get("reversal_reason", ""),
            w.get("entry"),
            w.get("reversal"),
            split.get("school") if holds else None,
            split.get("ocw") if holds else None,
            split.get("third_party") if holds else None,
        )


def render_pdfs(school_ids) -> int:
    """Real PDFs for the invoices of the given schools (the known logins' schools)."""
    from cultuurkaart.orders import pdf
    from cultuurkaart.orders.models import Invoice
    from cultuurkaart.orders.services.quotes import QuoteLine

    n = 0
    for invoice in Invoice.objects.filter(school_id__in=school_ids).select_related(
        "school", "programme"
    ):
        lines = [
            QuoteLine(line.code, line.description, line.quantity, line.unit_price, line.amount)
            for line in invoice.lines.all()
        ]
        invoice.pdf = pdf.render_invoice(
            invoice, lines, school=invoice.school, programme=invoice.programme
        )
        invoice.save(update_fields=["pdf"])
        n += 1
    return n


def generate(*, seed: int, scale: float, log=print, analyze: bool = True) -> dict:
    """Load the data set into the current (migrated, empty) database; returns the timings,
    row counts and the logins. Runs in one transaction."""
    from django.db import transaction

    with transaction.atomic():
        gen = Generator(seed=seed, scale=scale, log=log, analyze=False)
        result = gen.run()
        start = time.perf_counter()
        render_pdfs([b["school"] for b in gen.logins["budget_holders"][:5]])
        gen.timings["invoice PDFs of the known schools"] = round(time.perf_counter() - start, 2)
    if analyze:
        from django.db import connection

        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        gen.timings["vacuum analyze"] = round(time.perf_counter() - start, 2)
    result["logins"] = gen.logins
    result["seed"], result["scale"] = seed, scale
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-check", action="store_true", help="skip ledger_check at the end")
    parser.add_argument("--out", default=str(OUT / "logins.json"))
    args = parser.parse_args()

    sys.path.insert(0, str(HERE.parent))
    from _setup import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The national data set loads with COPY: set DATABASE_URL to PostgreSQL.")
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    result = generate(seed=args.seed, scale=args.scale)
    if not args.no_check:
        start = time.perf_counter()
        call_command("ledger_check")
        result["timings"]["ledger_check"] = round(time.perf_counter() - start, 2)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    logins = result.pop("logins")
    logins["database"] = connection.settings_dict["NAME"]
    logins["seed"], logins["scale"] = args.seed, args.scale
    out.write_text(json.dumps(logins, indent=1, default=str))
    (out.parent / f"summary-{connection.settings_dict['NAME']}.json").write_text(
        json.dumps(result, indent=1, default=str)
    )
    print(json.dumps(result, indent=1, default=str))
    print(f"logins written to {out}")


if __name__ == "__main__":
    main()
