"""Participants of paid activities (point 7), portfolio exports and imports (point 8)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import ExportStatus


class ParticipantSelection(models.Model):
    """Who took part in the activity a web order paid for: the classes (roster groups) and
    students the school picked. Read when the web order is approved (and at once when the
    selection grows after approval)."""

    weborder = models.OneToOneField(
        "weborders.WebOrder", on_delete=models.CASCADE, related_name="dossier_selection"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    groups = models.JSONField(_("klassen"), default=list, blank=True)
    people = models.ManyToManyField("rosters.Person", blank=True, related_name="+")
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"ParticipantSelection {self.pk}"


class Participant(models.Model):
    """One student of an approved web order's selection, with the draft visit item they got.
    Kept apart from the roster (which is erased on 31 August) so a later reversal still
    finds the drafts."""

    weborder = models.ForeignKey(
        "weborders.WebOrder", on_delete=models.CASCADE, related_name="dossier_participants"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        "dossier.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["weborder", "user"], name="one_participant_per_order")
        ]

    def __str__(self) -> str:
        return f"Participant {self.pk}"


class PortfolioExport(models.Model):
    """A zip of one portfolio, built in the background; the file lives in the default
    storage until `expires_at` (a week after it was made)."""

    portfolio = models.ForeignKey("dossier.Portfolio", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    file = models.CharField(max_length=200, blank=True)  # name in the default storage
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    items = models.PositiveIntegerField(default=0)
    media = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="dt_export_user_idx"),
            models.Index(fields=["status", "expires_at"], name="dt_export_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"PortfolioExport {self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)


class PortfolioImport(models.Model):
    """A zip imported into a student's portfolio by a teacher of the receiving school."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    portfolio = models.ForeignKey("dossier.Portfolio", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=64)  # the exported portfolio's key
    sha256 = models.CharField(max_length=64)  # of the manifest
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"PortfolioImport {self.pk}"


class PortfolioTransfer(models.Model):
    """An in-platform transfer: the owner makes a one-time code (only its sha256 is kept) and
    a teacher of the receiving school enters it for the student on its roster. Valid for
    `TRANSFER_DAYS`, used once; a new code replaces the owner's unused one."""

    portfolio = models.ForeignKey("dossier.Portfolio", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.ForeignKey(
        "dossier.Portfolio", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"PortfolioTransfer {self.pk}"


class CarriedFeedback(models.Model):
    """Feedback that was released to the student at an earlier school and came along with an
    import or transfer (decision DT-4). Read-only: it is no `teaching.Feedback` and belongs to
    no assignment of this platform's schools; it shows on the item it was about (when the
    submission held that item's media) and on the student's list of earlier feedback. It
    never holds a teacher's name, unreleased feedback or private notes (the export never
    carries them)."""

    portfolio = models.ForeignKey(
        "dossier.Portfolio", on_delete=models.CASCADE, related_name="carried_feedback"
    )
    key = models.CharField(max_length=200)  # "ck:fb:<id>" of the exporting platform
    item = models.ForeignKey(
        "dossier.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    school_name = models.CharField(max_length=200, blank=True)
    assignment_title = models.CharField(max_length=200)
    submitted_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    grade = models.CharField(max_length=20, blank=True)
    rubric = models.JSONField(default=list)  # [{"criterion", "level"}]
    attempt = models.PositiveSmallIntegerField(default=1)
    late = models.BooleanField(default=False)
    source = models.CharField(max_length=10)  # import | transfer
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "key"], name="carried_feedback_once")
        ]
        indexes = [models.Index(fields=["item"])]

    def __str__(self) -> str:
        return f"CarriedFeedback {self.pk}"
