from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import clock


class AuditEntry(models.Model):
    """Who did what to money and personal data. Append-only; holds ids, never names."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class TermsKind(models.TextChoices):
    TERMS = "terms", _("Algemene voorwaarden")
    PRIVACY = "privacy", _("Privacyverklaring")
    PROVIDER_TERMS = "provider_terms", _("Voorwaarden acceptanten")
    CORRECTNESS = "correctness", _("Verklaring juistheid gegevens")
    MANDATE = "mandate", _("Mandaat budgethouder")


class TermsVersion(models.Model):
    """A published version of the terms, privacy statement or a declaration text."""

    kind = models.CharField(max_length=20, choices=TermsKind.choices)
    version = models.CharField(max_length=20)
    effective_on = models.DateField()
    text = models.TextField(help_text=_("Summary shown next to the checkbox."))

    class Meta:
        unique_together = [("kind", "version")]
        ordering = ["kind", "-effective_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class Consent(models.Model):
    """One acceptance of one terms version by a person or for an organisation."""

    terms = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="consents")
    accepted_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=40)
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        indexes = [models.Index(fields=["subject_type", "subject_id"])]


class IdempotencyRecord(models.Model):
    """The first response to a request with an Idempotency-Key, kept 24 h
    (`core.idempotency`). Moved here from orders; the table was renamed, the rows kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "scope"], name="idempotency_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_at")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Bezig")
    OK = "ok", _("Gelukt")
    FAILED = "failed", _("Mislukt")
    SKIPPED = "skipped", _("Overgeslagen")


class JobTrigger(models.TextChoices):
    BEAT = "beat", _("Planning")
    API = "api", _("API")
    COMMAND = "command", _("Commando")
    ADMIN = "admin", _("Backoffice")


class JobRun(models.Model):
    """One run of a scheduled job (core.jobs.run), whatever started it. Holds the job's
    parameters, counts and the error's type and place, never personal data."""

    name = models.CharField(max_length=60)
    params = models.JSONField(default=dict, blank=True)
    trigger = models.CharField(max_length=10, choices=JobTrigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField()  # the real time, also under a test clock
    as_of = models.DateTimeField(null=True, blank=True)  # the clock the job read (--now/X-Clock)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.RUNNING)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["name", "-started_at"], name="core_jobrun_name_started")]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class OutboxTask(models.Model):
    """A task handed to the broker, written in the transaction that dispatched it
    (core.dispatch, production mode). Deleted once the broker has it; a row that stays
    (the broker was down at the commit, or the process died between the commit and the
    send) is sent again by `core.dispatch.flush_outbox()`. Holds ids, never personal data."""

    task = models.CharField(max_length=120)
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()  # the real time (clock.wall_now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task} {self.created_at:%Y-%m-%d %H:%M} ({self.attempts})"
