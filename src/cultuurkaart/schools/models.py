from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import LocationKind, SchoolKind, SchoolStatus

MONEY = {"max_digits": 12, "decimal_places": 2}


class Programme(models.Model):
    """One run of a scheme with its own rates and dates (SPEC §2). Rates are data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("soort"), max_length=3, choices=SchoolKind.choices)
    name = models.CharField(_("naam"), max_length=120)
    rate_ocw = models.DecimalField(_("OCW-bijdrage per student"), **MONEY)
    rate_school = models.DecimalField(_("bijdrage school per student"), **MONEY)
    rate_admin_fee = models.DecimalField(
        _("administratiekosten per student zonder bijdrage"), **MONEY
    )
    rate_teacher_fee = models.DecimalField(_("lidmaatschap docent per jaar"), **MONEY)
    teacher_free_count = models.PositiveIntegerField(_("gratis docentlidmaatschappen"), default=0)
    rate_voucher = models.DecimalField(_("waarde tegoedbon"), **MONEY)
    rate_dossier = models.DecimalField(
        _("dossier per student per jaar"), default=Decimal("0.00"), **MONEY
    )
    teacher_free_before = models.DateField(
        _("gratis docenten bij bestelling vóór"), null=True, blank=True
    )
    register_from = models.DateField(_("aanmelden vanaf"), null=True, blank=True)
    register_until = models.DateField(_("aanmelden tot en met"), null=True, blank=True)
    order_from = models.DateField(_("bestellen vanaf"))
    order_until = models.DateField(_("bestellen tot en met"))
    roster_after = models.DateField(_("gegevens uploaden op of na"))
    spend_from = models.DateField(_("besteedbaar vanaf"))
    spend_until = models.DateField(_("besteedbaar tot en met"))
    membership_until = models.DateField(_("lidmaatschap geldig tot en met"), null=True, blank=True)
    ocw_total = models.DecimalField(_("landelijk OCW-budget"), null=True, blank=True, **MONEY)
    # The most supplementary orders per school (null: no limit); the initial order is
    # always one per school (SPEC §5).
    max_orders = models.PositiveIntegerField(
        _("bijbestellingen per school"), null=True, blank=True, default=None
    )
    # The programme this one follows (set when copied to the next year): its schools are
    # invited when this one opens for ordering (schools.years, job `announce-ordering`).
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_by",
        verbose_name=_("volgt op"),
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-spend_from", "code"]
        verbose_name = _("programma")
        verbose_name_plural = _("programma's")

    def __str__(self) -> str:
        return self.name

    @property
    def collective_per_student(self) -> Decimal:
        return self.rate_ocw + self.rate_school

    @property
    def membership_valid_until(self):
        return self.membership_until or self.spend_until

    def is_registration_open(self, day) -> bool:
        return (self.register_from is None or self.register_from <= day) and (
            self.register_until is None or day <= self.register_until
        )

    def is_ordering_open(self, day) -> bool:
        return self.order_from <= day <= self.order_until


class RegistryImport(models.Model):
    """One import of DUO's open data; every import is kept with its date (SPEC §2)."""

    imported_at = models.DateTimeField(default=clock.now)
    kind = models.CharField(max_length=3, choices=SchoolKind.choices)
    filename = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-imported_at"]


class Location(models.Model):
    """A DUO-registered VO vestiging (BRIN+nr, e.g. 00AA01) or MBO locatie (RIO number)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    kind = models.CharField(_("soort"), max_length=12, choices=LocationKind.choices)
    name = models.CharField(_("naam"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=7, db_index=True, blank=True)
    municipality = models.CharField(_("gemeente"), max_length=100, blank=True)
    province = models.CharField(_("provincie"), max_length=40, blank=True)
    # None = unknown (DUO publishes small counts as "<5"; never stored as 0).
    students = models.PositiveIntegerField(_("leerlingen volgens DUO"), null=True, blank=True)
    last_import = models.ForeignKey(
        RegistryImport, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("DUO-locatie")
        verbose_name_plural = _("DUO-locaties")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RegistryCount(models.Model):
    """A location's student count as published in one import (history)."""

    registry_import = models.ForeignKey(
        RegistryImport, on_delete=models.CASCADE, related_name="counts"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="counts")
    students = models.PositiveIntegerField(null=True, blank=True)


class SchoolQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self
        return self.filter(pk__in=user.school_ids())

    def awaiting_approval(self):
        return self.filter(status=SchoolStatus.PENDING)


class School(models.Model):
    """The account of one school with one or more DUO locations (SPEC §2)."""

    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=3, choices=SchoolKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=SchoolStatus.choices, default=SchoolStatus.PENDING
    )
    school_number = models.CharField(
        _("CJP-schoolnummer"), max_length=10, unique=True, null=True, blank=True
    )
    locations = models.ManyToManyField(Location, related_name="schools")
    programmes = models.ManyToManyField(Programme, related_name="schools", blank=True)
    board_name = models.CharField(_("bevoegd gezag: naam contactpersoon"), max_length=200)
    board_email = models.EmailField(_("bevoegd gezag: e-mailadres"))
    directie_name = models.CharField(_("directie: naam"), max_length=200)
    directie_email = models.EmailField(_("directie: e-mailadres"))
    budget_holder_name = models.CharField(_("budgethouder: naam"), max_length=200)
    budget_holder_email = models.EmailField(_("budgethouder: e-mailadres"))
    invoice_email = models.EmailField(_("factuur e-mailadres"))
    invoice_address = models.TextField(_("factuuradres"), blank=True)
    refund_iban = models.CharField(_("IBAN voor terugbetaling"), max_length=34, blank=True)
    registered_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("scholen")

    def __str__(self) -> str:
        return self.name

    @property
    def duo_count(self) -> int | None:
        """Sum of the locations' DUO counts; None when any count is unknown."""
        counts = [loc.students for loc in self.locations.all()]
        if not counts or any(c is None for c in counts):
            return None
        return sum(counts)

    @property
    def is_active(self) -> bool:
        return self.status == SchoolStatus.ACTIVE


class SchoolNumberSequence(models.Model):
    """Locked counter for CJP-schoolnummers (one row)."""

    last = models.PositiveIntegerField(default=100000)


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Wacht op CJP")
    APPROVED = "approved", _("Goedgekeurd")
    REJECTED = "rejected", _("Afgewezen")


class BudgetHolderChange(models.Model):
    """The board names a (new or additional) budget holder; the platform admin approves
    (SPEC §2 "Replacing the budget holder")."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="budget_holder_changes"
    )
    requested_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=clock.now)
    name = models.CharField(_("naam nieuwe budgethouder"), max_length=200)
    email = models.EmailField(_("e-mailadres nieuwe budgethouder"))
    replaces = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Leeg: een extra budgethouder naast de huidige."),
    )
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]


class ProgrammeAnnouncement(models.Model):
    """A school that took part in the previous programme was e-mailed that this one opens
    for ordering (002 §2.1.2): once per programme and school (job `announce-ordering`)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="announcements")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="announcements")
    sent_at = models.DateTimeField(default=clock.now)
    # The addresses written to (the school's budget holder and board at that moment).
    recipients = models.JSONField(default=list)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "school"], name="schools_announcement_once"
            )
        ]
