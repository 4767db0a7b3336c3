"""A school's roster: the people on its student and teacher lists (SPEC §3).

Roster entries belong to the school; the platform admin sees them only as counts.
Memberships (memberships app) outlive roster entries: removing a person never ends
an active membership.
"""

from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import JobAction, JobStatus, PersonStatus, RosterKind, TeacherType


class PersonQuerySet(models.QuerySet):
    def of_school(self, school, kind: str | None = None):
        qs = self.filter(school=school)
        return qs.filter(kind=kind) if kind else qs


class Person(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="people")
    kind = models.CharField(max_length=10, choices=RosterKind.choices)
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=150)
    email = models.CharField(_("e-mailadres"), max_length=254, blank=True)
    mobile = models.CharField(_("mobiel nummer"), max_length=20, blank=True)
    location = models.CharField(_("locatie"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("leerjaar / studiejaar"), null=True, blank=True)
    group = models.CharField(_("klas / opleiding"), max_length=200, blank=True)
    teacher_type = models.CharField(
        _("type"), max_length=10, choices=TeacherType.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.NEW
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["school", "kind", "status"]),
            models.Index(fields=["school", "kind", "last_name", "first_name"]),
            models.Index(fields=["school", "kind", "email"]),
            models.Index(fields=["school", "kind", "group", "year"]),
            # the list's default order: case-insensitive last name, first name
            models.Index(
                F("school"),
                F("kind"),
                Lower("last_name"),
                Lower("first_name"),
                name="rosters_person_name_ci",
            ),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"  # never names in logs or reprs


class RosterUpload(models.Model):
    """One full-list upload (replace) of a roster; orders check the last one (SPEC §5)."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="roster_uploads"
    )
    kind = models.CharField(max_length=10, choices=RosterKind.choices)
    uploaded_at = models.DateTimeField(default=clock.now)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    filename = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["school", "kind", "uploaded_at"])]


class RosterJob(models.Model):
    """A validation or import of an uploaded roster file, run in the background with
    progress the page can poll. The file is kept only until the job's import is done
    (or for `JOB_FILE_HOURS`); the result holds counts and the errors for the page."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=RosterKind.choices)
    action = models.CharField(max_length=10, choices=JobAction.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    phase = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    data = models.BinaryField(null=True, blank=True, editable=False)
    confirmed = models.BooleanField(default=False)
    result = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    # Moved on at every status or progress change (a heartbeat): a queued or running job
    # that has not moved for `runner.STALE` died with its process and is run again.
    updated_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "kind", "created_at"]),
            models.Index(fields=["status", "updated_at"], name="rosterjob_stale_idx"),
        ]

    def __str__(self) -> str:
        return f"RosterJob {self.pk} {self.action} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
