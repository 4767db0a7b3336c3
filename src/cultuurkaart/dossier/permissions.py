"""Who may do what in the dossier (SPEC §1, §11; docs/dossier.md).

A member's own portfolio is self-service (`/me/portfolio/...`, no table row): the owner
only, and only while one of the owner's schools has the dossier enabled (else 404).
School side: the student's dossier teachers (teacher, Docent+ at the school) see the items
the student made visible to teachers, every view logged; the school (board, budget holder)
lists that log. The admin enables the dossier (a back-office action) but never sees
portfolios."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, register, school_action

TEACHER_ROLES = {RoleName.TEACHER, RoleName.DOCENT_PLUS}

ACTIONS = register(
    platform_action(
        "dossier.enable",
        description="Enable or disable the dossier for a school or one of its classes.",
    ),
    school_action(
        "dossier.view_portfolios",
        TEACHER_ROLES,
        description="See a student's portfolio (items visible to teachers); every view is logged.",
    ),
    school_action(
        "dossier.view_log",
        {RoleName.BOARD, RoleName.BUDGET_HOLDER},
        description="List the log of staff views of the school's portfolios.",
    ),
)
