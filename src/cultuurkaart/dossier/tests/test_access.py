import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, admin_user
from cultuurkaart.core.errors import NotFound
from cultuurkaart.dossier.models import Enablement, PortfolioView
from cultuurkaart.dossier.services import access
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import dossier_school, student, teacher

pytestmark = pytest.mark.django_db


def test_enabled_for_the_whole_school_or_one_class():
    whole = dossier_school()
    per_class = dossier_school(groups=("3B",))
    off = SchoolFactory()
    assert access.is_enabled(whole) and access.is_enabled(whole, "1A")
    assert access.is_enabled(per_class) and access.is_enabled(per_class, "3B")
    assert not access.is_enabled(per_class, "1A")
    assert not access.is_enabled(off) and not access.is_enabled(off, "3B")
    with pytest.raises(NotFound):
        access.require_enabled(off)
    access.require_enabled(per_class)


def test_student_of_a_class_without_the_dossier_is_not_a_member():
    school = dossier_school(groups=("3B",))
    inside, outside = student(school, group="3B"), student(school, group="1A")
    assert access.current_school_id(inside) == school.pk
    assert access.current_school_id(outside) is None
    with pytest.raises(NotFound):
        access.require_member(outside)


def test_portfolio_for_is_one_per_person():
    user = UserFactory()
    assert access.portfolio_for(user) == access.portfolio_for(user)


def test_dossier_teachers_are_teachers_and_docent_plus_of_the_school():
    school, other = dossier_school(), dossier_school()
    t1, t2 = teacher(school), teacher(school, RoleName.DOCENT_PLUS)
    teacher(other)
    teacher(school, RoleName.BUDGET_HOLDER)
    assert set(access.dossier_teachers(school)) == {t1, t2}


def test_who_may_view_a_portfolio():
    school, other = dossier_school(), dossier_school()
    owner = student(school)
    portfolio = access.portfolio_for(owner)
    own_teacher, other_teacher = teacher(school), teacher(other)
    assert access.can_view_portfolio(owner, portfolio, school)
    assert access.can_view_portfolio(own_teacher, portfolio, school)
    assert not access.can_view_portfolio(other_teacher, portfolio, other)
    assert not access.can_view_portfolio(other_teacher, portfolio, school)
    assert not access.can_view_portfolio(admin_user(), portfolio, school)
    assert not access.can_view_portfolio(student(school), portfolio, school)
    Enablement.objects.filter(school=school).delete()
    assert not access.can_view_portfolio(own_teacher, portfolio, school)


def test_log_view_logs_staff_not_the_owner():
    school = dossier_school()
    owner = student(school)
    portfolio = access.portfolio_for(owner)
    access.log_view(owner, portfolio, school, "page")
    access.log_view(teacher(school), portfolio, school, "api")
    assert list(PortfolioView.objects.values_list("channel", flat=True)) == ["api"]
