"""Moderation (SPEC §10): approve, reject with an e-mailed reason, hide, unhide; refused
transitions; audit; the revocation hook."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.core import clock
from cultuurkaart.core.models import AuditEntry
from cultuurkaart.marketplace import services
from cultuurkaart.marketplace.constants import OfferStatus
from cultuurkaart.providers import services as providers
from cultuurkaart.providers.constants import ProviderStatus

from .factories import make_offer, provider_person

pytestmark = pytest.mark.django_db
S = OfferStatus


def test_the_admin_approves_a_pending_offer_once(admin_api, admin):
    offer = make_offer()
    response = admin_api.post(f"/admin/offers/{offer.pk}/approve")
    assert response.status_code == 200
    assert response.json() == {"id": str(offer.pk), "status": "published"}
    offer.refresh_from_db()
    assert offer.published_at is not None
    entry = AuditEntry.objects.get(action="marketplace.offer.approved", object_id=str(offer.pk))
    assert entry.actor == admin and entry.data == {
        "status_before": "pending",
        "status": "published",
    }
    again = admin_api.post(f"/admin/offers/{offer.pk}/approve")
    assert again.status_code == 409
    assert again.json()["type"] == "invalid-transition"


def test_rejection_needs_a_reason_which_is_mailed_in_the_providers_language(
    admin_api, api_as, django_capture_on_commit_callbacks
):
    provider, person = provider_person()
    person.language = "en"
    person.save()
    offer = make_offer(provider)
    response = admin_api.post(f"/admin/offers/{offer.pk}/reject", {"reason": "  "})
    assert response.status_code == 422
    response = admin_api.post(f"/admin/offers/{offer.pk}/reject", {"reason": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            f"/admin/offers/{offer.pk}/reject", {"reason": "De prijs ontbreekt per groep."}
        )
    assert response.json()["status"] == "rejected"
    by_to = {tuple(m.to): m for m in mail.outbox}
    english = by_to[(person.email,)]
    assert "De prijs ontbreekt per groep." in english.body
    assert english.subject.startswith("Offer rejected")
    dutch = next(m for m in mail.outbox if provider.contact_email in m.to)
    assert dutch.subject.startswith("Aanbod afgewezen")
    detail = api_as(person).get(f"/offers/{offer.pk}").json()
    assert detail["rejection_reason"] == "De prijs ontbreekt per groep."
    assert AuditEntry.objects.filter(action="marketplace.offer.rejected").count() == 1


def test_hide_needs_a_reason_and_unhide_shows_it_again(admin_api):
    offer = make_offer(status=S.PUBLISHED)
    assert admin_api.post(f"/admin/offers/{offer.pk}/hide", {"reason": ""}).status_code == 422
    response = admin_api.post(f"/admin/offers/{offer.pk}/hide", {"reason": "Klacht van school"})
    assert response.json()["status"] == "hidden"
    offer.refresh_from_db()
    assert offer.hidden_reason == "Klacht van school"
    assert admin_api.post(f"/admin/offers/{offer.pk}/unhide").json()["status"] == "published"
    offer.refresh_from_db()
    assert offer.hidden_reason == ""
    actions = list(
        AuditEntry.objects.filter(object_id=str(offer.pk), action__startswith="marketplace.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["marketplace.offer.hidden", "marketplace.offer.unhidden"]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.PUBLISHED, "approve"),
        (S.PUBLISHED, "reject"),
        (S.PUBLISHED, "unhide"),
        (S.REJECTED, "approve"),
        (S.REJECTED, "hide"),
        (S.HIDDEN, "hide"),
        (S.HIDDEN, "reject"),
        (S.PENDING, "unhide"),
        (S.HIDDEN, "approve"),
    ],
)
def test_transitions_the_state_machine_does_not_allow(admin_api, status, action):
    offer = make_offer(status=status)
    response = admin_api.post(f"/admin/offers/{offer.pk}/{action}", {"reason": "Omdat het moet"})
    assert response.status_code == 409
    assert response.json()["type"] == "invalid-transition"
    offer.refresh_from_db()
    assert offer.status == status


@pytest.mark.parametrize("role", [RoleName.BUDGET_HOLDER, RoleName.PROVIDER])
def test_only_the_admin_moderates(api_as, role):
    offer = make_offer()
    if role == RoleName.PROVIDER:
        person = with_role(UserFactory(), role, provider=offer.provider)
    else:
        from cultuurkaart.schools.tests.factories import SchoolFactory

        person = with_role(UserFactory(), role, school=SchoolFactory())
    for action in ("approve", "reject", "hide", "unhide"):
        response = api_as(person).post(f"/admin/offers/{offer.pk}/{action}", {"reason": "x"})
        assert response.status_code == 403, action
    assert api_as(None).post(f"/admin/offers/{offer.pk}/approve").status_code == 401
    offer.refresh_from_db()
    assert offer.status == S.PENDING


def test_an_unknown_offer_is_404_for_the_admin(admin_api):
    assert admin_api.post("/admin/offers/424242/approve").status_code == 404


def test_a_rejected_offer_that_the_provider_changes_is_reviewed_again(admin, api_as):
    provider, person = provider_person()
    offer = make_offer(provider)
    services.reject_offer(offer, reason="Te weinig informatie.", actor=admin)
    response = api_as(person).patch(
        f"/offers/{offer.pk}", {"description": "Nu met veel meer informatie over de dag."}
    )
    assert response.json()["status"] == "pending"
    assert response.json()["rejection_reason"] == ""


def test_an_effective_revocation_hides_the_providers_offers_in_the_same_transaction(admin):
    provider, _ = provider_person()
    published = make_offer(provider, status=S.PUBLISHED)
    pending = make_offer(provider)
    rejected = make_offer(provider, status=S.REJECTED)
    other = make_offer(status=S.PUBLISHED)
    providers.announce_revocation(provider, reason="Geen cultuureducatie meer.", actor=admin)
    provider.refresh_from_db()
    later = dt.datetime.combine(
        provider.revocation_effective_on, dt.time(3), tzinfo=clock.AMSTERDAM
    )
    with clock.frozen(later):
        revoked = providers.revoke_due()
    assert [p.pk for p in revoked] == [provider.pk]
    for offer, want in ((published, S.HIDDEN), (pending, S.HIDDEN), (rejected, S.REJECTED)):
        offer.refresh_from_db()
        assert offer.status == want
    other.refresh_from_db()
    assert other.status == S.PUBLISHED
    assert (
        AuditEntry.objects.filter(
            action="marketplace.offer.hidden", data__cause="revocation"
        ).count()
        == 2
    )
    # a revoked provider's offer cannot be shown again, nor changed
    with pytest.raises(services.ProviderNotAccepted):
        services.unhide_offer(published, actor=admin)
    with pytest.raises(services.ProviderNotAccepted):
        services.update_offer(published, {"title": "Nog een poging"}, actor=None)


def test_the_revocation_hook_is_registered():
    from cultuurkaart.providers.services import _revocation_hooks

    assert services.hide_offers_of in _revocation_hooks


def test_a_hook_failure_leaves_the_provider_unrevoked(admin, monkeypatch):
    """Same transaction: when hiding fails, the revocation does not take effect either."""
    provider, _ = provider_person()
    offer = make_offer(provider, status=S.PUBLISHED)
    providers.announce_revocation(provider, reason="Stopt.", actor=admin)
    provider.refresh_from_db()

    def broken(obj, target, table, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("cultuurkaart.marketplace.services.offers.transition", broken)
    later = dt.datetime.combine(
        provider.revocation_effective_on, dt.time(3), tzinfo=clock.AMSTERDAM
    )
    with clock.frozen(later), pytest.raises(RuntimeError):
        providers.revoke_due()
    provider.refresh_from_db()
    offer.refresh_from_db()
    assert provider.status == ProviderStatus.REVOCATION_ANNOUNCED
    assert offer.status == S.PUBLISHED
