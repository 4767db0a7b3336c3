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


# --- requests and proposals (SPEC §10, API.md; docs/marketplace.md "Requests") -------------


class RequestStatus(models.TextChoices):
    SENT = "sent", _("Verstuurd")
    IN_CONVERSATION = "in_conversation", _("In gesprek")
    PROPOSED = "proposed", _("Voorstel gedaan")
    ACCEPTED = "accepted", _("Akkoord")
    ORDERED = "ordered", _("Webbestelling gemaakt")
    DECLINED = "declined", _("Afgewezen")
    WITHDRAWN = "withdrawn", _("Ingetrokken")
    EXPIRED = "expired", _("Verlopen")
    CANCELLED = "cancelled", _("Geannuleerd")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUPERSEDED = "superseded", _("Vervangen")
    ACCEPTED = "accepted", _("Geaccepteerd")


class Side(models.TextChoices):
    SCHOOL = "school", _("School")
    PROVIDER = "provider", _("Aanbieder")


R = RequestStatus
REQUEST_TRANSITIONS = {
    # the provider's first message; a proposal; either party declines; the school withdraws;
    # the job expires an unanswered request
    R.SENT: {R.IN_CONVERSATION, R.PROPOSED, R.DECLINED, R.WITHDRAWN, R.EXPIRED},
    R.IN_CONVERSATION: {R.PROPOSED, R.DECLINED, R.WITHDRAWN},
    # a newer proposal keeps it proposed; the school accepts the latest
    R.PROPOSED: {R.PROPOSED, R.ACCEPTED, R.DECLINED, R.WITHDRAWN},
    # the provider creates the web order; a new (e.g. higher) proposal needs a new "yes";
    # either party calls the agreement off
    R.ACCEPTED: {R.ORDERED, R.PROPOSED, R.CANCELLED},
    # the web order ended without money (rejected, withdrawn, expired): agreed again
    R.ORDERED: {R.ACCEPTED},
}
# Open: the duplicate rule looks at these; the school and the provider can still act.
OPEN_REQUEST_STATUSES = (R.SENT, R.IN_CONVERSATION, R.PROPOSED, R.ACCEPTED)
REQUEST_MESSAGE_MAX = 2000
REQUEST_MAX_DATES = 3
