"""Read-only Django admin for web orders: every change goes through the services (money)."""

from django.contrib import admin

from cultuurkaart.ledger.admin import ReadOnly

from .models import WebOrder


@admin.register(WebOrder)
class WebOrderAdmin(ReadOnly):
    list_display = ["id", "created_at", "provider", "school", "amount", "status"]
    list_filter = ["status"]
    raw_id_fields = ["provider", "school", "entry", "reversal"]
