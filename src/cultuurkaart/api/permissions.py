"""Permission checks for the API, from the domains' permission tables (core.permissions):
403 for a role that may not, 404 outside the caller's school (docs/permissions.md)."""

from __future__ import annotations

from django.http import Http404

from cultuurkaart.core import permissions
from cultuurkaart.core.errors import PermissionDenied
from cultuurkaart.core.ids import parse_id
from cultuurkaart.core.permissions import Outcome
from cultuurkaart.schools.models import School


def require(request, action: str) -> None:
    """A back-office (platform) action: the platform admin only, 403 for everyone else."""
    permissions.record(request, action)
    if permissions.decide(request.user, action) is not Outcome.ALLOWED:
        raise PermissionDenied("Only the platform admin may do this.")


def check_school(request, school_id: int, action: str) -> None:
    """`action` at the school with this id: 404 outside it, 403 for a role that may not."""
    permissions.record(request, action)
    outcome = permissions.decide(request.user, action, school_id=school_id)
    if outcome is Outcome.NOT_FOUND:
        raise Http404
    if outcome is Outcome.FORBIDDEN:
        raise PermissionDenied("Your role does not allow this at this school.")


def school_for(request, school_id: str | int, *, action: str) -> School:
    """The school, if the caller may do `action` there (see `check_school`); 404 when it
    does not exist."""
    pk = school_id if isinstance(school_id, int) else parse_id(school_id)
    school = School.objects.filter(pk=pk).first() if pk is not None else None
    if school is None:
        permissions.record(request, action)
        raise Http404
    check_school(request, school.pk, action)
    return school


def may(request, action: str, school_id: int) -> bool:
    """Whether the caller may do `action` at the school (for fields shown, not access)."""
    return permissions.allows(request.user, action, school_id=school_id)


def provider_for(request, action: str, provider_id: int | None = None) -> int:
    """The provider the caller acts for with a provider action that names none in its path
    (creating or listing web orders): the caller's only provider, or `provider_id` when they
    belong to several. 403 for a caller with no provider role there (decision WO2)."""
    permissions.record(request, action)
    mine = sorted(request.user.provider_ids())
    if provider_id is None and len(mine) == 1:
        provider_id = mine[0]
    if provider_id is None or provider_id not in mine:
        raise PermissionDenied("Only a provider's own people may do this.")
    if permissions.decide(request.user, action, provider_id=provider_id) is not Outcome.ALLOWED:
        raise PermissionDenied("Your role does not allow this for this provider.")
    return provider_id


def check_provider(request, provider_id: int, action: str) -> None:
    """`action` for the provider with this id: 404 outside it, 403 for a role that may not."""
    permissions.record(request, action)
    outcome = permissions.decide(request.user, action, provider_id=provider_id)
    if outcome is Outcome.NOT_FOUND:
        raise Http404
    if outcome is Outcome.FORBIDDEN:
        raise PermissionDenied("Your role does not allow this for this provider.")
