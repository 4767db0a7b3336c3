"""Role checks for the API: 403 for a role that may not, 404 outside the caller's scope."""

from __future__ import annotations

from django.http import Http404

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.core.errors import PermissionDenied
from cultuurkaart.schools.models import School

from .base import path_id


def require_admin(request) -> None:
    if not request.user.is_platform_admin:
        raise PermissionDenied("Only the platform admin may do this.")


def school_for(request, school_id: str, *roles: str) -> School:
    """The school if the caller may see it; 404 otherwise. With `roles`, 403 when the
    caller belongs to the school but in another role."""
    pk = path_id(school_id)
    user = request.user
    school = School.objects.filter(pk=pk).first()
    if school is None:
        raise Http404
    if user.is_platform_admin:
        return school
    if not user.has_school_role(pk):
        raise Http404
    if roles and not user.has_school_role(pk, *roles):
        raise PermissionDenied("Your role at this school does not allow this.")
    return school


BUDGET_HOLDER = RoleName.BUDGET_HOLDER
