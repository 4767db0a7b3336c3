from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolKind(models.TextChoices):
    VO = "vo", _("Voortgezet onderwijs (VO)")
    MBO = "mbo", _("Middelbaar beroepsonderwijs (MBO)")


class LocationKind(models.TextChoices):
    """Registry location kinds: VO and MBO from DUO; PO, SBO and cultural institutions are
    registered for CmK programme monitoring only (issue 13) and never register a school."""

    VO = "vo", _("Voortgezet onderwijs (VO)")
    MBO = "mbo", _("Middelbaar beroepsonderwijs (MBO)")
    PO = "po", _("Primair onderwijs (PO)")
    SBO = "sbo", _("Speciaal basisonderwijs (SBO)")
    INSTITUTION = "institution", _("Culturele instelling")


class SchoolStatus(models.TextChoices):
    PENDING = "pending", _("Aanmelding in behandeling")
    ACTIVE = "active", _("Actief")
    REJECTED = "rejected", _("Afgewezen")
    CANCELLED = "cancelled", _("Geannuleerd")


TRANSITIONS = {
    SchoolStatus.PENDING: {SchoolStatus.ACTIVE, SchoolStatus.REJECTED},
    SchoolStatus.ACTIVE: {SchoolStatus.CANCELLED},
    SchoolStatus.REJECTED: set(),
    # A payment dated before the non-payment cancellation reinstates it (SPEC §5).
    SchoolStatus.CANCELLED: {SchoolStatus.ACTIVE},
}

PROVINCES = [
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
]
