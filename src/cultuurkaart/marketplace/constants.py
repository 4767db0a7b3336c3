"""Marketplace statuses, choices and limits (SPEC §10, API.md "Marketplace"), read by
core.transitions and the services."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Vocabulary(models.TextChoices):
    """The taxonomies; the API's key for each is the plural in `API_KEYS`."""

    DISCIPLINE = "discipline", _("Discipline")
    FORMAT = "format", _("Vorm")
    THEME = "theme", _("Burgerschapsthema")
    LEVEL = "level", _("Schoolsoort en leerjaar")
    PROVINCE = "province", _("Provincie")
    ACCESS = "access", _("Toegankelijkheid")


API_KEYS = {
    Vocabulary.DISCIPLINE: "disciplines",
    Vocabulary.FORMAT: "formats",
    Vocabulary.THEME: "themes",
    Vocabulary.LEVEL: "levels",
    Vocabulary.PROVINCE: "provinces",
    Vocabulary.ACCESS: "access",
}


class LevelKind(models.TextChoices):
    VO = "vo", _("VO")
    MBO = "mbo", _("MBO")


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Wacht op beoordeling")
    PUBLISHED = "published", _("Gepubliceerd")
    REJECTED = "rejected", _("Afgewezen")
    HIDDEN = "hidden", _("Verborgen")


class LocationMode(models.TextChoices):
    AT_PROVIDER = "at_provider", _("Bij de aanbieder")
    AT_SCHOOL = "at_school", _("Op school")
    TO_BE_AGREED = "to_be_agreed", _("In overleg")


class PriceModel(models.TextChoices):
    PER_STUDENT = "per_student", _("Per leerling")
    PER_GROUP = "per_group", _("Per groep")


S = OfferStatus
TRANSITIONS = {
    # approve, reject, hide (also by the revocation hook)
    S.PENDING: {S.PUBLISHED, S.REJECTED, S.HIDDEN},
    # hide; a material edit by an untrusted provider goes back to review
    S.PUBLISHED: {S.HIDDEN, S.PENDING},
    # the provider edits a rejected offer: it is reviewed again
    S.REJECTED: {S.PENDING},
    # unhide: the admin shows it again
    S.HIDDEN: {S.PUBLISHED},
}

# A change of one of these fields of a published offer by an untrusted provider sends it
# back to `pending` (API.md PATCH /offers/{id}; "location" is all of its parts).
MATERIAL_FIELDS = (
    "title",
    "description",
    "price",
    "price_model",
    "group_size",
    "disciplines",
    "levels",
    "location_mode",
    "venue",
    "provinces",
    "national",
)

TITLE_MIN, TITLE_MAX = 5, 140
DESCRIPTION_MAX = 3000
REASON_MAX = 2000
MAX_SESSIONS = 50
MAX_STUDENTS = 10000
MAX_DURATION_MINUTES = 60 * 24 * 14

# Images (SPEC §10): at most this many per offer, content-sniffed formats only.
MAX_IMAGES = 5
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_IMAGE_WIDTH, MIN_IMAGE_HEIGHT = 600, 400
IMAGE_WIDTHS = {"large": 1600, "small": 400}
IMAGE_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}
# Pillow's decompression-bomb guard: more pixels than this is refused (about 50 MP).
MAX_IMAGE_PIXELS = 50_000_000
