"""CmK programme monitoring (SPEC §12): a regional programme as data, the schools' tracks and
steps, account conversations, activities, knowledge sharing, targets and deadlines.

Writes go through `services/`; scoping through `services/access.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import (
    ActionKind,
    ContactRole,
    CountingRule,
    DeadlineKind,
    LineCode,
    MeetingLevel,
    MeetingStatus,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class Programme(models.Model):
    """One regional CmK programme (e.g. `cmk-amstelland-2025`, 2025–2028)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    starts_on = models.DateField(_("begint op"))
    ends_on = models.DateField(_("eindigt op"))
    # Figures the programme office tunes (data, never constants in code).
    conversations_per_year = models.PositiveSmallIntegerField(
        _("accountgesprekken per jaar"), default=2
    )
    # A new random token whenever a record behind the dashboard changes (services/figures.py):
    # the key of the cached dashboard figures. Random, so a rolled-back change never
    # leaves a token that a later change could reuse.
    figures_token = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["starts_on", "code"]
        verbose_name = _("CmK-programma")
        verbose_name_plural = _("CmK-programma's")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="cmk_programme_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def years(self) -> list[int]:
        return list(range(self.starts_on.year, self.ends_on.year + 1))

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class Phase(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("naam"), max_length=100)
    starts_on = models.DateField(_("begint op"))
    ends_on = models.DateField(_("eindigt op"))

    class Meta:
        ordering = ["programme", "starts_on"]
        verbose_name = _("fase")

    def __str__(self) -> str:
        return self.name


class Line(models.Model):
    """A programme line (A, B, C)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="lines")
    code = models.CharField(_("code"), max_length=1, choices=LineCode.choices)
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True)

    class Meta:
        ordering = ["programme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="cmk_line_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class Municipality(models.Model):
    """A municipality taking part, with its yearly matching of the national grant (None:
    not agreed yet) and its municipal goals."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="municipalities"
    )
    name = models.CharField(_("naam"), max_length=100)
    matching = models.DecimalField(_("matching per jaar"), null=True, blank=True, **MONEY)
    goals = models.TextField(_("gemeentelijke speerpunten"), blank=True)

    class Meta:
        ordering = ["programme", "name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "name"], name="cmk_municipality_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Track(models.Model):
    """A track (spoor) as data, versioned: once a participation uses a version, a change of
    its steps makes the next version (`services.tracks.change_steps`)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="tracks")
    code = models.SlugField(_("code"), max_length=20)  # track-1, track-2
    version = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    name = models.CharField(_("naam"), max_length=200)
    # Track 1: staff may open a new yearly cycle.
    cyclic = models.BooleanField(_("jaarlijkse cycli"), default=False)
    # Track 2: a school is a prospect until this step is done (None: never a prospect).
    prospect_until_step = models.PositiveSmallIntegerField(null=True, blank=True)
    # Track 2: completing it moves the school to this track's current version.
    completes_to = models.SlugField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["programme", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code", "version"], name="cmk_track_unique_version"
            ),
            models.UniqueConstraint(
                fields=["programme", "code"],
                condition=models.Q(is_current=True),
                name="cmk_track_one_current_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def last_step_number(self) -> int:
        return max((s.number for s in self.steps.all()), default=0)


class TrackStep(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(_("naam"), max_length=300)
    description = models.TextField(_("omschrijving"), blank=True)

    class Meta:
        ordering = ["track", "number"]
        constraints = [
            models.UniqueConstraint(fields=["track", "number"], name="cmk_step_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Participation(models.Model):
    """A school (PO, SBO, VO) or cultural institution in a programme. Its one current step
    (`current_step`) in its current cycle; history in `StepChange`. Institutions have no
    track."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="participations"
    )
    location = models.ForeignKey(
        "schools.Location", on_delete=models.PROTECT, related_name="cmk_participations"
    )
    municipality = models.ForeignKey(
        Municipality,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participations",
    )
    track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.PROTECT, related_name="participations"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    current_step = models.ForeignKey(
        TrackStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step_since = models.DateField(null=True, blank=True)
    # The current cycle's last step is done (track 1 waits for a new cycle).
    cycle_completed_on = models.DateField(null=True, blank=True)
    prospect = models.BooleanField(default=False)
    # Started in track 2 (a new school); stays True after it moved to track 1.
    new_school = models.BooleanField(default=False)
    # The day the school stopped being a prospect (step 2 of track 2 done).
    committed_on = models.DateField(null=True, blank=True)
    joined_on = models.DateField(_("deelname vanaf"))
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cmk_participations",
    )
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["programme", "location__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "location"], name="cmk_participation_unique_location"
            )
        ]

    def __str__(self) -> str:
        return str(self.location)

    @property
    def is_institution(self) -> bool:
        return self.location.kind == "institution"


class StepChange(models.Model):
    """One move of a participation's current step (history, never changed)."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="step_changes"
    )
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="+")
    cycle = models.PositiveSmallIntegerField()
    from_number = models.PositiveSmallIntegerField(null=True, blank=True)
    to_number = models.PositiveSmallIntegerField()
    # forward, backward, start, complete, cycle
    kind = models.CharField(max_length=10)
    on = models.DateField()
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["participation", "at", "pk"]


class Contact(models.Model):
    """A dated contact of a participation (ICC'er, culture coordinator, director)."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="contacts"
    )
    role = models.CharField(_("rol"), max_length=12, choices=ContactRole.choices)
    name = models.CharField(_("naam"), max_length=200)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    valid_from = models.DateField(_("vanaf"))
    valid_until = models.DateField(_("tot en met"), null=True, blank=True)

    class Meta:
        ordering = ["participation", "role", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "role"],
                condition=models.Q(valid_until__isnull=True),
                name="cmk_contact_one_current_per_role",
            )
        ]


class Conversation(models.Model):
    """An account conversation: planned, held, minutes in a shared part (the school sees it)
    and a staff-only part (only programme staff and the admin)."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="conversations"
    )
    planned_on = models.DateField(_("gepland op"), null=True, blank=True)
    held_on = models.DateField(_("gehouden op"), null=True, blank=True)
    shared_minutes = models.TextField(_("verslag (gedeeld met de school)"), blank=True)
    staff_minutes = models.TextField(_("verslag (alleen programmabureau)"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["participation", "-held_on", "-planned_on", "-pk"]


class Action(models.Model):
    """A follow-up action; stays visible until closed."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="actions"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    kind = models.CharField(max_length=15, choices=ActionKind.choices, default=ActionKind.OTHER)
    text = models.TextField(_("actie"))
    due_on = models.DateField(_("uiterlijk"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["participation", "closed_at", "due_on", "pk"]


class Activity(models.Model):
    """An activity of a programme line with its participant count."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="activities")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("titel"), max_length=300)
    held_on = models.DateField(_("datum"))
    participants = models.PositiveIntegerField(_("deelnemers"))
    participations = models.ManyToManyField(Participation, blank=True, related_name="activities")
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["programme", "-held_on", "-pk"]
        indexes = [models.Index(fields=["programme", "held_on"], name="cmk_activity_prog_day")]


class Meeting(models.Model):
    """A knowledge-sharing meeting by level and topic."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="meetings")
    level = models.CharField(_("niveau"), max_length=10, choices=MeetingLevel.choices)
    topic = models.CharField(_("onderwerp"), max_length=300)
    held_on = models.DateField(_("datum"))
    status = models.CharField(
        max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["programme", "-held_on", "-pk"]


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.CharField(_("organisatie"), max_length=200)
    participation = models.ForeignKey(
        Participation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    people = models.PositiveIntegerField(_("personen"))

    class Meta:
        ordering = ["meeting", "organisation"]


class Indicator(models.Model):
    """A results indicator; its realised value is counted by `rule` from the records."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(max_length=40)
    name = models.CharField(_("naam"), max_length=200)
    rule = models.CharField(_("telregel"), max_length=20, choices=CountingRule.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="cmk_indicator_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """The target of an indicator for a milestone year (counted from the day after the
    previous milestone), or for the whole programme (`year` None, unique counts)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.PositiveIntegerField(_("doel"))

    class Meta:
        ordering = ["indicator", models.F("year").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="cmk_target_unique_year"),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=models.Q(year__isnull=True),
                name="cmk_target_one_total",
            ),
        ]


class Deadline(models.Model):
    """A dated item of the programme calendar with an e-mail reminder to the staff
    `remind_days` before (job `cmk-reminders`)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=15, choices=DeadlineKind.choices)
    title = models.CharField(_("titel"), max_length=300)
    due_on = models.DateField(_("datum"))
    remind_days = models.PositiveSmallIntegerField(_("herinnering dagen vooraf"), default=14)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Optional link to what it is about (a meeting, a questionnaire of cmk_evaluation, ...).
    ref = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["programme", "due_on", "pk"]
        indexes = [models.Index(fields=["due_on", "reminded_at"], name="cmk_deadline_due")]
