"""Fixed codes of the dossier (SPEC §11). Codes are stored and exported; labels follow the
reader's language."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    POST = "post", _("Bericht")
    MEDIA = "media", _("Media")
    VISIT = "visit", _("Bezoek")
    LEARNING_QUESTION = "learning_question", _("Leervraag")
    REFLECTION = "reflection", _("Reflectie")
    PRODUCT = "product", _("Creatief product")


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Alleen ikzelf")
    TEACHERS = "teachers", _("Mijn docenten")
    CLASS = "class", _("Mijn klas")
    # Outside the class (the school's exhibition): only with recorded consent (SPEC §11).
    SCHOOL = "school", _("De hele school (met toestemming)")


class LearningQuestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("Mee bezig")
    CLOSED = "closed", _("Afgerond")


LQ_TRANSITIONS = {
    LearningQuestionStatus.OPEN: {
        LearningQuestionStatus.IN_PROGRESS,
        LearningQuestionStatus.CLOSED,
    },
    LearningQuestionStatus.IN_PROGRESS: {LearningQuestionStatus.CLOSED},
    LearningQuestionStatus.CLOSED: set(),
}

# The three competencies of Het Cultureel Zelfportret [004]: code -> label.
COMPETENCIES = {
    "reflecteren": _("Reflecteren"),
    "onderzoeken": _("Onderzoeken"),
    "creeren": _("Creëren"),
}
COMPETENCY_CODES = tuple(COMPETENCIES)
MAX_LEVEL = 3


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Afbeelding")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    PDF = "pdf", _("PDF")


class ThumbnailStatus(models.TextChoices):
    NONE = "none", _("Geen")
    PENDING = "pending", _("Wordt gemaakt")
    DONE = "done", _("Klaar")
    FAILED = "failed", _("Mislukt")


class ConsentGiver(models.TextChoices):
    STUDENT = "student", _("De leerling zelf (16 jaar of ouder)")
    PARENT = "parent", _("Een ouder of verzorger")


class ViewChannel(models.TextChoices):
    PAGE = "page", _("Webpagina")
    API = "api", _("API")
    EXPORT = "export", _("Export")


# Settings (conf/base.py may override them; see docs/dossier.md).
DEFAULT_MAX_OPEN_QUESTIONS = 3
DEFAULT_CONVERSATION_MONTHS = 6
DEFAULT_LEAVER_RETENTION_DAYS = 90
