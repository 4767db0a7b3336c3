"""Issue 8 point 4: a rotating X-Forwarded-For does not buy fresh activation attempts."""

import itertools

import pytest
from django.test import Client

from cultuurkaart.memberships import codes

from .factories import activation_data

pytestmark = pytest.mark.django_db
NOW = "2024-03-01T12:00:00+01:00"
PAGE_FORM = {
    "first_name": "Sem",
    "last_name": "Jansen",
    "birth_day": "4",
    "birth_month": "5",
    "birth_year": "2006",
    "email": "sem@example.org",
    "password": "Zonnebloem-2024!",
    "accept_terms": "on",
}
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def test_rotating_forwarded_for_on_the_api_is_still_one_client(api_as, settings):
    settings.CK_TRUSTED_PROXIES = []
    client = api_as(None, clock=NOW)
    statuses = [
        client.post(
            "/activations",
            {"code": codes.generate(), **activation_data()},
            headers={"X-Forwarded-For": next(_addresses)},
        ).status_code
        for _ in range(40)
    ]
    assert statuses[:10] == [404] * 10
    assert 429 in statuses[:21]
    assert statuses[-1] == 429


def test_rotating_forwarded_for_on_the_page_is_still_one_client(settings):
    settings.CK_TRUSTED_PROXIES = []
    client = Client()
    statuses = [
        client.post(
            "/activeren/",
            {"code": codes.generate(), **PAGE_FORM},
            headers={"X-Forwarded-For": next(_addresses)},
        ).status_code
        for _ in range(40)
    ]
    statuses += [
        client.post(
            "/activeren/",
            {"code": codes.generate(), **PAGE_FORM},
            headers={"X-Forwarded-For": "192.0.2.1"},
        ).status_code
    ]
    assert statuses[-1] == 429
    assert 429 in statuses[:21]


def test_behind_a_trusted_proxy_each_forwarded_client_counts_on_its_own(api_as, settings):
    settings.CK_TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's socket address
    client = api_as(None, clock=NOW)
    for _ in range(16):
        client.post(
            "/activations",
            {"code": codes.generate(), **activation_data()},
            headers={"X-Forwarded-For": "198.51.100.200"},
        )
    blocked = client.post(
        "/activations",
        {"code": codes.generate(), **activation_data()},
        headers={"X-Forwarded-For": "198.51.100.200"},
    )
    other = client.post(
        "/activations",
        {"code": codes.generate(), **activation_data()},
        headers={"X-Forwarded-For": "198.51.100.201"},
    )
    assert blocked.status_code == 429
    assert other.status_code == 404
