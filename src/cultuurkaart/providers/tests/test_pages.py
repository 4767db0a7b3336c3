"""The provider portal pages and the back office's provider pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, current_code, totp_device, with_role
from cultuurkaart.core import terms
from cultuurkaart.providers.constants import ProviderStatus as S
from cultuurkaart.providers.models import Provider

from .factories import ProviderFactory

FORM = {
    "name": "Dansgroep Beweging",
    "kind": "organisation",
    "sector": "Dans",
    "activity_type": "Workshops",
    "address": "Dansstraat 1, Utrecht",
    "contact_name": "Cas de Wit",
    "contact_email": "cas@beweging.example",
    "iban": "NL91 ABNA 0417 1643 00",
    "cultural_educational": "on",
    "professional": "on",
    "suitable_for": ["vo"],
    "not_employed_by_school": "on",
    "components": ["creative_expression"],
    "accept_terms": "on",
}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client


def test_application_page_creates_a_pending_provider(db):
    client = Client()
    assert client.get(reverse("portals:provider_apply")).status_code == 200
    response = client.post(reverse("portals:provider_apply"), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("portals:provider_apply_done")
    provider = Provider.objects.get()
    assert provider.status == S.PENDING and provider.iban == "NL91ABNA0417164300"
    assert terms.consents_for(provider).count() == 1


@pytest.mark.parametrize(
    "missing", ["cultural_educational", "not_employed_by_school", "components", "accept_terms"]
)
def test_application_page_shows_the_failing_criterion(db, missing):
    data = {k: v for k, v in FORM.items() if k != missing}
    response = Client().post(reverse("portals:provider_apply"), data)
    assert response.status_code == 422
    assert missing in response.context["form"].errors
    assert not Provider.objects.exists()


def test_english_application_page(db):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("portals:provider_apply"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Apply as a provider (acceptant)" in text and "The five criteria" in text


def test_backoffice_approves_and_rejects(db, admin):
    client = _signed_in(admin)
    pending = ProviderFactory(status=S.PENDING)
    listing = client.get(reverse("portals:backoffice_providers"))
    assert pending.name in listing.content.decode()
    detail = client.get(reverse("portals:backoffice_provider", args=[pending.pk]))
    assert detail.status_code == 200
    client.post(reverse("portals:backoffice_provider_approve", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == S.ACCEPTED
    other = ProviderFactory(status=S.PENDING)
    refused = client.post(
        reverse("portals:backoffice_provider_reject", args=[other.pk]), {"reject-reason": ""}
    )
    assert refused.status_code == 422
    client.post(
        reverse("portals:backoffice_provider_reject", args=[other.pk]),
        {"reject-reason": "Niet voor VO of MBO."},
    )
    other.refresh_from_db()
    assert other.status == S.REJECTED


def test_backoffice_revokes_and_marks_individual_budget(db, admin):
    client = _signed_in(admin)
    provider = ProviderFactory()
    client.post(
        reverse("portals:backoffice_provider_individual_budget", args=[provider.pk]),
        {"accepts": "1"},
    )
    client.post(
        reverse("portals:backoffice_provider_revoke", args=[provider.pk]),
        {"revoke-reason": "Misbruik."},
    )
    provider.refresh_from_db()
    assert provider.accepts_individual_budget
    assert provider.status == S.REVOCATION_ANNOUNCED


def test_provider_changes_iban_on_its_page_only_with_a_fresh_code(db):
    provider = ProviderFactory()
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    client = _signed_in(user)
    device = user.totpdevice_set.get()
    url = reverse("portals:provider_details", args=[provider.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {**page.context["form"].initial, "iban": "NL44RABO0123456789"}
    data = {k: v for k, v in data.items() if v}
    wrong = "111111" if current_code(device) != "111111" else "222222"
    refused = client.post(url, {**data, "otp": wrong})
    assert refused.status_code == 422 and "otp" in refused.context["form"].errors
    provider.refresh_from_db()
    assert provider.iban == "NL91ABNA0417164300"
    ok = client.post(url, {**data, "otp": current_code(device)})
    assert ok.status_code == 302
    provider.refresh_from_db()
    assert provider.iban == "NL44RABO0123456789" and provider.iban_hold_until is not None
    # Another provider's page: 404.
    assert (
        client.get(reverse("portals:provider_details", args=[ProviderFactory().pk])).status_code
        == 404
    )


def test_provider_page_needs_two_factor(db):
    provider = ProviderFactory()
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("portals:provider_details", args=[provider.pk]))
    assert response.status_code == 302 and reverse("accounts:two_factor") in response["Location"]


def test_provider_responds_on_its_page(db, admin):
    from cultuurkaart.providers import services

    provider = ProviderFactory()
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    services.announce_revocation(provider, reason="Misbruik.", actor=admin)
    client = _signed_in(user)
    url = reverse("portals:provider_respond", args=[provider.pk])
    assert "Misbruik." in client.get(url).content.decode()
    assert client.post(url, {"response": ""}).status_code == 422
    assert client.post(url, {"response": "Dat klopt niet."}).status_code == 302
    provider.refresh_from_db()
    assert provider.status == S.REVOCATION_ON_HOLD


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nl", "Dit kan niet bij een aanbieder met de status"),
        ("en", "This is not possible for a provider with the status"),
    ],
)
def test_a_refusal_on_the_backoffice_page_is_in_the_persons_language(db, admin, language, text):
    admin.language = language
    admin.save(update_fields=["language"])
    client = _signed_in(admin)
    accepted = ProviderFactory(status=S.ACCEPTED)
    page = client.post(
        reverse("portals:backoffice_provider_approve", args=[accepted.pk]), follow=True
    ).content.decode()
    assert text in page
    assert "cannot become" not in page
    page = client.post(
        reverse("portals:backoffice_provider_resume", args=[accepted.pk]), follow=True
    ).content.decode()
    wanted = {
        "nl": "Alleen een aangehouden intrekking kan worden hervat.",
        "en": "Only a revocation on hold can be resumed.",
    }
    assert wanted[language] in page
