"""Permission checks for portal pages, from the domains' permission tables (core.permissions,
the same tables the API reads): a school page 404s outside the person's school and 403s for
a role at the school (or the platform admin) that may not do the page's action."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cultuurkaart.core import permissions
from cultuurkaart.core.permissions import Outcome, Scope
from cultuurkaart.schools.models import School


def check(request, action: str, school_id: int | None = None) -> None:
    """Raise 404/403 unless the signed-in person may do `action` (at the school)."""
    permissions.record(request, action)
    outcome = permissions.decide(request.user, action, school_id=school_id)
    if outcome is Outcome.NOT_FOUND:
        raise Http404
    if outcome is Outcome.FORBIDDEN:
        raise PermissionDenied


def may(request, action: str, school_id: int | None = None) -> bool:
    """For what a page shows (buttons, menu entries): the same table, as a yes/no."""
    return permissions.allows(request.user, action, school_id=school_id)


def school_page(action: str | Callable[..., str]):
    """A page of one school for `action` (a school action of a permission table; or a
    function of the url's kwargs that names it, e.g. by roster kind): loads `school_id` and
    passes the school to the view."""
    if not callable(action) and permissions.get(action).scope is not Scope.SCHOOL:
        raise ValueError(f"{action} is not a school action.")

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, school_id: int, *args, **kwargs):
            name = action(**kwargs) if callable(action) else action
            # No prefetch: most school pages never read the locations or programmes (two
            # queries on every page); the few that do read them once.
            school = School.objects.filter(pk=school_id).first()
            if school is None:
                permissions.record(request, name)
                raise Http404
            check(request, name, school.pk)
            request.current_school = school
            return view(request, school, *args, **kwargs)

        wrapper.permission_action = action
        return wrapper

    return decorator


def backoffice_page(action: str):
    """A back-office page for `action` (a platform action): the platform admin only."""
    if permissions.get(action).scope is not Scope.PLATFORM:
        raise ValueError(f"{action} is not a platform action.")

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            check(request, action)
            return view(request, *args, **kwargs)

        wrapper.permission_action = action
        return wrapper

    return decorator


def provider_page(action: str):
    """A page of one provider for `action` (a provider action of a permission table): its
    own people may; another provider's page is 404; passes the provider to the view."""
    from cultuurkaart.providers.models import Provider

    if permissions.get(action).scope is not Scope.PROVIDER:
        raise ValueError(f"{action} is not a provider action.")

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, provider_id: int, *args, **kwargs):
            permissions.record(request, action)
            provider = Provider.objects.filter(pk=provider_id).first()
            if provider is None:
                raise Http404
            outcome = permissions.decide(request.user, action, provider_id=provider.pk)
            if outcome is Outcome.NOT_FOUND:
                raise Http404
            if outcome is Outcome.FORBIDDEN:
                raise PermissionDenied
            return view(request, provider, *args, **kwargs)

        wrapper.permission_action = action
        return wrapper

    return decorator
