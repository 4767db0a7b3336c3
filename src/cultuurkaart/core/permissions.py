"""Who may do what: the one mechanism behind every domain's permission table.

Each domain app declares its actions in its own `permissions.py` (`orders.submit`,
`rosters.manage`, ...) with the roles that may do them, and registers that table when the
app is ready. Pages (`portals/access.py`) and the API (`api/permissions.py`) both ask
`decide()`; no view or endpoint holds a role set of its own (docs/permissions.md).

Two scopes:

- `SCHOOL`: the action is done at one school. A person with one of the action's roles at
  that school may; a person with another role at that school gets 403; anyone outside the
  school gets 404 (do not reveal that it exists). The platform admin (back office) may only
  where the table says `admin=True` (SPEC §1: approve, check, pay, see counts, statuses and
  money; never roster personal data, codes, invitations, settings, or acting as the school);
  otherwise 403.
- `PROVIDER`: the same for one provider (acceptant): its own people may, another provider's
  object is 404; the admin where the table says `admin=True`, else 403.
- `PLATFORM`: a back-office action (`/admin/...`, `/backoffice/...`): the platform admin
  only, 403 for everyone else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Scope(enum.StrEnum):
    SCHOOL = "school"
    PROVIDER = "provider"
    PLATFORM = "platform"
    # A CmK programme (issue 13): roles held at the programme (staff, steering group), at one
    # of its municipalities or at one participation (a school's contact person).
    PROGRAMME = "programme"


class Outcome(enum.Enum):
    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"  # 403: a role that may not
    NOT_FOUND = "not-found"  # 404: outside the caller's school


@dataclass(frozen=True)
class Action:
    """One row of a permission table."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    admin: bool = False
    scope: Scope = Scope.SCHOOL
    description: str = ""

    def __post_init__(self):
        if self.scope is Scope.PLATFORM and (self.roles or not self.admin):
            raise ValueError(f"{self.name}: a platform action is for the admin only.")


def school_action(name: str, roles: Iterable[str], *, admin: bool = False, description=""):
    return Action(name, frozenset(roles), admin=admin, scope=Scope.SCHOOL, description=description)


def provider_action(name: str, roles: Iterable[str], *, admin: bool = False, description=""):
    return Action(
        name, frozenset(roles), admin=admin, scope=Scope.PROVIDER, description=description
    )


def programme_action(name: str, roles: Iterable[str], *, admin: bool = False, description=""):
    return Action(
        name, frozenset(roles), admin=admin, scope=Scope.PROGRAMME, description=description
    )


def platform_action(name: str, description: str = "") -> Action:
    return Action(name, admin=True, scope=Scope.PLATFORM, description=description)


_REGISTRY: dict[str, Action] = {}


def register(*actions: Action) -> dict[str, Action]:
    """Add a domain's table (called from its permissions.py, imported in AppConfig.ready)."""
    table = {}
    for action in actions:
        known = _REGISTRY.get(action.name)
        if known is not None and known != action:
            raise ValueError(f"Permission {action.name!r} is defined twice.")
        _REGISTRY[action.name] = table[action.name] = action
    return table


def get(name: str) -> Action:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"No permission table names the action {name!r}.") from None


def all_actions() -> dict[str, Action]:
    return dict(sorted(_REGISTRY.items()))


def _programme_roles(user, programme_id, participation) -> set[str]:
    """The user's roles that reach a programme, or one participation of it (`participation`
    = (participation id, its municipality id)): programme-wide roles always; a municipality
    role only for that municipality's participations; a contact role only for its own."""
    mine = set()
    for r in user.roles_cached():
        if r.cmk_programme_id != programme_id:
            continue
        if participation is not None:
            part_id, municipality_id = participation
            if r.cmk_participation_id is not None and r.cmk_participation_id != part_id:
                continue
            if r.cmk_municipality_id is not None and r.cmk_municipality_id != municipality_id:
                continue
        mine.add(r.role)
    return mine


def decide(
    user,
    name: str,
    *,
    school_id: int | None = None,
    provider_id: int | None = None,
    programme_id: int | None = None,
    participation: tuple[int, int | None] | None = None,
) -> Outcome:
    """The outcome of `user` doing action `name` (at `school_id` for a school action, for
    `provider_id` for a provider action, in `programme_id` (and for `participation`) for a
    programme action). `user` is a signed-in person; authentication is the caller's job."""
    action = get(name)
    is_admin = user.is_platform_admin
    if action.scope is Scope.PLATFORM:
        return Outcome.ALLOWED if is_admin else Outcome.FORBIDDEN
    if action.scope is Scope.PROGRAMME:
        if programme_id is None:
            raise ValueError(f"{name} is a programme action: pass programme_id.")
        mine = _programme_roles(user, programme_id, participation)
    elif action.scope is Scope.PROVIDER:
        if provider_id is None:
            raise ValueError(f"{name} is a provider action: pass provider_id.")
        mine = {r.role for r in user.roles_cached() if r.provider_id == provider_id}
    else:
        if school_id is None:
            raise ValueError(f"{name} is a school action: pass school_id.")
        mine = {r.role for r in user.roles_cached() if r.school_id == school_id}
    if mine & action.roles:
        return Outcome.ALLOWED
    if is_admin:
        return Outcome.ALLOWED if action.admin else Outcome.FORBIDDEN
    return Outcome.FORBIDDEN if mine else Outcome.NOT_FOUND


def allows(
    user,
    name: str,
    *,
    school_id: int | None = None,
    provider_id: int | None = None,
    programme_id: int | None = None,
    participation: tuple[int, int | None] | None = None,
) -> bool:
    """For what a page shows (menu entries, buttons): the same table, as a yes/no."""
    if not getattr(user, "is_authenticated", False):
        return False
    outcome = decide(
        user,
        name,
        school_id=school_id,
        provider_id=provider_id,
        programme_id=programme_id,
        participation=participation,
    )
    return outcome is Outcome.ALLOWED


def record(request, name: str) -> None:
    """Note on the request which action was checked (read by the role × route matrix test)."""
    checked = getattr(request, "permission_checks", None)
    if checked is None:
        checked = request.permission_checks = []
    checked.append(name)


# The back office's own pages and jobs (the domains' tables are in their permissions.py).
ACTIONS = register(
    platform_action("core.view_backoffice", "The back-office home with counts and worklists."),
    platform_action("core.view_audit_log", "The audit log (no personal data in its entries)."),
    platform_action("core.run_jobs", "Run a scheduled job now."),
)
