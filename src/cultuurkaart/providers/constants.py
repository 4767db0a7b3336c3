"""Provider statuses and their allowed moves (SPEC §7), read by core.transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderStatus(models.TextChoices):
    PENDING = "pending", _("Aanvraag in behandeling")
    ACCEPTED = "accepted", _("Geaccepteerd")
    REJECTED = "rejected", _("Afgewezen")
    REVOCATION_ANNOUNCED = "revocation-announced", _("Intrekking aangekondigd")
    REVOCATION_ON_HOLD = "revocation-on-hold", _("Intrekking aangehouden")
    REVOKED = "revoked", _("Ingetrokken")


class ProviderKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisatie")
    ARTIST = "artist", _("Individuele kunstenaar")


S = ProviderStatus
TRANSITIONS = {
    S.PENDING: {S.ACCEPTED, S.REJECTED},
    S.REJECTED: set(),
    S.ACCEPTED: {S.REVOCATION_ANNOUNCED},
    # Effective date reached (job), the provider responds (hold), or the admin withdraws.
    S.REVOCATION_ANNOUNCED: {S.REVOKED, S.REVOCATION_ON_HOLD, S.ACCEPTED},
    # The admin decides: the revocation resumes, or it is withdrawn.
    S.REVOCATION_ON_HOLD: {S.REVOCATION_ANNOUNCED, S.ACCEPTED},
    S.REVOKED: set(),
}

# SPEC §7 criterion 5: at least one of these components.
COMPONENTS = {
    "imagination": _("Verbeeldingskracht gebruiken"),
    "inventing": _("Nieuwe dingen bedenken, bijdragen of ontwerpen"),
    "creative_expression": _(
        "Creatief uiten (theater, rollenspel, zingen, dans, muziek, fotografie, tekenen, "
        "schilderen, vormgeven)"
    ),
    "thinking_in_images": _("Denken in beelden"),
    "unusual_solutions": _("Ongebruikelijke oplossingen bedenken"),
}
SUITABLE_FOR = {"vo": _("Voortgezet onderwijs (VO)"), "mbo": _("Middelbaar beroepsonderwijs (MBO)")}

REVOCATION_RESPONSE_DAYS = 14
IBAN_HOLD_WORKING_DAYS = 3
