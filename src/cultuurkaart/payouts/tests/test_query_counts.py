"""Payout lists take the same number of queries for 1 and 50 rows (issue 14, point 3;
inventory in docs/query-counts.md)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cultuurkaart.accounts.tests.factories import admin_user
from cultuurkaart.core import clock
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.payouts import services
from cultuurkaart.payouts.models import PayoutBatch
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory
from cultuurkaart.weborders.tests.factories import fund, provider_person

from .factories import PAY_AT, checked

pytestmark = pytest.mark.django_db

_days = itertools.count()


def _batch():
    """A payout batch of everything checked, each a day later than the one before."""
    with clock.frozen(PAY_AT + dt.timedelta(days=next(_days))):
        return services.create_payout_batch()


def _checked_for_providers(n):
    school = SchoolFactory()
    fund(school, school_amount=f"{10 * n}.00")
    for _ in range(n):
        checked(ProviderFactory(), school, "10.00", funded=True)


def _checked_for(provider):
    def add(n):
        school = SchoolFactory()
        fund(school, school_amount=f"{10 * n}.00")
        for _ in range(n):
            checked(provider, school, "10.00", funded=True)

    return add


def _batches_of(provider):
    def add(n):
        for _ in range(n):
            _checked_for(provider)(1)
            _batch()

    return add


def _latest():
    return PayoutBatch.objects.order_by("-id").values_list("pk", flat=True).first()


@pytest.fixture
def staff_client():
    return page_client(admin_user())


def test_backoffice_payout_list(staff_client):
    provider = ProviderFactory()
    assert_flat(_batches_of(provider), lambda: staff_client.get("/backoffice/uitbetalingen/"))


def test_backoffice_new_batch_preview(staff_client):
    assert_flat(
        _checked_for_providers,
        lambda: staff_client.get(
            "/backoffice/uitbetalingen/nieuw/", headers={"X-Clock": PAY_AT.isoformat()}
        ),
    )


def test_backoffice_payout_detail(staff_client):
    """The batch made after the first measurement pays 49 providers, the first one."""
    assert_flat(_new_batch, lambda: staff_client.get(f"/backoffice/uitbetalingen/{_latest()}/"))


def test_provider_payout_list():
    provider, person = provider_person()
    client = page_client(person)
    assert_flat(
        _batches_of(provider), lambda: client.get(f"/aanbieder/{provider.pk}/uitbetalingen/")
    )


def test_provider_payout_export():
    provider, person = provider_person()
    client = page_client(person)
    assert_flat(
        _batches_of(provider),
        lambda: client.get(f"/aanbieder/{provider.pk}/uitbetalingen/export.xlsx"),
        rows=None,
    )


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_provider_specification(fmt):
    """One payout with 1 web order, then one with 49."""
    provider, person = provider_person()
    client = page_client(person)

    def add(n):
        _checked_for(provider)(n)
        _batch()

    assert_flat(
        add,
        lambda: client.get(
            f"/aanbieder/{provider.pk}/uitbetalingen/{_latest()}/specificatie.{fmt}"
        ),
        rows=None,
    )


def _new_batch(n):
    _checked_for_providers(n)
    _batch()


def test_api_payout_detail(api_as):
    api = api_as(admin_user())
    assert_flat(
        _new_batch,
        lambda: api.get(f"/admin/payouts/{_latest()}"),
        rows=lambda r: len(r.json()["items"]),
    )


def test_api_sepa(api_as):
    api = api_as(admin_user())
    assert_flat(_new_batch, lambda: api.get(f"/admin/payouts/{_latest()}/sepa.xml"), rows=None)
