"""Questionnaire, budget and report vocabularies of CmK programme monitoring (SPEC §12,
docs/cmk-evaluation.md)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# A group of fewer schools than this is never shown (screens, exports, API).
MIN_GROUP = 5


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    SUBMITTED = "submitted", _("Ingediend")


RESPONSE_TRANSITIONS = {
    ResponseStatus.DRAFT: {ResponseStatus.SUBMITTED},
    ResponseStatus.SUBMITTED: {ResponseStatus.DRAFT},  # reopening by staff, with a reason
}

RESPONDENT_ROLES = {
    "director": _("Directeur"),
    "icc": _("ICC'er"),
    "culture_coordinator": _("Cultuurcoördinator"),
    "teacher": _("Leerkracht of docent"),
    "other": _("Anders"),
}


class Sector(models.TextChoices):
    PO = "po", _("PO")
    SBO = "sbo", _("SBO")
    VO = "vo", _("VO")
    INSTITUTION = "institution", _("Culturele instelling")
    OTHER = "other", _("Overig")


class Scenario(models.TextChoices):
    """Where a school stands on a pillar (Evi-like), from its mean level as a share of the
    scale: below 40 % orienting, below 60 % developing, below 80 % deepening, else securing."""

    ORIENT = "orient", _("Oriënteren")
    DEVELOP = "develop", _("Ontwikkelen")
    DEEPEN = "deepen", _("Verdiepen")
    SECURE = "secure", _("Borgen")


SCENARIO_BOUNDS = ((0.4, Scenario.ORIENT), (0.6, Scenario.DEVELOP), (0.8, Scenario.DEEPEN))

TIPS = {
    Scenario.ORIENT: [
        _("Bespreek in het team wat cultuuronderwijs voor uw school betekent en leg dat vast."),
        _("Kies één samenwerkingspartner in de buurt en plan een eerste project."),
        _("Vraag de adviseur van het programmabureau om een verkennend gesprek."),
    ],
    Scenario.DEVELOP: [
        _("Maak een jaarplanning waarin elke groep of klas ten minste één project heeft."),
        _("Laat de ICC'er of cultuurcoördinator een scholing volgen."),
        _("Evalueer elk project kort met leerlingen en de culturele partner."),
    ],
    Scenario.DEEPEN: [
        _("Verbind cultuuronderwijs met andere vakken en met het buitenschoolse aanbod."),
        _("Deel uw aanpak op een kennisdelingsbijeenkomst van de regio."),
        _("Leg afspraken met partners vast voor meer dan één jaar."),
    ],
    Scenario.SECURE: [
        _("Borg de visie in het schoolplan en in de begroting van de school."),
        _("Zorg dat de kennis niet van één persoon afhangt: werk met een cultuurteam."),
        _("Help een school in een eerder scenario als maatje."),
    ],
}


def scenario_for(mean, scale: int) -> str | None:
    """The scenario of a mean level on a scale 1..scale (None without answers)."""
    if mean is None or scale <= 1:
        return None
    share = (Decimal(str(mean)) - 1) / (scale - 1)  # exact at the bounds
    for bound, scenario in SCENARIO_BOUNDS:
        if share < Decimal(str(bound)):
            return scenario
    return Scenario.SECURE


class Flow(models.TextChoices):
    INCOME = "income", _("Baten")
    COST = "cost", _("Lasten")


class Category(models.TextChoices):
    NATIONAL_GRANT = "national_grant", _("Subsidie FCP")
    MUNICIPAL_MATCHING = "municipal_matching", _("Matching gemeenten")
    SCHOOLS_PO = "school_contributions_po", _("Bijdragen van scholen PO")
    SCHOOLS_VO = "school_contributions_vo", _("Bijdragen van scholen VO")
    ACTIVITIES = "activities", _("Activiteitenkosten")
    KNOWLEDGE_SHARING = "knowledge_sharing", _("Kennisdeling")
    MONITORING = "monitoring_evaluation", _("Monitoring en evaluatie")
    ACCOUNTANT = "accountant", _("Accountantskosten")
    COORDINATION = "coordination", _("Coördinatiekosten")


INCOME = (
    Category.NATIONAL_GRANT,
    Category.MUNICIPAL_MATCHING,
    Category.SCHOOLS_PO,
    Category.SCHOOLS_VO,
)
COSTS = (
    Category.ACTIVITIES,
    Category.KNOWLEDGE_SHARING,
    Category.MONITORING,
    Category.ACCOUNTANT,
    Category.COORDINATION,
)
FLOW = {**dict.fromkeys(INCOME, Flow.INCOME), **dict.fromkeys(COSTS, Flow.COST)}
