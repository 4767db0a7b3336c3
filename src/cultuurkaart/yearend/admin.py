"""Read-only Django admin for the year end: every change goes through the services (money)."""

from django.contrib import admin

from cultuurkaart.ledger.admin import ReadOnly

from .models import Redistribution, Share, Statement, YearEnd


@admin.register(YearEnd)
class YearEndAdmin(ReadOnly):
    list_display = ["id", "programme", "closed_at", "schools", "refund_school"]


@admin.register(Statement)
class StatementAdmin(ReadOnly):
    list_display = ["id", "programme", "school", "refund_school", "unspent_ocw"]
    raw_id_fields = ["year_end", "school", "entry"]


@admin.register(Redistribution)
class RedistributionAdmin(ReadOnly):
    list_display = ["id", "programme", "next_programme", "per_student", "recipients", "total"]


@admin.register(Share)
class ShareAdmin(ReadOnly):
    list_display = ["id", "redistribution", "school", "count", "amount"]
    raw_id_fields = ["redistribution", "school", "entry"]
