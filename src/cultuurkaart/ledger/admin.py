"""Read-only admin for the ledger: entries are append-only (SPEC §6)."""

from django.contrib import admin

from .models import Account, Entry, Line


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    model = Line
    extra = 0
    can_delete = False
    readonly_fields = ["account", "amount"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnly):
    list_display = ["id", "at", "kind", "school", "programme", "reference"]
    list_filter = ["kind"]
    inlines = [LineInline]


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["id", "kind", "school", "programme", "balance"]
    list_filter = ["kind"]
