"""The national data-set generator (bench/national/generate.py, issue 14) at a tiny scale:
the row counts it promises, a sound ledger, working known logins, and the same data from the
same seed. PostgreSQL only: the generator loads with COPY."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from cultuurkaart.core import clock

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator loads with COPY"),
]

SCRIPT = Path(__file__).resolve().parents[4] / "bench" / "national" / "generate.py"
MOMENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=clock.AMSTERDAM)


def _module():
    spec = importlib.util.spec_from_file_location("bench_national_generate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def generator(monkeypatch):
    # The gazetteer takes seconds to load; the offers' coordinates are not under test.
    from cultuurkaart.marketplace import geo

    monkeypatch.setattr(geo, "place", lambda city: (Decimal("52.1"), Decimal("5.1"), "utrecht"))
    return _module()


def _fingerprint() -> str:
    rows = []
    with connection.cursor() as cursor:
        for sql in (
            "SELECT id, school_id, kind, first_name, last_name, status FROM rosters_person",
            "SELECT id, school_id, provider_id, amount, status, entry_id FROM weborders_weborder",
            "SELECT account_id, amount, collective_after FROM ledger_line",
            "SELECT number, total, status FROM orders_invoice",
            "SELECT pass_key, person_id FROM memberships_membership",
        ):
            # Every selected column: ties on the first two (ledger lines of one account with
            # the same amount) would otherwise come back in whatever order the plan gives.
            columns = sql.split(" FROM ")[0].count(",") + 1
            cursor.execute(sql + " ORDER BY " + ", ".join(str(i + 1) for i in range(columns)))
            rows.append(repr(cursor.fetchall()))
    return hashlib.sha256("".join(rows).encode()).hexdigest()


def test_tiny_national_set_is_consistent_and_deterministic(generator):
    from cultuurkaart.ledger.checks import problems
    from cultuurkaart.memberships.models import ActivationCode, Membership
    from cultuurkaart.memberships.services import check_code, membership_for_pass_token
    from cultuurkaart.orders.models import Invoice
    from cultuurkaart.providers.models import Provider
    from cultuurkaart.rosters.models import Person
    from cultuurkaart.schools.models import School
    from cultuurkaart.weborders.models import WebOrder

    prints = []
    for _run in range(2):
        with transaction.atomic(), clock.frozen(MOMENT):
            result = generator.generate(seed=3, scale=0.002, log=lambda *a: None, analyze=False)
            n = result["n"]
            assert n["schools"] == 3
            assert School.objects.filter(status="active").count() == n["schools"]
            assert Person.objects.count() == n["people"] == 2800
            assert Membership.objects.filter(status="active").count() == n["members"] == 1800
            assert Provider.objects.filter(status="accepted").exclude(iban="").count() == 3
            assert WebOrder.objects.count() == n["weborders"] == 200
            assert WebOrder.objects.filter(status="paid_out").exists()
            assert Invoice.objects.filter(status="paid").count() >= n["schools"]
            assert problems() == []
            call_command("ledger_check")
            # Every active roster person has their membership; every code is findable.
            assert Person.objects.filter(status="active").count() == n["members"]
            logins = result["logins"]
            code = logins["activation_codes"][0]
            assert check_code(code["code"], client="test").person_id == code["person"]
            assert ActivationCode.objects.filter(used_at__isnull=False).count() == n["members"]
            member = membership_for_pass_token(logins["students"][0]["pass_token"])
            assert member.pk == logins["students"][0]["membership"]
            assert logins["budget_holder"]["school"] == School.objects.order_by("pk").first().pk
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
