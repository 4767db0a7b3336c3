"""The Amstelland seed (SPEC §12 / seed 003) and the scoping functions."""

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.cmk import seed
from cultuurkaart.cmk.constants import CmkRole
from cultuurkaart.cmk.models import Indicator, Programme, Target
from cultuurkaart.cmk.services import access
from cultuurkaart.core.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_the_amstelland_programme_is_seed_data():
    p = Programme.objects.get(code="cmk-amstelland-2025")
    assert (p.starts_on.isoformat(), p.ends_on.isoformat()) == ("2025-01-01", "2028-12-31")
    assert [ph.name for ph in p.phases.all()] == ["Fase 1 (2025–2026)", "Fase 2 (2027–2028)"]
    assert [line.code for line in p.lines.all()] == ["A", "B", "C"]
    assert sorted(m.name for m in p.municipalities.all()) == [
        "Aalsmeer",
        "Amstelveen",
        "Ouder-Amstel",
        "Uithoorn",
    ]
    t1 = p.tracks.get(code="track-1")
    t2 = p.tracks.get(code="track-2")
    assert (t1.steps.count(), t1.cyclic, t1.prospect_until_step) == (5, True, None)
    assert (t2.steps.count(), t2.prospect_until_step, t2.completes_to) == (8, 2, "track-1")
    table = {
        (t.indicator.code, t.year): t.value
        for t in Target.objects.filter(indicator__programme=p).select_related("indicator")
    }
    assert table == {
        ("existing-schools", 2026): 33,
        ("existing-schools", 2028): 0,
        ("existing-schools", None): 33,
        ("new-tracks-po", 2026): 3,
        ("new-tracks-po", 2028): 2,
        ("new-tracks-po", None): 5,
        ("new-tracks-vo", 2026): 2,
        ("new-tracks-vo", 2028): 2,
        ("new-tracks-vo", None): 4,
        ("connections", 2026): 6,
        ("connections", 2028): 3,
        ("connections", None): 9,
        ("knowledge-meetings", 2026): 4,
        ("knowledge-meetings", 2028): 4,
        ("knowledge-meetings", None): 8,
    }


def test_loading_the_seed_twice_changes_nothing():
    from django.apps import apps

    before = (Programme.objects.count(), Indicator.objects.count(), Target.objects.count())
    seed.load(apps.get_model)
    after = (Programme.objects.count(), Indicator.objects.count(), Target.objects.count())
    assert before == after


def test_role_of_and_programmes_for():
    p = Programme.objects.get(code=seed.CODE)
    other = Programme.objects.create(
        code="x-2025", name="X", starts_on="2025-01-01", ends_on="2025-12-31"
    )
    staff = with_role(UserFactory(), RoleName.CMK_STAFF, cmk_programme=p)
    steering = with_role(UserFactory(), RoleName.CMK_STEERING, cmk_programme=other)
    admin = with_role(UserFactory(), RoleName.ADMIN)
    nobody = UserFactory()
    assert access.role_of(staff, p) == CmkRole.STAFF
    assert access.role_of(staff, other) is None
    assert access.role_of(steering, other) == CmkRole.STEERING
    assert access.role_of(admin, p) == CmkRole.ADMIN
    assert access.role_of(nobody, p) is None
    assert list(access.programmes_for(staff)) == [p]
    assert list(access.programmes_for(steering)) == [other]
    assert set(access.programmes_for(admin)) == {p, other}
    assert list(access.programmes_for(nobody)) == []


def test_require_programme_is_404_outside_and_403_for_a_role_that_may_not():
    p = Programme.objects.get(code=seed.CODE)
    other = Programme.objects.create(
        code="x-2025", name="X", starts_on="2025-01-01", ends_on="2025-12-31"
    )
    staff = with_role(UserFactory(), RoleName.CMK_STAFF, cmk_programme=p)
    steering = with_role(UserFactory(), RoleName.CMK_STEERING, cmk_programme=p)
    assert access.require_programme(staff, p.pk, "cmk.work") == p
    with pytest.raises(NotFound):
        access.require_programme(staff, other.pk, "cmk.view_programme")
    with pytest.raises(NotFound):
        access.require_programme(staff, "nonsense", "cmk.view_programme")
    with pytest.raises(PermissionDenied):
        access.require_programme(steering, p.pk, "cmk.work")
    assert access.require_programme(steering, p.pk, "cmk.view_aggregates") == p
