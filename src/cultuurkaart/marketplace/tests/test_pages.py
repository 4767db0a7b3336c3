"""Marketplace pages: the provider's offers (list, form with field errors, images) and the
back office's worklist, moderation, trust toggle and taxonomies."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.tests.factories import totp_device
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.marketplace import services
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.models import Offer, Term

from .factories import image_bytes, make_offer, provider_person

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


FORM = {
    "title": "Dansworkshop hiphop",
    "description": "Twee uur dansen met een professionele choreograaf.",
    "format": "workshop",
    "disciplines": ["dance"],
    "levels": ["vo-vmbo-1", "vo-vmbo-2"],
    "location_mode": "at_school",
    "provinces": ["utrecht", "gelderland"],
    "duration_minutes": "120",
    "price_model": "per_group",
    "price": "250,00",
    "group_size": "30",
    "access": ["low_stimulus"],
    "sessions-TOTAL_FORMS": "2",
    "sessions-INITIAL_FORMS": "0",
    "sessions-MIN_NUM_FORMS": "0",
    "sessions-MAX_NUM_FORMS": "50",
    "sessions-0-starts_at": "2025-04-01T10:00",
    "sessions-0-ends_at": "2025-04-01T12:00",
    "sessions-0-capacity": "30",
    "sessions-0-book_by": "2025-03-20T17:00",
}


def test_the_provider_creates_an_offer_with_the_form():
    provider, person = provider_person()
    client = client_for(person)
    url = f"/aanbieder/{provider.pk}/aanbod/nieuw/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Hiphop" not in page.content and "Dans" in page.content.decode()
    response = client.post(url, FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    offer = Offer.objects.get()
    assert offer.status == OfferStatus.PENDING
    assert str(offer.price) == "250.00" and offer.group_size == 30
    assert set(offer.provinces.values_list("code", flat=True)) == {"utrecht", "gelderland"}
    session = offer.sessions.get()
    assert session.capacity == 30 and session.starts_at.hour == 8  # 10:00 summer time = 08:00 UTC
    listing = client.get(f"/aanbieder/{provider.pk}/aanbod/").content.decode()
    assert "Dansworkshop hiphop" in listing and "Wacht op beoordeling" in listing


def test_the_form_shows_the_services_field_errors():
    provider, person = provider_person()
    client = client_for(person)
    bad = {
        **FORM,
        "title": "Kort",
        "location_mode": "at_provider",
        "levels": ["mbo-2"],
        "group_size": "",
        "sessions-0-book_by": "2025-04-02T10:00",
    }
    response = client.post(f"/aanbieder/{provider.pk}/aanbod/nieuw/", bad)
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) >= {"title", "themes", "venue_postcode", "venue_city", "group_size"}
    formset = response.context["formset"]
    assert "book_by" in formset.forms[0].errors
    html = response.content.decode()
    assert 'href="#id_title"' in html and 'href="#id_sessions-0-book_by"' in html
    assert not Offer.objects.exists()


def test_the_provider_edits_its_offer_and_sees_the_rejection_reason(admin):
    provider, person = provider_person()
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)
    client = client_for(person)
    url = f"/aanbieder/{provider.pk}/aanbod/{offer.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["venue_postcode"] == "1012WX"
    data = {
        **FORM,
        "location_mode": "at_provider",
        "venue_postcode": "1012WX",
        "venue_city": "Amsterdam",
        "sessions-TOTAL_FORMS": "1",
    }
    assert client.post(url, data).status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING  # a material change by an untrusted provider
    services.reject_offer(offer, reason="Er ontbreekt een foto van de zaal.", actor=admin)
    listing = client.get(f"/aanbieder/{provider.pk}/aanbod/").content.decode()
    assert "Er ontbreekt een foto van de zaal." in listing and "Afgewezen" in listing


def test_another_providers_offer_is_404_on_the_pages():
    provider, person = provider_person()
    other_offer = make_offer()
    client = client_for(person)
    assert client.get(f"/aanbieder/{provider.pk}/aanbod/{other_offer.pk}/").status_code == 404
    url = f"/aanbieder/{other_offer.provider_id}/aanbod/{other_offer.pk}/"
    assert client.get(url).status_code == 404


def test_the_offer_list_costs_the_same_queries_for_one_and_many():
    provider, person = provider_person()
    client = client_for(person)
    make_offer(provider)
    url = f"/aanbieder/{provider.pk}/aanbod/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(6):
        make_offer(provider)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(one)


def test_the_provider_uploads_an_image_with_alt_and_credit():
    provider, person = provider_person()
    offer = make_offer(provider)
    client = client_for(person)
    url = f"/aanbieder/{provider.pk}/aanbod/{offer.pk}/afbeeldingen/"
    response = client.post(
        url, {"file": SimpleUploadedFile("a.jpg", image_bytes()), "alt": "", "credit": "CJP"}
    )
    assert response.status_code == 422 and "alt" in response.context["form"].errors
    response = client.post(
        url,
        {"file": SimpleUploadedFile("a.jpg", b"not an image"), "alt": "Zaal", "credit": "CJP"},
    )
    assert response.status_code == 422
    assert "geen afbeelding" in str(response.context["form"].errors["file"])
    response = client.post(
        url, {"file": SimpleUploadedFile("a.jpg", image_bytes()), "alt": "Zaal", "credit": "CJP"}
    )
    assert response.status_code == 302
    image = offer.images.get()
    page = client.get(url).content.decode()
    assert f"/aanbod/afbeeldingen/{image.pk}/small/" in page and 'alt="Zaal"' in page
    remove = f"/aanbieder/{provider.pk}/aanbod/{offer.pk}/afbeeldingen/{image.pk}/verwijderen/"
    assert client.post(remove).status_code == 302
    assert not offer.images.exists()


def test_the_back_office_worklist_and_actions(admin):
    pending = make_offer(title="Wacht op het oordeel")
    published = make_offer(title="Staat al online", status=OfferStatus.PUBLISHED)
    client = client_for(admin)
    worklist = client.get("/backoffice/aanbod/").content.decode()
    assert "Wacht op het oordeel" in worklist and "Staat al online" not in worklist
    assert client.get(f"/backoffice/aanbod/{pending.pk}/").status_code == 200
    response = client.post(f"/backoffice/aanbod/{pending.pk}/afwijzen/", {"reject-reason": ""})
    assert response.status_code == 422
    response = client.post(
        f"/backoffice/aanbod/{pending.pk}/afwijzen/", {"reject-reason": "Geen educatief doel."}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == OfferStatus.REJECTED
    client.post(f"/backoffice/aanbod/{published.pk}/verbergen/", {"hide-reason": "Klacht"})
    published.refresh_from_db()
    assert published.status == OfferStatus.HIDDEN
    client.post(f"/backoffice/aanbod/{published.pk}/tonen/")
    published.refresh_from_db()
    assert published.status == OfferStatus.PUBLISHED
    # refused move: a message, no change
    response = client.post(f"/backoffice/aanbod/{published.pk}/goedkeuren/", follow=True)
    assert "Dit kan alleen bij een aanbod met de status" in response.content.decode()
    history = client.get(f"/backoffice/aanbod/{published.pk}/").content.decode()
    assert "marketplace.offer.hidden" in history


def test_the_trust_toggle_on_the_provider_page(admin):
    provider, _ = provider_person()
    client = client_for(admin)
    page = client.get(f"/backoffice/aanbieders/{provider.pk}/").content.decode()
    assert "Vertrouwen: direct publiceren" in page
    client.post(f"/backoffice/aanbieders/{provider.pk}/vertrouwd/", {"trusted": "1"})
    assert services.is_trusted(provider)
    page = client.get(f"/backoffice/aanbieders/{provider.pk}/").content.decode()
    assert "Aanbod weer eerst beoordelen" in page
    client.post(f"/backoffice/aanbieders/{provider.pk}/vertrouwd/", {"trusted": "0"})
    assert not services.is_trusted(provider)


def test_the_back_office_keeps_the_taxonomies(admin):
    client = client_for(admin)
    page = client.get("/backoffice/taxonomieen/?vocabulary=access").content.decode()
    assert "Rolstoeltoegankelijk" in page
    response = client.post(
        "/backoffice/taxonomieen/",
        {
            "vocabulary": "access",
            "code": "braille",
            "label_nl": "Braille",
            "label_en": "Braille",
            "position": "100",
            "active": "on",
        },
    )
    assert response.status_code == 302
    term = Term.objects.get(vocabulary="access", code="braille")
    url = f"/backoffice/taxonomieen/{term.pk}/"
    response = client.post(
        url,
        {"code": "braille", "label_nl": "Brailleschrift", "label_en": "Braille", "position": "5"},
    )
    assert response.status_code == 302
    term.refresh_from_db()
    assert (term.label_nl, term.active, term.position) == ("Brailleschrift", False, 5)
    assert AuditEntry.objects.filter(action="marketplace.term.changed").exists()
    # a deactivated term is not offered in the provider's form
    provider, person = provider_person()
    form = client_for(person).get(f"/aanbieder/{provider.pk}/aanbod/nieuw/").context["form"]
    assert "braille" not in dict(form.fields["access"].choices)
    # the code of a used term is fixed on the page too
    used = Term.objects.get(vocabulary="discipline", code="music_theatre")
    make_offer()
    page = client.get(f"/backoffice/taxonomieen/{used.pk}/")
    assert page.context["form"].fields["code"].disabled


def test_a_not_accepted_provider_sees_no_new_offer_button():
    from cultuurkaart.providers.constants import ProviderStatus
    from cultuurkaart.providers.tests.factories import ProviderFactory

    provider, person = provider_person(ProviderFactory(status=ProviderStatus.REVOKED))
    client = client_for(person)
    page = client.get(f"/aanbieder/{provider.pk}/aanbod/").content.decode()
    assert "Nieuw aanbod" not in page
    response = client.post(f"/aanbieder/{provider.pk}/aanbod/nieuw/", FORM)
    assert response.status_code == 422
    assert not Offer.objects.exists()


def test_the_django_admin_shows_offers_read_only(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    offer = make_offer()
    client = client_for(admin)
    assert client.get("/django-admin/marketplace/offer/").status_code == 200
    page = client.get(f"/django-admin/marketplace/offer/{offer.pk}/change/")
    assert page.status_code == 200
    client.post(f"/django-admin/marketplace/offer/{offer.pk}/change/", {"title": "Anders"})
    offer.refresh_from_db()
    assert offer.title == "Muziektheater op school"
