"""Who may do what at year end (SPEC §14). The back office runs the settlement and the
redistribution and sees every school; a school's own people see its own statement
(another school's is 404)."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, register, school_action

BOARD, BH, DP = RoleName.BOARD, RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS

ACTIONS = register(
    platform_action(
        "yearend.manage",
        "Close a programme's year, redistribute OCW money, see the overviews and exports.",
    ),
    school_action(
        "yearend.view_statement",
        {BH, DP, BOARD},
        admin=True,
        description="The school's year-end statement (like the budget page: Docent+ reads).",
    ),
)
