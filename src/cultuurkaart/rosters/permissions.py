"""Who may do what with rosters (SPEC §1, §3). Read by pages and API alike (core.permissions).

Roster data belong to the school: the platform admin sees them only as counts, so no
action here has `admin=True`."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import register, school_action

BH, DP = RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS

ACTIONS = register(
    school_action(
        "rosters.view_students",
        {BH, DP},
        description="Read the student list and its activation status (Docent+ read-only).",
    ),
    school_action("rosters.view_teachers", {BH}, description="Read the teacher and staff list."),
    school_action(
        "rosters.manage",
        {BH},
        description="Templates, validation tool, upload (replace), add, edit, remove people.",
    ),
)


def view_action(kind: str) -> str:
    """The action that reads the list of `kind` (students or teachers)."""
    return "rosters.view_teachers" if kind == "teachers" else "rosters.view_students"
