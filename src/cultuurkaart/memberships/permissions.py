"""Who may do what with invitations, codes and memberships (SPEC §1, §4). Read by pages and
API alike (core.permissions).

The platform admin never sees activation codes or sends a school's invitations; members'
own accounts are a direct relationship with CJP, so the admin may end a membership."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, register, school_action

BH, DP = RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS

ACTIONS = register(
    school_action(
        "memberships.invite",
        {BH, DP},
        description="Send invitations (fresh codes) and follow a batch's progress.",
    ),
    school_action(
        "memberships.view_codes",
        {BH},
        description="The current unused activation codes (list, roster export with codes).",
    ),
    school_action(
        "memberships.designate_docent_plus",
        {BH},
        description="List teachers with a membership; designate or withdraw Docent+.",
    ),
    school_action(
        "memberships.handle_code_requests",
        {BH},
        description="MBO code requests: list, confirm, reject.",
    ),
    platform_action(
        "memberships.administer",
        "List memberships (no roster data) and end them early (misuse, withdrawal).",
    ),
)
