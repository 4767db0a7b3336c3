from django.utils.translation import gettext_lazy as _

from cultuurkaart.core.errors import DomainError


class TamperedExport(DomainError):
    """A file of the zip does not match the checksum of its manifest (or the manifest is not
    the platform's): nothing is imported."""

    type = "tampered-export"
    status = 422
    title = _("Het exportbestand is gewijzigd of beschadigd.")


class UnreadableExport(DomainError):
    type = "unreadable-export"
    status = 422
    title = _("Dit is geen export van een Cultuurkaart-dossier.")


class ExportNotReady(DomainError):
    type = "export-not-ready"
    status = 409
    title = _("De export is nog niet klaar.")


class ExportExpired(DomainError):
    type = "export-expired"
    status = 409
    title = _("De downloadlink is verlopen. Maak een nieuwe export.")


class InvalidTransferCode(DomainError):
    type = "invalid-transfer-code"
    status = 422
    title = _("Deze overdrachtscode is onbekend, al gebruikt of verlopen.")
