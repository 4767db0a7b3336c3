"""Domain errors of web orders (stable `type`s from API.md)."""

from cultuurkaart.core.errors import Conflict, DomainError, PermissionDenied


class UnknownSchool(DomainError):
    type = "unknown-school"
    status = 422
    title = "Unknown school"


class ProviderNotAccepted(PermissionDenied):
    type = "provider-not-accepted"
    title = "Provider not accepted"


class AlreadyDecided(Conflict):
    type = "already-decided"
    title = "Web order already decided"


class BudgetNotSpendable(Conflict):
    type = "budget-not-spendable"
    title = "Budget not spendable"
