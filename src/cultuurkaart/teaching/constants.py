"""Fixed codes of the teaching part of the dossier."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The competency codes of the dossier (dossier.constants.COMPETENCY_CODES; labels live there).
COMPETENCY_CODES = ("reflecteren", "onderzoeken", "creeren")


class MaterialScope(models.TextChoices):
    PRIVATE = "private", _("alleen ik")
    SCHOOL = "school", _("mijn school")
    ALL = "all", _("alle scholen")


class WorkState(models.TextChoices):
    """What the student sees per assignment (API.md `/me/assignments`)."""

    NOT_STARTED = "not_started", _("niet begonnen")
    DRAFT = "draft", _("concept")
    SUBMITTED = "submitted", _("ingeleverd")
    RETURNED = "returned", _("teruggegeven")
    GRADED = "graded", _("beoordeeld")


MAX_TARGETS = 500  # classes and students named in one assignment
MAX_TEXT = 50_000  # characters of a submission's text
MAX_RUBRIC_CRITERIA = 12
MAX_RUBRIC_LEVELS = 8
REMINDER_QUIET_DAYS = 30  # a student is named in a reminder at most once per 30 days
