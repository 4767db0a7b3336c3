"""The permission mechanism's own rules (the tables are tested in the role × route matrix,
api/tests/test_permission_matrix.py)."""

import pytest

from cultuurkaart.core import permissions
from cultuurkaart.core.permissions import Action, Outcome, Scope, provider_action, school_action
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


@pytest.mark.usefixtures("scratch_registry")
def test_an_action_cannot_be_defined_twice_differently():
    permissions.register(permissions.get("orders.review"))  # the same row again: fine
    with pytest.raises(ValueError, match="defined twice"):
        permissions.register(school_action("orders.review", {"board"}))


@pytest.fixture
def scratch_registry(monkeypatch):
    """Actions registered by a test do not leak into the real tables."""
    monkeypatch.setattr(permissions, "_REGISTRY", dict(permissions._REGISTRY))


@pytest.mark.django_db
@pytest.mark.usefixtures("scratch_registry")
def test_provider_scope_own_provider_other_provider_and_admin():
    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.tests.factories import UserFactory, with_role
    from cultuurkaart.providers.models import Provider

    read = provider_action("test.provider_read", {RoleName.PROVIDER}, admin=True)
    write = provider_action("test.provider_write", {RoleName.PROVIDER})
    permissions.register(read, write)
    own, other = Provider.objects.create(name="A"), Provider.objects.create(name="B")
    person = with_role(UserFactory(), RoleName.PROVIDER, provider=own)
    admin = with_role(UserFactory(), RoleName.ADMIN)
    assert permissions.decide(person, write.name, provider_id=own.pk) is Outcome.ALLOWED
    assert permissions.decide(person, write.name, provider_id=other.pk) is Outcome.NOT_FOUND
    assert permissions.decide(admin, read.name, provider_id=own.pk) is Outcome.ALLOWED
    assert permissions.decide(admin, write.name, provider_id=own.pk) is Outcome.FORBIDDEN
    with pytest.raises(ValueError, match="pass provider_id"):
        permissions.decide(person, write.name, school_id=1)
