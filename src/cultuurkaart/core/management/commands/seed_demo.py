"""Demo data: registry sample, a demo programme open now, schools and one user per role."""

import base64
import datetime as dt
import secrets
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from cultuurkaart.accounts import services as accounts
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.cmk import seed as cmk_seed
from cultuurkaart.core import clock
from cultuurkaart.providers.models import Provider, ProviderStatus
from cultuurkaart.schools import services as schools
from cultuurkaart.schools.models import Location, Programme, School

DEMO_PASSWORD = "cultuurkaart-demo"
DOMAIN = "demo.cultuurkaart.example"


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        # Demo mails (registration received, approvals) would only clutter the console.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            self._registry()
            programme = self._programme()
            schools_by_code = self._schools(programme)
            self._roster(schools_by_code["00AA01"])
            logins = self._users(schools_by_code)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded. Logins (password for all: {DEMO_PASSWORD}):")
        )
        for email, role, secret in logins:
            line = f"  {role:<16} {email}"
            if secret:
                line += f"  (two-factor key {secret}; current code: uv run python manage.py otp_code {email})"
            self.stdout.write(line)

    def _registry(self):
        base = Path(settings.BASE_DIR) / "data" / "duo"
        if not Location.objects.exists():
            schools.import_registry(
                (base / "vo_vestigingen_sample.csv").read_bytes(),
                kind="vo",
                filename="vo_vestigingen_sample.csv",
            )
            schools.import_registry(
                (base / "mbo_locaties_sample.csv").read_bytes(),
                kind="mbo",
                filename="mbo_locaties_sample.csv",
            )

    def _programme(self) -> Programme:
        """A demo VO programme whose ordering period is open today, so every flow can be tried."""
        year = clock.today().year + (1 if clock.today().month >= 9 else 0)
        code = f"vo-{year}-demo"
        programme = Programme.objects.filter(code=code).first()
        if programme:
            return programme
        return schools.save_programme(
            {
                "code": code,
                "kind": "vo",
                "name": f"VO Cultuurkaart {year} (demo)",
                "rates": {
                    "ocw": Decimal("5.50"),
                    "school": Decimal("11.00"),
                    "admin_fee": Decimal("2.75"),
                    "teacher_fee": Decimal("6.00"),
                    "teacher_free_count": 30,
                    "voucher": Decimal("5.50"),
                    "dossier": Decimal("2.00"),
                },
                "teacher_free_before": dt.date(year - 1, 11, 1),
                "order_from": dt.date(year - 1, 9, 1),
                "order_until": dt.date(year, 1, 31),
                "roster_after": dt.date(year - 1, 8, 16),
                "spend_from": dt.date(year, 1, 1),
                "spend_until": dt.date(year, 12, 31),
                "membership_until": dt.date(year, 12, 31),
                "ocw_total": Decimal("5000000.00"),
                "max_orders": None,
            },
            actor=None,
        )

    def _schools(self, programme):
        result = {}
        demo = [
            ("00AA01", ["00AA02"], programme.code, True),
            ("01BC00", [], programme.code, True),
            ("108A001", [], "mbo-pilot", True),
            ("02DE00", [], programme.code, False),
        ]
        for code, extra, prog, approve in demo:
            existing = School.objects.filter(locations__code=code).first()
            if existing:
                result[code] = existing
                continue
            slug = code.lower()
            data = {
                "location_code": code,
                "location_codes": extra,
                "programme": prog,
                "board": {"name": "Bestuurder " + code, "email": f"bestuur-{slug}@{DOMAIN}"},
                "budget_holder": {
                    "name": "Budgethouder " + code,
                    "email": f"budgethouder-{slug}@{DOMAIN}",
                },
                "invoice_email": f"facturen-{slug}@{DOMAIN}",
                "invoice_address": "Postbus 1\n1000 AA Amsterdam",
                "refund_iban": "NL91ABNA0417164300",
                "accept_terms": True,
            }
            # The MBO pilot's registration period is over; register it as it was then.
            moment = clock.parse("2023-09-15T10:00:00+02:00") if prog == "mbo-pilot" else None
            with clock.frozen(moment or clock.now()):
                school = schools.register_school(data)
            if approve:
                school = schools.approve_school(school, actor=None)
            result[code] = school
        return result

    def _users(self, schools_by_code):
        vo = schools_by_code["00AA01"]
        people = [
            (f"admin@{DOMAIN}", "Beheerder CJP", RoleName.ADMIN, {}),
            (
                "budgethouder-00aa01@" + DOMAIN,
                "Budgethouder 00AA01",
                RoleName.BUDGET_HOLDER,
                {"school": vo},
            ),
            ("bestuur-00aa01@" + DOMAIN, "Bestuurder 00AA01", RoleName.BOARD, {"school": vo}),
            (f"docent@{DOMAIN}", "Docent Demo", RoleName.DOCENT_PLUS, {"school": vo}),
            (f"leerling@{DOMAIN}", "Leerling Demo", RoleName.STUDENT, {"school": vo}),
            (
                f"aanbieder@{DOMAIN}",
                "Aanbieder Demo",
                RoleName.PROVIDER,
                {"provider": self._provider()},
            ),
        ]
        people += self._cmk_people()
        logins = []
        for email, name, role, scope in people:
            user, _ = accounts.get_or_create_user(email, name=name)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            accounts.grant_role(user, role, **scope)
            if role == RoleName.DOCENT_PLUS:
                accounts.grant_role(user, RoleName.TEACHER, **scope)
            secret = None
            if user.requires_two_factor():
                device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
                if device is None:
                    device = TOTPDevice.objects.create(user=user, name="Demo", confirmed=True)
                secret = base64.b32encode(device.bin_key).decode()
            logins.append((email, role, secret))
        return logins

    def _cmk_people(self):
        """The Amstelland programme's staff, steering group, a municipality and the contact
        person of a demo primary school taking part (issue 13)."""
        from cultuurkaart.cmk.models import Participation
        from cultuurkaart.cmk.services import participations as cmk_parts

        programme = cmk_seed.load(apps.get_model)
        location, _ = Location.objects.get_or_create(
            code="12CM",
            defaults={
                "kind": "po",
                "name": "Demo basisschool De Regenboog",
                "postcode": "1181AA",
                "municipality": "Amstelveen",
                "province": "Noord-Holland",
            },
        )
        participation = Participation.objects.filter(programme=programme, location=location).first()
        if participation is None:
            participation = cmk_parts.add_participation(
                programme, location_code=location.code, track="track-2", actor=None
            )
        municipality = programme.municipalities.get(name="Amstelveen")
        return [
            (
                f"cmk@{DOMAIN}",
                "CmK Programmabureau",
                RoleName.CMK_STAFF,
                {"cmk_programme": programme},
            ),
            (
                f"cmk-stuurgroep@{DOMAIN}",
                "CmK Stuurgroep",
                RoleName.CMK_STEERING,
                {"cmk_programme": programme},
            ),
            (
                f"cmk-gemeente@{DOMAIN}",
                "Gemeente Amstelveen",
                RoleName.CMK_MUNICIPALITY,
                {"cmk_municipality": municipality},
            ),
            (
                f"cmk-school@{DOMAIN}",
                "ICC'er De Regenboog",
                RoleName.CMK_CONTACT,
                {"cmk_participation": participation},
            ),
        ]

    def _roster(self, school):
        """A small roster for the demo school; the demo student has activated. The demo
        teacher has an activation code: a VO teacher membership needs teacher memberships
        on the school's order (decision M8-7), and the demo school has not ordered yet, so
        that every flow can be tried."""
        from cultuurkaart.memberships import services as memberships
        from cultuurkaart.rosters import services as rosters
        from cultuurkaart.rosters.models import Person

        if Person.objects.filter(school=school).exists():
            return
        students = [
            ("Leerling", "Demo", f"leerling@{DOMAIN}", 3, "3B"),
            ("Sanne", "de Vries", "", 3, "3B"),
            ("Daan", "Jansen", "", 3, "3B"),
            ("Fatima", "El Amrani", "", 4, "4A"),
            ("Leerling 5", "achternaam5", "", 4, "4A"),
        ]
        people = {}
        for first, last, email, year, group in students:
            people[email or first] = rosters.add_person(
                school,
                "students",
                {
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "location": "Hoofdgebouw",
                    "year": year,
                    "group": group,
                },
                actor=None,
            )
        teacher = rosters.add_person(
            school,
            "teachers",
            {
                "first_name": "Docent",
                "last_name": "Demo",
                "email": f"docent@{DOMAIN}",
                "type": "teacher",
            },
            actor=None,
        )
        memberships.issue_code(teacher)
        for person, email, born in (
            (people[f"leerling@{DOMAIN}"], f"leerling@{DOMAIN}", "2010-03-14"),
        ):
            code = memberships.issue_code(person)
            memberships.activate(
                code,
                {
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "birth_date": born,
                    # A strong one-off password passes the validators; _users() then sets the demo one.
                    "email": email,
                    "password": secrets.token_urlsafe(16),
                    "accept_terms": True,
                    "parents_informed": True,
                },
                client="seed-demo",
            )

    def _provider(self) -> Provider:
        provider, _ = Provider.objects.get_or_create(
            name="Theatergroep Demo", defaults={"status": ProviderStatus.ACCEPTED}
        )
        return provider
