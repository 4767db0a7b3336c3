"""Scoping: which programmes and participations a person reaches, through the permission
table in `cmk/permissions.py` (`core.permissions.decide` with `programme_id`).

Outside the caller's programme (or municipality, or participation) everything is 404, so
existence is not revealed; a role in the programme that may not do the action gets 403."""

from __future__ import annotations

from django.db.models import Q

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core import permissions as table
from cultuurkaart.core.errors import NotFound, PermissionDenied
from cultuurkaart.core.ids import parse_id

from ..constants import CmkRole
from ..models import Participation, Programme

_ROLE = {
    RoleName.CMK_STAFF: CmkRole.STAFF,
    RoleName.CMK_STEERING: CmkRole.STEERING,
    RoleName.CMK_MUNICIPALITY: CmkRole.MUNICIPALITY,
    RoleName.CMK_CONTACT: CmkRole.CONTACT,
}
# When a person holds several roles in one programme, the widest counts for `role_of`.
_RANK = [CmkRole.STAFF, CmkRole.STEERING, CmkRole.MUNICIPALITY, CmkRole.CONTACT]


def _id(value) -> int | None:
    return parse_id(value)


def programmes_for(user):
    """The programmes the person has any CmK role in (all of them for the platform admin)."""
    if not getattr(user, "is_authenticated", False):
        return Programme.objects.none()
    if user.is_platform_admin:
        return Programme.objects.all()
    ids = {r.cmk_programme_id for r in user.roles_cached() if r.cmk_programme_id}
    return Programme.objects.filter(pk__in=ids)


def staff_programmes_for(user):
    """The programmes the person works in as programme staff (all for the admin)."""
    if not getattr(user, "is_authenticated", False):
        return Programme.objects.none()
    if user.is_platform_admin:
        return Programme.objects.all()
    ids = {
        r.cmk_programme_id
        for r in user.roles_cached()
        if r.cmk_programme_id and r.role == RoleName.CMK_STAFF
    }
    return Programme.objects.filter(pk__in=ids)


def role_of(user, programme) -> str | None:
    """`CmkRole` of the person in the programme (admin, staff, steering, municipality,
    contact), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    pid = programme.pk if isinstance(programme, Programme) else _id(programme)
    held = {
        _ROLE[r.role] for r in user.roles_cached() if r.cmk_programme_id == pid and r.role in _ROLE
    }
    for role in _RANK:
        if role in held:
            return role
    if user.is_platform_admin:
        return CmkRole.ADMIN
    return None


def municipality_ids(user, programme) -> set[int]:
    """The municipalities a municipality role of the person covers in the programme."""
    return {
        r.cmk_municipality_id
        for r in user.roles_cached()
        if r.cmk_programme_id == programme.pk and r.cmk_municipality_id
    }


def participation_ids(user, programme) -> set[int]:
    """The participations a contact role of the person covers in the programme."""
    return {
        r.cmk_participation_id
        for r in user.roles_cached()
        if r.cmk_programme_id == programme.pk and r.cmk_participation_id
    }


def _raise(outcome: table.Outcome) -> None:
    if outcome is table.Outcome.NOT_FOUND:
        raise NotFound("Not found.")
    if outcome is table.Outcome.FORBIDDEN:
        raise PermissionDenied("You may not do this.")


def check(user, action: str, programme: Programme, participation=None) -> None:
    """Raise 404/403 unless the person may do `action` in the programme (for the
    participation, where given)."""
    scope = None
    if participation is not None:
        scope = (participation.pk, participation.municipality_id)
    _raise(table.decide(user, action, programme_id=programme.pk, participation=scope))


def may(user, action: str, programme: Programme, participation=None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    scope = None
    if participation is not None:
        scope = (participation.pk, participation.municipality_id)
    return table.allows(user, action, programme_id=programme.pk, participation=scope)


def require_programme(user, programme_id, action: str) -> Programme:
    """The programme, if the person may do `action` in it; 404 outside, 403 for a role that
    may not."""
    pk = _id(programme_id)
    if pk is not None:
        programme = Programme.objects.filter(pk=pk).first()
    else:  # programmes are also referenced by their code (API.md Conventions)
        programme = Programme.objects.filter(code=str(programme_id or "")).first()
    if programme is None:
        raise NotFound("Not found.")
    check(user, action, programme)
    return programme


def require_participation(user, participation_id, action: str) -> Participation:
    """The participation (with programme, location, track, step), if the person may do
    `action` on it: 404 outside its programme, municipality or own participation."""
    participation = (
        Participation.objects.select_related(
            "programme", "location", "municipality", "track", "current_step"
        )
        .filter(pk=_id(participation_id))
        .first()
    )
    if participation is None:
        raise NotFound("Not found.")
    check(user, action, participation.programme, participation)
    return participation


def visible_participations(user, programme: Programme):
    """Participations of the programme the person may see one by one: all for staff and the
    admin, the municipality's for a municipality role, its own for a contact; none for the
    steering group (aggregates only)."""
    qs = Participation.objects.filter(programme=programme)
    if role_of(user, programme) in (CmkRole.STAFF, CmkRole.ADMIN):
        return qs
    return qs.filter(
        Q(municipality_id__in=municipality_ids(user, programme))
        | Q(pk__in=participation_ids(user, programme))
    )
