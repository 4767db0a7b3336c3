"""Provider lists take the same number of queries for 1 and 50 rows (issue 14, point 3;
inventory in docs/query-counts.md)."""

from __future__ import annotations

import pytest

from cultuurkaart.accounts.tests.factories import admin_user
from cultuurkaart.core.tests.querycount import assert_flat, page_client
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.tests.factories import make_offer
from cultuurkaart.providers.models import ProviderStatus

from .factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _applications(n):
    for _ in range(n):
        ProviderFactory(status=ProviderStatus.PENDING)


def _accepted_with_offers(n):
    for _ in range(n):
        make_offer(ProviderFactory(), status=OfferStatus.PUBLISHED)


def test_backoffice_provider_list():
    client = page_client(admin_user())
    assert_flat(_applications, lambda: client.get("/backoffice/aanbieders/"))


def test_api_admin_providers(admin_api):
    assert_flat(_applications, lambda: admin_api.get("/admin/providers?status=pending"))


def test_public_provider_page(client):
    assert_flat(_accepted_with_offers, lambda: client.get("/aanbieders/"), rows=None)


def test_api_public_providers(api_as):
    api = api_as(None)
    assert_flat(_accepted_with_offers, lambda: api.get("/providers"))
