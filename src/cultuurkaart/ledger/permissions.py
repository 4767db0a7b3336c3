"""Who may do what with budgets and the ledger (SPEC §1, §6). Read by pages and API alike
(core.permissions)."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, register, school_action

BOARD, BH, DP = RoleName.BOARD, RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS

ACTIONS = register(
    school_action(
        "ledger.view",
        {BH, DP, BOARD},
        admin=True,
        description="The school's budget and transactions (Docent+ read-only; the admin sees "
        "all money).",
    ),
    platform_action(
        "ledger.add_third_party_contribution",
        "Invoice a third party (municipality, fund) for a school's budget.",
    ),
)
