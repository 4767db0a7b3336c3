"""Who may do what with individual budget and vouchers (SPEC §1, §9).

School side: the budget holder assigns and takes back (never Docent+, SPEC §1); the budget
holder, Docent+ and the board see the pool on the budget page (`ledger.view`). The student
claims for himself only (self-service routes, `/me/...`). Provider side: its own people
redeem; another provider's voucher is 404."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import provider_action, register, school_action

ACTIONS = register(
    school_action(
        "vouchers.assign",
        {RoleName.BUDGET_HOLDER},
        description="Assign individual budget to students of the roster; take it back.",
    ),
    provider_action(
        "vouchers.redeem",
        {RoleName.PROVIDER},
        description="Redeem a student's voucher (by code or QR) and see redeemed vouchers.",
    ),
)
