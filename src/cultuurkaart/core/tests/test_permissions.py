"""The permission mechanism's own rules (the tables are tested in the role × route matrix,
api/tests/test_permission_matrix.py)."""

import pytest

from cultuurkaart.core import permissions
from cultuurkaart.core.permissions import Action, Scope, school_action
from cultuurkaart.portals.access import backoffice_page, school_page


def test_an_unknown_action_fails_loudly():
    with pytest.raises(LookupError):
        permissions.get("orders.buy_everything")
    # An old-style role list is no action: the view module would not import.
    with pytest.raises(LookupError):
        school_page("budget_holder")


def test_page_decorators_take_an_action_of_their_scope():
    with pytest.raises(ValueError, match="not a school action"):
        school_page("orders.review")
    with pytest.raises(ValueError, match="not a platform action"):
        backoffice_page("orders.view")


def test_a_platform_action_is_for_the_admin_only():
    with pytest.raises(ValueError):
        Action("x.y", frozenset({"board"}), admin=True, scope=Scope.PLATFORM)


def test_an_action_cannot_be_defined_twice_differently():
    permissions.register(permissions.get("orders.review"))  # the same row again: fine
    with pytest.raises(ValueError, match="defined twice"):
        permissions.register(school_action("orders.review", {"board"}))
