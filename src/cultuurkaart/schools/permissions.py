"""Who may do what with schools (SPEC §1, §2). Read by pages and API alike (core.permissions)."""

from cultuurkaart.accounts.constants import SCHOOL_ROLES, RoleName
from cultuurkaart.core.permissions import platform_action, register, school_action

BOARD, BH, DP = RoleName.BOARD, RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS

ACTIONS = register(
    school_action(
        "schools.view",
        SCHOOL_ROLES,
        admin=True,
        description="The school's public data (name, number, locations, status) and its portal "
        "home; the admin sees it as the back office.",
    ),
    school_action(
        "schools.view_contacts",
        {BOARD, BH, DP},
        admin=True,
        description="Contacts and invoice data (the admin checks registrations and invoices).",
    ),
    school_action(
        "schools.change_settings",
        {BH},
        description="Contacts, invoice data, refund IBAN. Never the admin.",
    ),
    school_action(
        "schools.change_budget_holder",
        {BOARD},
        description="Name a new or extra budget holder (the admin then decides).",
    ),
    platform_action(
        "schools.review_registrations", "List, approve and reject school registrations."
    ),
    platform_action(
        "schools.decide_budget_holder_changes", "Approve or reject a budget holder change."
    ),
    platform_action("schools.manage_programmes", "Create and change programmes (rates, dates)."),
    platform_action("schools.manage_registry", "The DUO registry: import, upsert locations."),
)
