"""The dossier: a student's culture portfolio (SPEC §11, docs/dossier.md).

A `Portfolio` belongs to a member account (`accounts.User`), not to a roster entry, so it
survives class and school changes. `Item`s are the timeline; `Media` are the uploaded files
(served only through signed URLs); `Consent` records permission to show work outside the
class; `PortfolioView` logs every staff view. `Enablement` is the school's opt-in (whole
school, or one class)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import (
    DEFAULT_CONVERSATION_MONTHS,
    DEFAULT_MAX_OPEN_QUESTIONS,
    MAX_LEVEL,
    ConsentGiver,
    ItemType,
    LearningQuestionStatus,
    MediaKind,
    ThumbnailStatus,
    ViewChannel,
    Visibility,
)


class Enablement(models.Model):
    """The admin enabled the dossier for a school (`group` blank) or one class of it."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="dossier_enablements"
    )
    group = models.CharField(_("klas"), max_length=200, blank=True)
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enabled_at = models.DateTimeField(default=clock.now)
    # School settings of the dossier (read from the whole-school row, else the class row).
    max_open_questions = models.PositiveSmallIntegerField(
        _("maximum open leervragen"), default=DEFAULT_MAX_OPEN_QUESTIONS
    )
    conversation_interval_months = models.PositiveSmallIntegerField(
        _("reflectiegesprek minstens elke (maanden)"), default=DEFAULT_CONVERSATION_MONTHS
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "group"], name="dossier_one_enablement")
        ]

    def __str__(self) -> str:
        return f"Enablement {self.pk} school {self.school_id}"


class Portfolio(models.Model):
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio"
    )
    created_at = models.DateTimeField(default=clock.now)
    # Leaver rule (SPEC §14): set when the owner left every roster; deleted after the period.
    left_roster_on = models.DateField(null=True, blank=True)
    export_offered_at = models.DateTimeField(null=True, blank=True)
    # Set by the transfer (dossier_transfer) when another school took the portfolio over:
    # the leaver deletion then does not run.
    transferred_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Portfolio {self.pk}"


class Item(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="items")
    type = models.CharField(_("soort"), max_length=20, choices=ItemType.choices)
    title = models.CharField(_("titel"), max_length=200)
    body = models.TextField(_("tekst"), blank=True)  # sanitised HTML (services.text)
    occurred_on = models.DateField(_("datum"))
    reflecteren = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_LEVEL)]
    )
    onderzoeken = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_LEVEL)]
    )
    creeren = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(MAX_LEVEL)])
    visibility = models.CharField(
        _("zichtbaar voor"), max_length=10, choices=Visibility.choices, default=Visibility.TEACHERS
    )
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lq_status = models.CharField(max_length=12, choices=LearningQuestionStatus.choices, blank=True)
    learning_question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    prompt = models.TextField(_("vraag"), blank=True)  # a copy of the reflection prompt
    visit = models.JSONField(null=True, blank=True)  # {"activity", "place", "provider"}
    is_draft = models.BooleanField(default=False)
    origin_key = models.CharField(max_length=200, blank=True)
    provenance = models.JSONField(null=True, blank=True)
    activity_cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    edited_by_owner_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "origin_key"],
                condition=~Q(origin_key=""),
                name="dossier_item_unique_origin",
            ),
            models.CheckConstraint(
                condition=Q(reflecteren__lte=MAX_LEVEL)
                & Q(onderzoeken__lte=MAX_LEVEL)
                & Q(creeren__lte=MAX_LEVEL),
                name="dossier_item_competency_levels",
            ),
        ]
        indexes = [
            models.Index(fields=["portfolio", "-occurred_on", "-id"], name="dossier_item_timeline"),
            models.Index(fields=["portfolio", "type", "lq_status"], name="dossier_item_type"),
        ]

    def __str__(self) -> str:
        return f"Item {self.pk} {self.type}"

    def competency_levels(self) -> dict[str, int]:
        return {
            "reflecteren": self.reflecteren,
            "onderzoeken": self.onderzoeken,
            "creeren": self.creeren,
        }

    def competency_codes(self) -> list[str]:
        return [code for code, level in self.competency_levels().items() if level]


class Media(models.Model):
    """An uploaded file. `file` and `thumbnail` are storage names (Django's storage API);
    they are never served directly, only through `services.media.signed_url`."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="media")
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="media"
    )
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.CharField(max_length=255)
    thumbnail = models.CharField(max_length=255, blank=True)
    thumbnail_status = models.CharField(
        max_length=10, choices=ThumbnailStatus.choices, default=ThumbnailStatus.NONE
    )
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt = models.CharField(_("beschrijving"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["portfolio", "created_at"])]

    def __str__(self) -> str:
        return f"Media {self.pk} {self.kind}"


class Consent(models.Model):
    """Permission to show the owner's work outside the class (SPEC §11): given by the
    student (16 or older) or a parent (under 16; parents act through the student's login,
    SPEC §1). Revoked at once by setting `revoked_at`; a new consent is a new row."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(max_length=10, choices=ConsentGiver.choices)
    parent_name = models.CharField(_("naam ouder of verzorger"), max_length=200, blank=True)
    statement = models.TextField()  # the text that was agreed to (a copy)
    given_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio"],
                condition=Q(revoked_at__isnull=True),
                name="dossier_one_live_consent",
            )
        ]


class PortfolioView(models.Model):
    """One view of a portfolio by staff (SPEC §11: every staff view is logged); the school
    lists the log of its own staff's views."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="views")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=ViewChannel.choices)
    viewed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["school", "-viewed_at"])]
