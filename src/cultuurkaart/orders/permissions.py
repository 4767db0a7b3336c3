"""Who may do what with budget orders and invoices (SPEC §1, §5). Read by pages and API
alike (core.permissions).

The platform admin reads a school's orders and invoices (statuses and money, SPEC §1) and
decides on them in the back office, but never orders, changes or cancels as the school."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, register, school_action

BOARD, BH, DP = RoleName.BOARD, RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS

ACTIONS = register(
    school_action(
        "orders.view",
        {BH, DP, BOARD},
        admin=True,
        description="Read the school's budget orders (counts, statuses, amounts).",
    ),
    school_action(
        "orders.submit", {BH}, description="Quote and submit an initial or supplementary order."
    ),
    school_action(
        "orders.change",
        {BH},
        description="Change or cancel an order inside its objection period.",
    ),
    school_action(
        "orders.view_invoices",
        {BH, BOARD},
        admin=True,
        description="Read the school's invoices and their PDFs.",
    ),
    platform_action(
        "orders.review", "The order worklist and order detail; approve or reject orders."
    ),
    platform_action(
        "orders.manage_invoices",
        "All invoices; register payments, issue credit notes.",
    ),
)
