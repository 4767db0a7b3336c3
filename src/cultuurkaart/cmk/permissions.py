"""Who may do what in a CmK programme (SPEC §12, issue 13 point 1; docs/cmk.md).

Roles: `cmk_staff` (the programme office: everything in its own programme), `cmk_steering`
(read-only aggregates), `cmk_municipality` (read-only, its own municipality's schools),
`cmk_contact` (a school's contact person: its own participation, shared minutes only). The
platform admin reads (the back office sees statuses and counts, SPEC §1) and creates
programmes, but does not work in a programme. Staff-only minutes: staff and admin only."""

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.permissions import platform_action, programme_action, register

STAFF = RoleName.CMK_STAFF
STEERING = RoleName.CMK_STEERING
MUNICIPALITY = RoleName.CMK_MUNICIPALITY
CONTACT = RoleName.CMK_CONTACT

ACTIONS = register(
    platform_action("cmk.manage_programmes", "Create a CmK programme (back office)."),
    programme_action(
        "cmk.view_programme",
        [STAFF],
        admin=True,
        description="The programme with its phases, lines, municipalities, tracks and schools.",
    ),
    programme_action(
        "cmk.work",
        [STAFF],
        description="Participations, steps, cycles, contacts, conversations, actions, "
        "activities, meetings, deadlines and tracks of the programme.",
    ),
    programme_action(
        "cmk.view_aggregates",
        [STAFF, STEERING, MUNICIPALITY],
        admin=True,
        description="Dashboard figures and targets (a municipality: its own schools).",
    ),
    programme_action(
        "cmk.view_participation",
        [STAFF, MUNICIPALITY, CONTACT],
        admin=True,
        description="One participation: track, step, history, contacts, conversations "
        "(minutes only as below).",
    ),
    programme_action(
        "cmk.view_shared_minutes",
        [STAFF, CONTACT],
        admin=True,
        description="The shared part of conversation minutes and the open actions.",
    ),
    programme_action(
        "cmk.view_staff_minutes",
        [STAFF],
        admin=True,
        description="The staff-only part of conversation minutes.",
    ),
)
