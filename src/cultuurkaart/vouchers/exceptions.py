"""Domain errors of individual budget and vouchers (stable `type`s from API.md)."""

from cultuurkaart.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class MembershipNotActive(DomainError):
    type = "membership-not-active"
    status = 422
    title = "Membership not active"


class BudgetNotSpendable(Conflict):
    type = "budget-not-spendable"
    title = "Budget not spendable"


class ProviderNotAcceptingVouchers(DomainError):
    type = "provider-not-accepting-vouchers"
    status = 422
    title = "Provider does not accept individual budget"


class NoAssignment(NotFound):
    type = "no-assignment"
    title = "No individual budget assigned"


class VouchersUsedUp(Conflict):
    type = "vouchers-used-up"
    title = "Every voucher of this assignment has been claimed"


class VoucherUsed(Conflict):
    type = "voucher-used"
    title = "Voucher already redeemed"


class VoucherExpired(Conflict):
    type = "voucher-expired"
    title = "Voucher expired"


class AssignmentClaimed(Conflict):
    type = "assignment-claimed"
    title = "A voucher of this assignment has been claimed"


class ProviderRevoked(PermissionDenied):
    """A revoked provider redeems nothing more (SPEC §7); its vouchers expire unused."""

    type = "provider-not-accepted"
    title = "Provider not accepted"
