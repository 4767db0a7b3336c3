"""Domain errors of the rosters app (types from API.md "Rosters")."""

from cultuurkaart.core.errors import DomainError


class UnreadableFile(DomainError):
    """Not a spreadsheet, empty, not the template, too large, a zip bomb, encrypted, macros."""

    type = "unreadable-file"
    status = 422
    title = "Unreadable file"


class InvalidRoster(DomainError):
    type = "invalid-roster"
    status = 422
    title = "The roster has errors"


class ConfirmationRequired(DomainError):
    type = "confirmation-required"
    status = 422
    title = "Confirm that the file holds the complete list"
