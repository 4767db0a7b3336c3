"""Read-only Django admin for individual budget and vouchers: every change goes through the
services (money). No names: assignments show ids only (roster data belong to the school)."""

from django.contrib import admin

from cultuurkaart.ledger.admin import ReadOnly

from .models import Assignment, Voucher


@admin.register(Assignment)
class AssignmentAdmin(ReadOnly):
    list_display = ["id", "assigned_at", "school", "programme", "amount", "withdrawn_at"]
    list_filter = ["programme"]
    raw_id_fields = ["school", "programme", "membership", "entry"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnly):
    list_display = ["id", "claimed_at", "provider", "amount", "status", "redeemed_at"]
    list_filter = ["status"]
    raw_id_fields = ["assignment", "provider", "redemption_entry"]
