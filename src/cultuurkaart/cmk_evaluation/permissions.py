"""Who may do what with questionnaires, analysis, budget and funder reports of a CmK
programme (SPEC §12; docs/cmk-evaluation.md). Programme scope (`core.permissions`): outside
the caller's programme (or municipality, or participation) 404, a role that may not 403.

The regional analysis is shared with all parties of the programme office's network
(seed 003 §7) except the schools' contacts, who see their own school's results; it shows
aggregates only, every group of fewer than five schools suppressed."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import programme_action, register

STAFF = RoleName.CMK_STAFF
STEERING = RoleName.CMK_STEERING
MUNICIPALITY = RoleName.CMK_MUNICIPALITY
CONTACT = RoleName.CMK_CONTACT

ACTIONS = register(
    programme_action(
        "cmk_evaluation.manage_questionnaires",
        [STAFF],
        description="Questionnaires: create, change (until answered), new version, "
        "invitations and reminders, the responses list, reopening a response.",
    ),
    programme_action(
        "cmk_evaluation.respond",
        [CONTACT],
        description="Fill in and submit the own school's questionnaire.",
    ),
    programme_action(
        "cmk_evaluation.view_results",
        [STAFF, MUNICIPALITY, CONTACT],
        admin=True,
        description="One school's own results and trend over the years, with tips.",
    ),
    programme_action(
        "cmk_evaluation.view_analysis",
        [STAFF, STEERING, MUNICIPALITY],
        admin=True,
        description="The regional analysis (aggregates; groups under five suppressed).",
    ),
    programme_action(
        "cmk_evaluation.export_research",
        [STAFF],
        description="The researcher CSV (pseudonymous school ids, no names or codes).",
    ),
    programme_action(
        "cmk_evaluation.view_budget",
        [STAFF, STEERING],
        admin=True,
        description="The budget: plan, realisation, variance, coordination share.",
    ),
    programme_action(
        "cmk_evaluation.manage_budget",
        [STAFF],
        description="Plan and realisation of the budget (by hand or CSV), in-kind hours.",
    ),
    programme_action(
        "cmk_evaluation.view_reports",
        [STAFF, STEERING],
        admin=True,
        description="Frozen funder reports and their files.",
    ),
    programme_action(
        "cmk_evaluation.create_reports",
        [STAFF],
        description="Freeze a funder report for a year.",
    ),
    programme_action(
        "cmk_evaluation.view_money",
        [STAFF],
        admin=True,
        description="Cultuurkaart spending of the participating VO schools next to their track.",
    ),
)
