"""Web orders in tests: a school with money in its buckets, a provider with a person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.ledger import services as ledger
from cultuurkaart.ledger.constants import AccountKind, EntryKind
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory, programme
from cultuurkaart.weborders.models import WebOrder

# Inside the spending window of vo-2024 (1 Jan – 31 Dec 2024).
SPEND_AT = dt.datetime(2024, 3, 4, 10, 0, tzinfo=clock.AMSTERDAM)
ACTIVITY_AT = dt.datetime(2024, 3, 20, 13, 30, tzinfo=clock.AMSTERDAM)


def fund(school, prog=None, *, school_amount="0", ocw="0", third="0", at=None):
    """Release money into the buckets as paid invoices would: one `release` entry for the
    school's own order (school, OCW) and one for a third party's contribution."""
    prog = prog or programme()
    groups = [
        [(AccountKind.SCHOOL, school_amount), (AccountKind.OCW, ocw)],
        [(AccountKind.THIRD_PARTY, third)],
    ]
    for group in groups:
        lines, total = [], Decimal(0)
        for kind, value in group:
            if Decimal(value):
                lines.append((ledger.account(kind, school=school, programme=prog), -Decimal(value)))
                total += Decimal(value)
        if not total:
            continue
        lines.append((ledger.account(AccountKind.INVOICED, programme=prog), total))
        with clock.frozen(at or dt.datetime(2023, 11, 1, 9, 0, tzinfo=clock.AMSTERDAM)):
            ledger.post_entry(
                kind=EntryKind.RELEASE,
                description="Budget vrijgegeven",
                lines=lines,
                school=school,
                programme=prog,
            )


def funded_school(**amounts):
    school = SchoolFactory()
    fund(school, **amounts)
    return school


def provider_person(provider=None):
    provider = provider or ProviderFactory()
    return provider, with_role(UserFactory(), RoleName.PROVIDER, provider=provider)


class WebOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebOrder

    provider = factory.SubFactory(ProviderFactory)
    school = factory.SubFactory(SchoolFactory)
    programme = factory.LazyFunction(programme)
    amount = Decimal("100.00")
    students = 25
    activity_at = ACTIVITY_AT
    activity_on = factory.LazyAttribute(lambda o: o.activity_at.astimezone(clock.AMSTERDAM).date())
    description = "Voorstelling Hamlet voor 4 havo"
    created_at = SPEND_AT


def weborder_data(school, **overrides) -> dict:
    data = {
        "school_number": school.school_number,
        "amount": "100.00",
        "students": 25,
        "activity_at": ACTIVITY_AT.isoformat(),
        "description": "Voorstelling Hamlet voor 4 havo",
    }
    data.update(overrides)
    return data
