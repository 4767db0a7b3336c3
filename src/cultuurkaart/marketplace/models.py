"""Marketplace data: taxonomy terms, offers with sessions and images, provider trust
(SPEC §10; invariants in docs/marketplace.md)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock
from cultuurkaart.providers.models import Provider

from .constants import (
    LevelKind,
    LocationMode,
    OfferStatus,
    PriceModel,
    ProposalStatus,
    RequestStatus,
    Side,
    Vocabulary,
)

__all__ = [
    "Offer",
    "OfferImage",
    "OfferRequest",
    "OfferSession",
    "Proposal",
    "ProviderTrust",
    "RequestMessage",
    "Term",
]


class TermQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def of(self, vocabulary: str):
        return self.filter(vocabulary=vocabulary)


class Term(models.Model):
    """One value of a taxonomy (discipline, format, theme, level, province, access flag).
    The `code` is stable: offers, the API and URLs refer to it; it cannot change once an
    offer uses the term. A deactivated term leaves forms and facets but stays on offers."""

    vocabulary = models.CharField(_("taxonomie"), max_length=20, choices=Vocabulary.choices)
    code = models.SlugField(_("code"), max_length=40)
    label_nl = models.CharField(_("naam (Nederlands)"), max_length=120)
    label_en = models.CharField(_("naam (Engels)"), max_length=120)
    active = models.BooleanField(_("actief"), default=True)
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    # Levels only: VO or MBO, and a VO year's school type.
    kind = models.CharField(max_length=3, choices=LevelKind.choices, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["vocabulary", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="term_code_unique")
        ]
        verbose_name = _("taxonomieterm")
        verbose_name_plural = _("taxonomietermen")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The label in the active language (Dutch unless English is active)."""
        language = (translation.get_language() or "nl")[:2]
        return self.label_en if language == "en" and self.label_en else self.label_nl


class OfferQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=OfferStatus.PUBLISHED)

    def awaiting_review(self):
        return self.filter(status=OfferStatus.PENDING)

    def of_provider(self, provider_id: int):
        return self.filter(provider_id=provider_id)


class Offer(models.Model):
    """An activity a provider offers to schools. Written only by marketplace.services."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offers")
    status = models.CharField(
        max_length=12, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    title = models.CharField(_("titel"), max_length=140)
    description = models.TextField(_("beschrijving"), max_length=3000)
    format = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="offers_by_format", verbose_name=_("vorm")
    )
    disciplines = models.ManyToManyField(Term, related_name="offers_by_discipline")
    levels = models.ManyToManyField(Term, related_name="offers_by_level")
    themes = models.ManyToManyField(Term, related_name="offers_by_theme", blank=True)
    provinces = models.ManyToManyField(Term, related_name="offers_by_province", blank=True)
    access = models.ManyToManyField(Term, related_name="offers_by_access", blank=True)
    location_mode = models.CharField(max_length=16, choices=LocationMode.choices)
    # The venue (at_provider; optional otherwise). Coordinates are filled from a gazetteer
    # (search, issue 11 point 4) and may be null.
    venue_name = models.CharField(_("naam locatie"), max_length=200, blank=True)
    venue_address = models.CharField(_("adres locatie"), max_length=200, blank=True)
    venue_postcode = models.CharField(_("postcode"), max_length=7, blank=True, db_index=True)
    venue_city = models.CharField(_("plaats"), max_length=100, blank=True)
    venue_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    venue_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # The venue's province code from the gazetteer (search: "located there"), "" unknown.
    venue_province = models.CharField(max_length=20, blank=True, default="", db_index=True)
    national = models.BooleanField(_("landelijk"), default=False)
    duration_minutes = models.PositiveIntegerField(_("duur in minuten"))
    price_model = models.CharField(max_length=12, choices=PriceModel.choices)
    price = models.DecimalField(_("prijs"), max_digits=12, decimal_places=2)
    group_size = models.PositiveIntegerField(_("groepsgrootte"), null=True, blank=True)
    min_students = models.PositiveIntegerField(null=True, blank=True)
    max_students = models.PositiveIntegerField(null=True, blank=True)
    cjp_discount = models.CharField(_("korting voor CJP-leden"), max_length=200, blank=True)
    # Moderation (SPEC §10).
    rejection_reason = models.TextField(blank=True)
    hidden_reason = models.TextField(blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    # Everything a text search reads, in one folded column, filled by
    # services.offers.refresh_search_text after every write (decision MK4).
    search_text = models.TextField(blank=True, default="")

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("aanbod")
        verbose_name_plural = _("aanbod")
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="offer_status_newest"),
            models.Index(fields=["provider", "-created_at"], name="offer_provider_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="offer_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def on_request(self) -> bool:
        """Without dated sessions an offer is "op aanvraag" (SPEC §10)."""
        return not self.sessions.exists()


class OfferSession(models.Model):
    """A dated session of an offer with its capacity and booking deadline."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    book_by = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(book_by__lte=models.F("starts_at"))
                & models.Q(starts_at__lt=models.F("ends_at")),
                name="session_dates_in_order",
            )
        ]


class OfferImage(models.Model):
    """An image of an offer: two re-encoded versions under random names (no EXIF)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="images")
    large = models.CharField(max_length=200)  # storage name, 1,600 px wide at most
    small = models.CharField(max_length=200)  # storage name, 400 px wide at most
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt = models.CharField(_("alternatieve tekst"), max_length=300)
    credit = models.CharField(_("fotograaf of bron"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["position", "pk"]


class ProviderTrust(models.Model):
    """A provider whose offers are published without review (SPEC §10)."""

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, related_name="trust")
    trusted = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=clock.now)


# --- requests and proposals (SPEC §10; docs/marketplace.md "Requests") ----------------------


class OfferRequest(models.Model):
    """A school's request for an offer, answered by the provider in a thread and with
    proposals; an accepted one becomes a web order. Written only by services.requests."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="requests")
    # The offer's provider at the time of the request (the party that answers).
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="requests")
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="offer_requests"
    )
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.SENT
    )
    preferred_dates = models.JSONField(default=list, blank=True)  # ISO dates, 0–3
    period_from = models.DateField(null=True, blank=True)
    period_until = models.DateField(null=True, blank=True)
    students = models.PositiveIntegerField(_("aantal leerlingen"))
    teachers = models.PositiveIntegerField(_("aantal docenten"), null=True, blank=True)
    level = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    access_needs = models.TextField(_("toegankelijkheidswensen"), blank=True)
    message = models.TextField(_("bericht"), max_length=2000)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=clock.now)
    # The provider's first answer (message or proposal): ends the reminder/expiry clock.
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)  # declined or cancelled: why
    closed_by_side = models.CharField(max_length=8, choices=Side.choices, blank=True)
    weborder = models.OneToOneField(
        "weborders.WebOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offer_request",
    )
    # Why the last web order ended without money (rejected: its reason), shown to both.
    weborder_ended_reason = models.TextField(blank=True)
    # The last message each side has seen (unread = the other side's messages after it).
    school_seen = models.PositiveBigIntegerField(default=0)
    provider_seen = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("aanvraag")
        verbose_name_plural = _("aanvragen")
        indexes = [
            models.Index(fields=["school", "-created_at"], name="request_school_idx"),
            models.Index(fields=["provider", "-created_at"], name="request_provider_idx"),
            models.Index(fields=["status", "created_at"], name="request_status_idx"),
            models.Index(fields=["school", "offer", "status"], name="request_dup_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(students__gte=1), name="request_students")
        ]

    def __str__(self) -> str:
        return f"aanvraag {self.pk}"

    @property
    def preferred_days(self) -> list:
        """The preferred dates as dates (stored as ISO strings)."""
        return [dt.date.fromisoformat(day) for day in self.preferred_dates]


class RequestMessage(models.Model):
    """One message of a request's thread, by the school's or the provider's side."""

    request = models.ForeignKey(OfferRequest, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=8, choices=Side.choices)
    author = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "pk"]


class Proposal(models.Model):
    """The provider's proposal (date/time, students, amount, description). Only the latest
    can be accepted; an accepted one is never changed (a change is a new version)."""

    request = models.ForeignKey(OfferRequest, on_delete=models.CASCADE, related_name="proposals")
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    starts_at = models.DateTimeField(_("datum en tijd"))
    students = models.PositiveIntegerField(_("aantal leerlingen"))
    amount = models.DecimalField(_("bedrag"), max_digits=12, decimal_places=2)
    description = models.TextField(_("omschrijving"), max_length=2000)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="proposal_version_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="proposal_amount"),
        ]
