"""Taxonomies and offers over the API (API.md "Marketplace"): the validation rules with
field-level errors, who may create, read and change, trust, and the material-edit rule."""

from __future__ import annotations

import datetime as dt

import pytest

from cultuurkaart.accounts.tests.factories import UserFactory
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.marketplace import services
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.marketplace.models import Offer, Term
from cultuurkaart.providers.constants import ProviderStatus
from cultuurkaart.providers.tests.factories import ProviderFactory

from .factories import make_offer, offer_data, provider_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_api(api_as):
    provider, person = provider_person()
    return provider, api_as(person)


# --- taxonomies ----------------------------------------------------------------------------


def test_the_seed_has_every_taxonomy_with_twelve_provinces_and_levels_by_kind():
    assert Term.objects.of("province").count() == 12
    havo = Term.objects.get(vocabulary="level", code="vo-havo")
    years = list(havo.children.order_by("position").values_list("code", flat=True))
    assert years == [f"vo-havo-{n}" for n in range(1, 6)]
    assert {t.kind for t in Term.objects.of("level").filter(code__startswith="mbo-")} == {"mbo"}
    for vocabulary in ("discipline", "format", "theme", "access"):
        assert Term.objects.of(vocabulary).count() >= 4, vocabulary


def test_taxonomies_are_public_with_labels_in_the_callers_language(api_as):
    response = api_as(None).get("/taxonomies")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"disciplines", "formats", "themes", "levels", "provinces", "access"}
    assert {"code": "fryslan", "label": "Fryslân"} in body["provinces"]
    year = next(level for level in body["levels"] if level["code"] == "vo-vmbo-3")
    assert year == {
        "code": "vo-vmbo-3",
        "label": "Vmbo leerjaar 3",
        "kind": "vo",
        "parent": "vo-vmbo",
    }
    english = UserFactory(language="en")
    body = api_as(english).get("/taxonomies").json()
    assert {"code": "fryslan", "label": "Friesland"} in body["provinces"]
    assert {"code": "guided_tour", "label": "Guided tour"} in body["formats"]


def test_a_deactivated_term_leaves_the_taxonomies_but_stays_on_offers(api_as, admin):
    offer = make_offer(access=["wheelchair", "hearing_loop"])
    loop = Term.objects.get(vocabulary="access", code="hearing_loop")
    services.set_term_active(loop, False, actor=admin)
    codes = [t["code"] for t in api_as(None).get("/taxonomies").json()["access"]]
    assert "hearing_loop" not in codes
    assert set(offer.access.values_list("code", flat=True)) == {"wheelchair", "hearing_loop"}
    # a change that keeps it is fine; a new offer with it is refused
    services.update_offer(offer, {"title": "Een andere titel"}, actor=None)
    assert offer.access.filter(code="hearing_loop").exists()
    with pytest.raises(Exception) as exc:
        services.create_offer(offer.provider, offer_data(access=["hearing_loop"]), actor=None)
    assert exc.value.errors[0]["field"] == "access"


def test_a_used_code_cannot_change_but_an_unused_one_can(admin):
    term = services.add_term(
        "discipline", {"code": "circus", "label_nl": "Circus", "label_en": "Circus"}, actor=admin
    )
    term = services.update_term(
        term, {"code": "circus_arts", "label_nl": "Circus", "label_en": "Circus arts"}, actor=admin
    )
    assert term.code == "circus_arts"
    make_offer(disciplines=["circus_arts"])
    with pytest.raises(Exception) as exc:
        services.update_term(
            term, {"code": "circus", "label_nl": "Circus", "label_en": "Circus"}, actor=admin
        )
    assert exc.value.type == "term-code-in-use"
    assert AuditEntry.objects.filter(action="marketplace.term.added").count() == 1


# --- creating offers -------------------------------------------------------------------------


def test_an_accepted_provider_creates_a_pending_offer(provider_api):
    provider, api = provider_api
    response = api.post("/offers", offer_data())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    offer = Offer.objects.get(pk=body["id"])
    assert offer.provider == provider
    assert offer.venue_postcode == "1012WX"
    assert offer.venue_latitude is not None and offer.venue_province == "noord-holland"  # gazetteer
    assert AuditEntry.objects.filter(action="marketplace.offer.created", object_id=body["id"])
    detail = api.get(f"/offers/{body['id']}").json()
    assert detail["on_request"] is True
    assert detail["price"] == "7.50"
    assert detail["levels"] == ["vo-havo", "vo-vwo-2"]


def test_a_trusted_provider_publishes_at_once(provider_api, admin_api):
    provider, api = provider_api
    response = admin_api.post(f"/admin/providers/{provider.pk}/trust", {"trusted": True})
    assert response.json() == {"id": str(provider.pk), "trusted": True}
    assert api.post("/offers", offer_data()).json()["status"] == "published"
    admin_api.post(f"/admin/providers/{provider.pk}/trust", {"trusted": False})
    assert api.post("/offers", offer_data()).json()["status"] == "pending"
    assert AuditEntry.objects.filter(action="marketplace.provider.trust_changed").count() == 2


def test_only_the_admin_marks_a_provider_trusted(provider_api):
    provider, api = provider_api
    assert api.post(f"/admin/providers/{provider.pk}/trust", {"trusted": True}).status_code == 403
    assert not services.is_trusted(provider)


BAD = [
    ({"title": "Kort"}, "title", "too-short"),
    ({"title": "x" * 141}, "title", "too-long"),
    ({"description": "x" * 3001}, "description", "too-long"),
    ({"description": "  "}, "description", "required"),
    ({"disciplines": []}, "disciplines", "required"),
    ({"disciplines": ["juggling"]}, "disciplines", "unknown-code"),
    ({"levels": []}, "levels", "required"),
    ({"levels": ["mbo-2"], "themes": []}, "themes", "required"),
    ({"format": "rave"}, "format", "unknown-code"),
    ({"venue": None}, "venue.postcode", "required"),
    ({"venue": {"postcode": "12345", "city": "Utrecht"}}, "venue.postcode", "invalid"),
    ({"location_mode": "at_school", "venue": None, "provinces": []}, "provinces", "required"),
    ({"price_model": "per_group"}, "group_size", "required"),
    ({"min_students": 30, "max_students": 20}, "max_students", "below-minimum"),
    ({"duration_minutes": 0}, "duration_minutes", "out-of-range"),
    ({"title": "Null\x00byte titel"}, "title", "invalid"),
    ({"venue": {"postcode": "1012WX", "city": "Am\x00sterdam"}}, "venue.city", "invalid"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD)
def test_each_rule_refuses_with_the_field_named(provider_api, change, field, code):
    _, api = provider_api
    response = api.post("/offers", offer_data(**change))
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in errors
    ]
    assert not Offer.objects.exists()


def test_the_price_is_a_money_string(provider_api):
    _, api = provider_api
    for bad in ("7.505", "-1.00", "abc"):
        response = api.post("/offers", offer_data(price=bad))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "price"


def test_an_mbo_offer_with_a_theme_and_a_national_offer_at_school(provider_api):
    _, api = provider_api
    body = offer_data(
        levels=["mbo-2", "mbo-3"],
        themes=["social"],
        location_mode="at_school",
        venue=None,
        national=True,
    )
    response = api.post("/offers", body)
    assert response.status_code == 201, response.content
    offer = Offer.objects.get(pk=response.json()["id"])
    assert offer.provinces.count() == 12
    assert offer.national


SESSION = {
    "starts_at": "2025-03-10T10:00:00+01:00",
    "ends_at": "2025-03-10T11:30:00+01:00",
    "capacity": 60,
    "book_by": "2025-03-01T23:59:00+01:00",
}


def test_sessions_have_capacity_and_a_booking_deadline(provider_api):
    _, api = provider_api
    response = api.post("/offers", offer_data(sessions=[SESSION]))
    assert response.status_code == 201, response.content
    detail = api.get(f"/offers/{response.json()['id']}").json()
    assert detail["on_request"] is False
    assert detail["sessions"][0]["capacity"] == 60
    late = {**SESSION, "book_by": "2025-03-10T10:30:00+01:00"}
    backwards = {**SESSION, "ends_at": "2025-03-10T09:00:00+01:00"}
    response = api.post("/offers", offer_data(sessions=[SESSION, late, backwards]))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"sessions.1.book_by", "sessions.2.ends_at"}


@pytest.mark.parametrize(
    "status", [ProviderStatus.PENDING, ProviderStatus.REJECTED, ProviderStatus.REVOKED]
)
def test_a_provider_that_is_not_accepted_may_not_offer(api_as, status):
    _, person = provider_person(ProviderFactory(status=status))
    response = api_as(person).post("/offers", offer_data())
    assert response.status_code == 403
    assert response.json()["type"] == "provider-not-accepted"
    assert not Offer.objects.exists()


def test_other_roles_may_not_offer(api_as, budget_holder, admin):
    assert api_as(budget_holder).post("/offers", offer_data()).status_code == 403
    assert api_as(admin).post("/offers", offer_data()).status_code == 403
    assert api_as(None).post("/offers", offer_data()).status_code == 401


def test_a_provider_names_only_its_own_provider(api_as):
    _, person = provider_person()
    other = ProviderFactory()
    response = api_as(person).post("/offers", offer_data(provider_id=str(other.pk)))
    assert response.status_code == 404


# --- reading and changing --------------------------------------------------------------------


def test_who_reads_an_offer(api_as, budget_holder, admin):
    provider, person = provider_person()
    _, stranger = provider_person()
    offer = make_offer(provider)
    url = f"/offers/{offer.pk}"
    assert api_as(person).get(url).status_code == 200
    assert api_as(admin).get(url).status_code == 200
    assert api_as(stranger).get(url).status_code == 404
    assert api_as(budget_holder).get(url).status_code == 404
    assert api_as(None).get(url).status_code == 401
    Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.PUBLISHED)
    assert api_as(stranger).get(url).status_code == 200
    assert api_as(budget_holder).get(url).status_code == 200


def test_only_the_own_provider_changes_an_offer(api_as, budget_holder, admin):
    provider, person = provider_person()
    _, stranger = provider_person()
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)
    url = f"/offers/{offer.pk}"
    assert api_as(stranger).patch(url, {"title": "Overgenomen titel"}).status_code == 404
    assert api_as(budget_holder).patch(url, {"title": "Overgenomen titel"}).status_code == 404
    assert api_as(admin).patch(url, {"title": "Overgenomen titel"}).status_code == 403
    assert api_as(person).patch("/offers/999999", {"title": "Niets hier"}).status_code == 404
    offer.refresh_from_db()
    assert offer.title == "Muziektheater op school"


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Nieuwe titel voor de voorstelling"},
        {"description": "Een heel andere beschrijving."},
        {"price": "9.00"},
        {"disciplines": ["theatre"]},
        {"levels": ["vo-vmbo"]},
        {"venue": {"postcode": "3511 AA", "city": "Utrecht"}},
        {"location_mode": "to_be_agreed"},
    ],
)
def test_a_material_change_by_an_untrusted_provider_goes_back_to_review(api_as, change):
    provider, person = provider_person()
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)
    response = api_as(person).patch(f"/offers/{offer.pk}", change)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    entry = AuditEntry.objects.get(action="marketplace.offer.changed")
    assert entry.data["status_before"] == "published"


def test_other_changes_keep_the_offer_published(api_as):
    provider, person = provider_person()
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)
    changes = {"access": ["low_stimulus"], "cjp_discount": "2 euro korting", "sessions": [SESSION]}
    response = api_as(person).patch(f"/offers/{offer.pk}", changes)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "published"
    assert body["access"] == ["low_stimulus"] and body["on_request"] is False
    # an unchanged body changes nothing and writes no audit entry
    changed = AuditEntry.objects.filter(action="marketplace.offer.changed")
    assert changed.count() == 1
    assert api_as(person).patch(f"/offers/{offer.pk}", {"title": offer.title}).status_code == 200
    assert changed.count() == 1


def test_a_trusted_providers_material_change_stays_published(api_as, admin):
    provider, person = provider_person()
    services.set_trusted(provider, True, actor=admin)
    offer = make_offer(provider, status=OfferStatus.PUBLISHED)
    response = api_as(person).patch(f"/offers/{offer.pk}", {"price": "12.00"})
    assert response.json()["status"] == "published"


def test_a_change_is_validated_like_a_new_offer(api_as):
    provider, person = provider_person()
    offer = make_offer(provider)
    response = api_as(person).patch(f"/offers/{offer.pk}", {"levels": ["mbo-1"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "themes"


def test_the_search_text_is_folded_and_holds_the_labels():
    offer = make_offer(title="Ideeën in het Muziektheater", description="Wij spelen in Café Zoë.")
    offer.refresh_from_db()
    assert "ideeen in het muziektheater" in offer.search_text
    assert "cafe zoe" in offer.search_text
    assert "voorstel" in offer.search_text and "performance" in offer.search_text
    assert offer.provider.name.lower() in offer.search_text
    services.update_offer(offer, {"title": "Nieuwe titel à la carte"}, actor=None)
    offer.refresh_from_db()
    assert "a la cart" in offer.search_text and "ideeen" not in offer.search_text  # stemmed


def test_session_times_without_offset_are_refused(provider_api):
    _, api = provider_api
    naive = {**SESSION, "starts_at": "2025-03-10T10:00:00"}
    response = api.post("/offers", offer_data(sessions=[naive]))
    assert response.status_code == 422


def test_dates_are_amsterdam_times_in_the_answer(provider_api):
    _, api = provider_api
    utc = {**SESSION, "starts_at": "2025-03-10T09:00:00+00:00"}
    offer_id = api.post("/offers", offer_data(sessions=[utc])).json()["id"]
    starts = api.get(f"/offers/{offer_id}").json()["sessions"][0]["starts_at"]
    assert dt.datetime.fromisoformat(starts).utcoffset() == dt.timedelta(hours=1)
    assert starts.startswith("2025-03-10T10:00")


def test_the_back_office_keeps_taxonomies_over_the_api(admin_api, api_as, budget_holder):
    body = {"code": "vo-mavo", "label_nl": "Mavo", "label_en": "Mavo", "kind": "vo"}
    response = admin_api.post("/admin/taxonomies/level", body)
    assert response.status_code == 201, response.content
    assert response.json()["used"] is False and response.json()["parent"] is None
    year = {"code": "vo-mavo-1", "label_nl": "Mavo 1", "label_en": "Mavo 1", "kind": "vo"}
    response = admin_api.post("/admin/taxonomies/level", {**year, "parent": "vo-mavo"})
    assert response.json()["parent"] == "vo-mavo"
    again = admin_api.post("/admin/taxonomies/level", body)
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "taken"
    url = "/admin/taxonomies/access/wheelchair"
    response = admin_api.patch(url, {"label_en": "Step-free access", "active": False})
    assert response.status_code == 200
    assert response.json()["label_en"] == "Step-free access" and not response.json()["active"]
    codes = [t["code"] for t in api_as(None).get("/taxonomies").json()["access"]]
    assert "wheelchair" not in codes
    assert admin_api.patch(url, {"active": True}).json()["active"] is True
    make_offer()  # uses wheelchair
    refused = admin_api.patch(url, {"code": "step_free"})
    assert refused.status_code == 409 and refused.json()["type"] == "term-code-in-use"
    assert admin_api.patch("/admin/taxonomies/access/nope", {"active": True}).status_code == 404
    assert api_as(budget_holder).post("/admin/taxonomies/level", body).status_code == 403
