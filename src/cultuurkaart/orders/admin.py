"""Read-only Django admin for money records: changes go through orders.services."""

from django.contrib import admin

from .models import BudgetOrder, Invoice, InvoiceLine, Payment, ThirdPartyContribution


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = ["position", "code", "description", "quantity", "unit_price", "amount"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnly):
    list_display = [
        "number",
        "kind",
        "school",
        "issued_on",
        "due_on",
        "total",
        "amount_paid",
        "status",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["number"]
    exclude = ["pdf"]
    inlines = [LineInline]


@admin.register(BudgetOrder)
class BudgetOrderAdmin(ReadOnly):
    list_display = [
        "id",
        "school",
        "programme",
        "kind",
        "status",
        "submitted_at",
        "objection_deadline",
    ]
    list_filter = ["status", "kind", "programme"]


admin.site.register(Payment, ReadOnly)
admin.site.register(ThirdPartyContribution, ReadOnly)
