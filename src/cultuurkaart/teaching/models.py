"""The teaching part of the dossier (SPEC §11, issue 12 points 4-6; docs/teaching.md).

A class is a roster group (`rosters.Person.group` of the school's students), so it follows
every roster upload. Teachers make named groups within a class (`ClassGroup`). Assignments
name classes, groups and/or single students (`AssignmentTarget`);
the recipients are resolved when read, so a student who joins the class later gets the
assignment too. A student's work is a draft (`Work`) they keep editing; submitting makes an
immutable `Submission` (text and copies of the media, each with its sha256). `Feedback` is
written on a submission and has a teacher's working copy and a released copy: everything
the student can reach (pages, API, e-mail, export) reads the released copy only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cultuurkaart.core import clock

from .constants import MaterialScope


class LessonMaterial(models.Model):
    """Lesson material: a teacher's (private, school or all schools) or a provider's (all
    schools). Reuse copies it into the teacher's own library and keeps the provenance."""

    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("beschrijving"), blank=True)  # sanitised HTML
    link = models.URLField(_("link"), blank=True, max_length=500)
    scope = models.CharField(
        _("gedeeld met"),
        max_length=10,
        choices=MaterialScope.choices,
        default=MaterialScope.PRIVATE,
    )
    competencies = models.JSONField(default=list)
    attachment = models.FileField(upload_to="teaching/materials/", blank=True, max_length=300)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    # provenance of a copy: the original (while it exists) and a readable source line
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    provenance = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(school__isnull=False) | models.Q(provider__isnull=False),
                name="material_has_a_home",
            )
        ]


class Assignment(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("titel"), max_length=200)
    instructions = models.TextField(_("instructie"), blank=True)  # sanitised HTML
    opens_at = models.DateTimeField(_("open vanaf"))
    due_at = models.DateTimeField(_("inleveren voor"))
    cutoff_at = models.DateTimeField(_("uiterlijk (daarna gesloten)"), null=True, blank=True)
    accepts_text = models.BooleanField(default=True)
    max_files = models.PositiveSmallIntegerField(default=0)
    word_limit = models.PositiveIntegerField(null=True, blank=True)
    competencies = models.JSONField(default=list)
    rubric = models.JSONField(null=True, blank=True)  # {"criteria": [{"name", "levels": [..]}]}
    materials = models.ManyToManyField(LessonMaterial, blank=True, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["school", "-due_at"])]


class ClassGroup(models.Model):
    """A named group of students within one class (roster group), made by the class's
    dossier teachers ("Groep A – dans"). Members count only while they are in that class
    (`ClassGroupMember.person.group == group`), so a student who leaves the class leaves
    its groups at once."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=200)  # the class (rosters.Person.group)
    name = models.CharField(_("naam"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "group", "name"], name="one_group_name_per_class"
            )
        ]


class ClassGroupMember(models.Model):
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("rosters.Person", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["class_group", "person"], name="one_membership_per_group"
            )
        ]
        indexes = [models.Index(fields=["person"])]


class AssignmentTarget(models.Model):
    """A class (roster group), a named group within a class, or one student the assignment
    is for."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="targets")
    group = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(
        "rosters.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    class_group = models.ForeignKey(
        ClassGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(group="")
                    & models.Q(person__isnull=False)
                    & models.Q(class_group__isnull=True)
                )
                | (
                    ~models.Q(group="")
                    & models.Q(person__isnull=True)
                    & models.Q(class_group__isnull=True)
                )
                | (
                    models.Q(group="")
                    & models.Q(person__isnull=True)
                    & models.Q(class_group__isnull=False)
                ),
                name="target_is_class_group_or_student",
            )
        ]
        indexes = [models.Index(fields=["group"])]


class Extension(models.Model):
    """New dates for one student; the latest one counts."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    person = models.ForeignKey("rosters.Person", on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    cutoff_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["assignment", "person", "-granted_at"])]


class Work(models.Model):
    """The student's working copy of an assignment (a draft); stays editable after
    submitting."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="works")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(blank=True)
    media_ids = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "student"], name="one_work_per_student")
        ]


class Submission(models.Model):
    """An immutable snapshot of the student's work at submitting (never updated)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "rosters.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    text_sha256 = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(default=clock.now)
    late = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "student", "attempt"], name="one_submission_per_attempt"
            )
        ]
        indexes = [models.Index(fields=["assignment", "student", "-attempt"])]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A submission is an immutable snapshot.")
        super().save(*args, **kwargs)


class SubmissionFile(models.Model):
    """A copy of one media file of the work at submitting, with its sha256."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to="teaching/submissions/", max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source_media_id = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["position"]


class Feedback(models.Model):
    """A teacher's feedback on one submission. `comment/grade/rubric` are the teacher's
    working copy; `release` copies them into the `released_*` fields, the only ones a
    student (page, API, e-mail, export) ever reads."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="feedback")
    comment = models.TextField(blank=True)
    grade = models.CharField(max_length=20, blank=True)
    rubric = models.JSONField(default=dict)  # criterion name → chosen level
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=clock.now)
    released_comment = models.TextField(blank=True)
    released_grade = models.CharField(max_length=20, blank=True)
    released_rubric = models.JSONField(default=dict)
    released_at = models.DateTimeField(null=True, blank=True)

    @property
    def has_unreleased_changes(self) -> bool:
        return (
            self.released_at is None
            or self.comment != self.released_comment
            or self.grade != self.released_grade
            or self.rubric != self.released_rubric
        )


class PrivateNote(models.Model):
    """A teacher's private note about a student at one school (SPEC §11): only the
    student's dossier teachers at that school read it; nothing else ever does."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("rosters.Person", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["school", "person", "-created_at"])]


class ReflectionConversation(models.Model):
    """A reflection conversation with a student: the summary and the next learning question
    are shared with the student."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("rosters.Person", on_delete=models.CASCADE, related_name="+")
    held_on = models.DateField(_("datum"))
    participants = models.CharField(_("deelnemers"), max_length=300)
    summary = models.TextField(_("gedeelde samenvatting"))
    next_learning_question = models.CharField(_("volgende leervraag"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["school", "person", "-held_on"])]


class ConversationReminder(models.Model):
    """That a student was named in the reminder (so it is sent once per quiet period)."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("rosters.Person", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=clock.now)
