"""Issue 8 point 5 on the page: an existing address gets the membership, not a session."""

import pytest
from django.test import Client

from cultuurkaart.accounts.tests.factories import PASSWORD, UserFactory
from cultuurkaart.memberships import services
from cultuurkaart.memberships.models import Membership

from .factories import PersonFactory

pytestmark = pytest.mark.django_db


def form(code, email, password):
    return {
        "code": code,
        "first_name": "Sem",
        "last_name": "Jansen",
        "birth_day": "4",
        "birth_month": "5",
        "birth_year": "2006",
        "email": email,
        "password": password,
        "accept_terms": "on",
    }


def test_the_page_answers_alike_and_signs_in_only_with_the_accounts_password():
    owner = UserFactory(email="owner@example.org")
    new = Client()
    fresh = new.post(
        "/activeren/",
        form(services.issue_code(PersonFactory()), "new@example.org", "Zonnebloem-2024!"),
    )
    other = Client()
    existing = other.post(
        "/activeren/",
        form(services.issue_code(PersonFactory()), "OWNER@example.org", "Zonnebloem-2024!"),
    )
    assert fresh.status_code == existing.status_code == 302
    assert fresh["Location"] == existing["Location"]
    assert Membership.objects.filter(user=owner).count() == 1
    assert "_auth_user_id" in new.session
    assert "_auth_user_id" not in other.session  # no way into someone else's account
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    own = Client()
    own.post(
        "/activeren/", form(services.issue_code(PersonFactory()), "owner@example.org", PASSWORD)
    )
    assert int(own.session["_auth_user_id"]) == owner.pk
