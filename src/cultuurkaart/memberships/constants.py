"""Statuses and kinds of the memberships domain, with their allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberKind(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Docent of medewerker")


class ProgrammeMark(models.TextChoices):
    """The mark on the pass: Cultuurkaart (VO) or MBO Cultuurkaart."""

    CULTUURKAART = "cultuurkaart", _("Cultuurkaart")
    MBO_CULTUURKAART = "mbo-cultuurkaart", _("MBO Cultuurkaart")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Actief")
    INACTIVE = "inactive", _("Inactief")


class EndReason(models.TextChoices):
    EXPIRED = "expired", _("Verlopen")
    MISUSE = "misuse", _("Beëindigd wegens misbruik")
    SCHOOL_ENDED = "school_ended", _("Beëindigd: school gestopt of aanmelding geannuleerd")
    DELETED = "deleted", _("Gegevens verwijderd op verzoek")


TRANSITIONS = {
    MembershipStatus.ACTIVE: {MembershipStatus.INACTIVE},
    # Only `restore_school_memberships`: memberships ended because the registration was
    # cancelled for non-payment come back when a payment dated in time is registered.
    MembershipStatus.INACTIVE: {MembershipStatus.ACTIVE},
}


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("In de wachtrij")
    RUNNING = "running", _("Bezig met versturen")
    DONE = "done", _("Klaar")
    FAILED = "failed", _("Mislukt")


class MailStatus(models.TextChoices):
    """Per invited person in a batch; a row leaves PENDING exactly once (no double mail)."""

    PENDING = "pending", _("Nog te versturen")
    SENDING = "sending", _("Wordt verstuurd")
    SENT = "sent", _("Verstuurd")
    NO_EMAIL = "no_email", _("Geen e-mailadres")
    REPLACED = "replaced", _("Niet verstuurd: code al vervangen")
    FAILED = "failed", _("Versturen mislukt")


class CodeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Wacht op controle door de school")
    CONFIRMED = "confirmed", _("Bevestigd, code verstuurd")
    REJECTED = "rejected", _("Afgewezen")


CODE_REQUEST_TRANSITIONS = {
    CodeRequestStatus.PENDING: {CodeRequestStatus.CONFIRMED, CodeRequestStatus.REJECTED},
    CodeRequestStatus.CONFIRMED: set(),
    CodeRequestStatus.REJECTED: set(),
}


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("Ontvangen")
    DONE = "done", _("Uitgevoerd")


# Working days a deletion request may take at most (SPEC §4; same calendar as §5).
DELETION_WORKING_DAYS = 15
# Age (full years on the activation date) from which no parental notice is needed.
PARENTAL_NOTICE_AGE = 16
