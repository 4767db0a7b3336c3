"""Read-only Django admin for the marketplace: every change goes through the services (the
back-office pages), so moderation and taxonomy changes are audited."""

from django.contrib import admin

from cultuurkaart.ledger.admin import ReadOnly

from .models import Offer, ProviderTrust, Term


@admin.register(Term)
class TermAdmin(ReadOnly):
    list_display = ["vocabulary", "code", "label_nl", "label_en", "active", "position"]
    list_filter = ["vocabulary", "active"]


@admin.register(Offer)
class OfferAdmin(ReadOnly):
    list_display = ["id", "title", "provider", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["provider", "format"]


@admin.register(ProviderTrust)
class ProviderTrustAdmin(ReadOnly):
    list_display = ["provider", "trusted", "changed_at"]
