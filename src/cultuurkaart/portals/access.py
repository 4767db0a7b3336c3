"""Scoping for portal views: a school page 404s for anyone outside that school."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from cultuurkaart.schools.models import School


def school_page(*roles: str):
    """Load `school_id` for the signed-in person; 404 outside their schools; 403 for a
    role at the school that may not open this page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, school_id: int, *args, **kwargs):
            user = request.user
            if not user.has_school_role(school_id):
                raise Http404
            if roles and not user.has_school_role(school_id, *roles):
                raise PermissionDenied
            school = get_object_or_404(
                School.objects.prefetch_related("locations", "programmes"), pk=school_id
            )
            request.current_school = school
            return view(request, school, *args, **kwargs)

        return wrapper

    return decorator


def admin_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_platform_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
