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


def _refuse_unless_allowed(outcome: Outcome, where: str) -> None:
    """404 outside the caller's school or provider, 403 for a role that may not."""
    if outcome is Outcome.NOT_FOUND:
        raise Http404
    if outcome is Outcome.FORBIDDEN:
        raise PermissionDenied(f"Your role does not allow this {where}.")


def check_school(request, school_id: int, action: str) -> None:
    """`action` at the school with this id: 404 outside it, 403 for a role that may not."""
    permissions.record(request, action)
    outcome = permissions.decide(request.user, action, school_id=school_id)
    _refuse_unless_allowed(outcome, "at this school")


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


def provider_for(request, provider_id: str | int, *, action: str):
    """The provider, if the caller may do `action` for it: its own people (and the admin
    where the table says so); another provider's object is 404, a role that may not 403.
    A platform action (`/admin/providers/...`) is checked first: 403 for anyone but the
    admin, then 404 for an unknown id."""
    from cultuurkaart.providers.models import Provider

    platform = permissions.get(action).scope is permissions.Scope.PLATFORM
    if platform:
        require(request, action)
    pk = provider_id if isinstance(provider_id, int) else parse_id(provider_id)
    provider = Provider.objects.filter(pk=pk).first() if pk is not None else None
    if provider is None:
        if not platform:
            permissions.record(request, action)
        raise Http404
    if not platform:
        check_provider(request, provider.pk, action)
    return provider


def own_provider_id(request, action: str, provider_id: int | None = None) -> int:
    """The provider the caller acts for with a provider action that names none in its path
    (creating or listing web orders): the caller's only provider, or `provider_id` when they
    belong to several. 403 for a caller with no provider role (decision WO2); another
    provider's id is 404, like every object outside the caller's provider."""
    permissions.record(request, action)
    mine = sorted(request.user.provider_ids())
    if not mine:
        raise PermissionDenied("Only a provider's own people may do this.")
    if provider_id is None and len(mine) == 1:
        provider_id = mine[0]
    if provider_id is None:
        raise PermissionDenied("You act for several providers: send provider_id.")
    if provider_id not in mine:
        raise Http404
    if permissions.decide(request.user, action, provider_id=provider_id) is not Outcome.ALLOWED:
        raise PermissionDenied("Your role does not allow this for this provider.")
    return provider_id


def check_provider(request, provider_id: int, action: str) -> None:
    """`action` for the provider with this id: 404 outside it, 403 for a role that may not."""
    permissions.record(request, action)
    outcome = permissions.decide(request.user, action, provider_id=provider_id)
    _refuse_unless_allowed(outcome, "for this provider")
