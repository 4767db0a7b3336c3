"""Double-entry ledger (SPEC §6, docs/ledger.md).

An `Entry` is one balanced movement: its `Line` amounts (debit positive, credit negative)
sum to zero. Entries and lines are append-only: they are never updated or deleted, a
mistake is corrected by a reversing entry. `Account.balance` is a cache of the sum of its
lines (raw, debit positive), updated in the same transaction as the lines under a row
lock; `manage.py ledger_check` proves it equal to the lines.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import CREDIT_NORMAL, AccountKind, EntryKind

MONEY = {"max_digits": 14, "decimal_places": 2}


class ImmutableError(Exception):
    """Ledger rows are append-only."""


class Account(models.Model):
    kind = models.CharField(max_length=30, choices=AccountKind.choices)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        "schools.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Raw cached balance: sum of line amounts (debit positive). See display_balance.
    balance = models.DecimalField(default=Decimal("0.00"), **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "school", "programme"], name="ledger_account_unique"
            ),
            models.UniqueConstraint(
                fields=["kind", "programme"],
                condition=models.Q(school__isnull=True),
                name="ledger_platform_account_unique",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(school__isnull=True, programme__isnull=True),
                name="ledger_global_account_unique",
            ),
        ]
        verbose_name = _("grootboekrekening")
        verbose_name_plural = _("grootboekrekeningen")

    def __str__(self) -> str:
        return f"{self.kind} school={self.school_id} programme={self.programme_id}"

    @property
    def credit_normal(self) -> bool:
        return self.kind in CREDIT_NORMAL

    @property
    def display_balance(self) -> Decimal:
        return -self.balance if self.credit_normal else self.balance


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError("Ledger rows are never updated; post a reversing entry.")

    def delete(self):
        raise ImmutableError("Ledger rows are never deleted; post a reversing entry.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("Ledger rows are never updated; post a reversing entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Ledger rows are never deleted; post a reversing entry.")


class Entry(AppendOnly):
    at = models.DateTimeField(default=clock.now)
    kind = models.CharField(max_length=30, choices=EntryKind.choices)
    description = models.CharField(max_length=300)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        "schools.Programme", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=80, blank=True, db_index=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["school", "programme", "kind"])]
        verbose_name = _("boeking")
        verbose_name_plural = _("boekingen")

    def __str__(self) -> str:
        return f"Entry {self.pk} {self.kind}"


class Line(AppendOnly):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    amount = models.DecimalField(**MONEY)  # debit positive, credit negative
    # For lines on a school's collective buckets (school, ocw, third_party): the school's
    # collective balance for the programme right after this line, written under the
    # buckets' row locks. Lets the transactions overview page by index. ledger_check
    # recomputes it.
    collective_after = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["account", "entry"]),
            models.Index(fields=["account", "id"], name="ledger_line_account_id_idx"),
        ]
        verbose_name = _("boekingsregel")
        verbose_name_plural = _("boekingsregels")

    def __str__(self) -> str:
        return f"Line {self.pk} account={self.account_id} {self.amount}"
