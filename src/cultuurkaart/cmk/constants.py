from django.db import models
from django.utils.translation import gettext_lazy as _


class CmkRole(models.TextChoices):
    """How a person relates to one programme (`services.access.role_of`)."""

    ADMIN = "admin", _("Platformbeheerder")
    STAFF = "staff", _("Programmabureau")
    STEERING = "steering", _("Stuurgroep")
    MUNICIPALITY = "municipality", _("Gemeente")
    CONTACT = "contact", _("Contactpersoon school")


class LineCode(models.TextChoices):
    A = "A", _("A: kwaliteit door visie en samenwerking")
    B = "B", _("B: professionalisering en bewustwording")
    C = "C", _("C: verbinding binnen- en buitenschools")


class ContactRole(models.TextChoices):
    ICC = "icc", _("ICC'er")
    COORDINATOR = "coordinator", _("Cultuurcoördinator")
    DIRECTOR = "director", _("Directeur")


class ActionKind(models.TextChoices):
    CONVERSATION = "conversation", _("Uit accountgesprek")
    CONTACT_CHANGE = "contact-change", _("Nieuwe contactpersoon")
    OTHER = "other", _("Overig")


class MeetingLevel(models.TextChoices):
    NATIONAL = "national", _("Landelijk")
    PROVINCIAL = "provincial", _("Provinciaal")
    REGIONAL = "regional", _("Regionaal")
    MUNICIPAL = "municipal", _("Gemeentelijk")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Gepland")
    HELD = "held", _("Gehouden")


class DeadlineKind(models.TextChoices):
    FUNDER = "funder", _("Verantwoording fonds")
    QUESTIONNAIRE = "questionnaire", _("Vragenlijst")
    MEETING = "meeting", _("Bijeenkomst")
    CONVERSATION = "conversation", _("Accountgesprek")
    OTHER = "other", _("Overig")


class CountingRule(models.TextChoices):
    """How an indicator's realised value is counted from the records (services/targets.py)."""

    EXISTING_SCHOOLS = "existing-schools", _("Bestaande scholen in spoor 1 (uniek)")
    NEW_TRACKS_PO = "new-tracks-po", _("Nieuwe PO/SBO-scholen voorbij stap 2 van spoor 2 (uniek)")
    NEW_TRACKS_VO = "new-tracks-vo", _("Nieuwe VO-scholen voorbij stap 2 van spoor 2 (uniek)")
    CONNECTIONS = "connections", _("Scholen met een activiteit in lijn C (uniek)")
    KNOWLEDGE_MEETINGS = "knowledge-meetings", _("Gehouden regionale kennisdelingsbijeenkomsten")


# Location kinds that take part in CmK (registry kinds; po/sbo/institution only for CmK).
SCHOOL_KINDS = ("po", "sbo", "vo")
PO_KINDS = ("po", "sbo")
INSTITUTION_KIND = "institution"

TRACK_1 = "track-1"
TRACK_2 = "track-2"
