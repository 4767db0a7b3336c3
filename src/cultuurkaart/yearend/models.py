"""Year-end settlement and OCW redistribution, stored (SPEC §14, docs/yearend.md).

A programme is closed once (`YearEnd`, one per programme) with one `Statement` per school;
it is redistributed once (`Redistribution`, one per programme) with one `Share` per school.
A second run of either job reads these rows back and books nothing."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


class YearEnd(models.Model):
    """The settlement of one programme at the end of its spending window; the totals are
    the sums of its statements (checked by the tests and the benchmark)."""

    programme = models.OneToOneField(
        "schools.Programme", on_delete=models.PROTECT, related_name="year_end"
    )
    closed_at = models.DateTimeField(default=clock.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schools = models.PositiveIntegerField(default=0)
    refund_school = models.DecimalField(**MONEY)
    unspent_ocw = models.DecimalField(**MONEY)
    individual_unassigned = models.DecimalField(**MONEY)
    individual_assigned = models.DecimalField(**MONEY)
    unspent_third_party = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["-closed_at", "-id"]
        verbose_name = _("jaarafsluiting")
        verbose_name_plural = _("jaarafsluitingen")

    def __str__(self) -> str:
        return f"YearEnd {self.programme_id}"

    @property
    def remaining(self) -> Decimal:
        return self.refund_school + self.unspent_ocw + self.unspent_third_party

    @property
    def to_ocw_fund(self) -> Decimal:
        return self.unspent_ocw + self.individual_unassigned + self.individual_assigned


class Statement(models.Model):
    """One school's year-end statement: what was left in each bucket at the end of the
    spending window and where it went (refund, OCW fund, third party)."""

    year_end = models.ForeignKey(YearEnd, on_delete=models.PROTECT, related_name="statements")
    programme = models.ForeignKey("schools.Programme", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="year_statements"
    )
    refund_school = models.DecimalField(**MONEY)
    unspent_ocw = models.DecimalField(**MONEY)
    individual_unassigned = models.DecimalField(**MONEY)
    individual_assigned = models.DecimalField(**MONEY)
    unspent_third_party = models.DecimalField(**MONEY)
    # The school's refund IBAN when the refund was booked (SPEC §14: payable to it).
    refund_iban = models.CharField(max_length=34, blank=True)
    entry = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["school_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "school"], name="one_statement_per_school_and_programme"
            )
        ]
        verbose_name = _("jaarafrekening")
        verbose_name_plural = _("jaarafrekeningen")

    def __str__(self) -> str:
        return f"Statement {self.programme_id}/{self.school_id}"

    @property
    def remaining(self) -> Decimal:
        """The collective budget left: school + OCW + third-party buckets."""
        return self.refund_school + self.unspent_ocw + self.unspent_third_party

    @property
    def individual(self) -> Decimal:
        return self.individual_unassigned + self.individual_assigned

    @property
    def to_ocw_fund(self) -> Decimal:
        return self.unspent_ocw + self.individual

    def as_api(self) -> dict:
        from cultuurkaart.core.money import to_api

        return {
            "school": self.school_id,
            "remaining": to_api(self.remaining),
            "refund_school": to_api(self.refund_school),
            "unspent_ocw": to_api(self.unspent_ocw),
            "unspent_third_party": to_api(self.unspent_third_party),
        }


class Redistribution(models.Model):
    """The VO redistribution of a programme's unallocated OCW money (SPEC §14) into the
    schools' OCW buckets of `next_programme`."""

    programme = models.OneToOneField(
        "schools.Programme", on_delete=models.PROTECT, related_name="redistribution"
    )
    next_programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, related_name="+"
    )
    run_at = models.DateTimeField(default=clock.now)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    national_total = models.DecimalField(**MONEY)
    initial = models.DecimalField(**MONEY)
    pool = models.DecimalField(**MONEY)
    recipients = models.PositiveIntegerField(default=0)  # Σ counts (students)
    per_student = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["-run_at", "-id"]
        verbose_name = _("herverdeling OCW")
        verbose_name_plural = _("herverdelingen OCW")

    def __str__(self) -> str:
        return f"Redistribution {self.programme_id}"

    @property
    def leftover(self) -> Decimal:
        """What stays in the national funds (pool − total: the cents rounded off)."""
        return self.pool - self.total

    def as_api(self) -> dict:
        from cultuurkaart.core.money import to_api

        return {
            "per_student": to_api(self.per_student),
            "recipients": self.recipients,
            "total": to_api(self.total),
        }


class Share(models.Model):
    """One school's part of a redistribution: its count and amount (the admin's report)."""

    redistribution = models.ForeignKey(
        Redistribution, on_delete=models.PROTECT, related_name="shares"
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="ocw_shares"
    )
    ordered_with = models.PositiveIntegerField(default=0)  # the cap
    activated = models.PositiveIntegerField(default=0)  # activated in time, no assignment
    count = models.PositiveIntegerField(default=0)  # min(activated, ordered_with)
    amount = models.DecimalField(**MONEY)
    entry = models.OneToOneField(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["school_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["redistribution", "school"], name="one_share_per_school"
            )
        ]
        verbose_name = _("aandeel herverdeling")
        verbose_name_plural = _("aandelen herverdeling")

    def __str__(self) -> str:
        return f"Share {self.redistribution_id}/{self.school_id}"
