"""Who may do what with dossier transfers (SPEC §11, issue 12 points 7 and 8).

The student's own export is self-service (`/me/portfolio/exports`): only the portfolio's
owner, only where the dossier is enabled. At the school: the budget holder and Docent+ pick
the participants of a paid activity (the budget holder approves the web order); a teacher or
Docent+ of the receiving school imports a student's export. The back office does neither:
it never sees student work."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import register, school_action

BH, DP, TEACHER = RoleName.BUDGET_HOLDER, RoleName.DOCENT_PLUS, RoleName.TEACHER

ACTIONS = register(
    school_action(
        "dossier_transfer.select_participants",
        {BH, DP},
        description="Pick the classes or students who took part in a paid activity (web order).",
    ),
    school_action(
        "dossier_transfer.import",
        {TEACHER, DP},
        description="Import a student's portfolio export (zip) into their portfolio.",
    ),
)
