import pytest
from django.core.management import call_command

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import Role, User
from cultuurkaart.memberships.models import Membership
from cultuurkaart.schools.models import School


@pytest.mark.django_db
def test_demo_data_has_one_user_per_role_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "password for all: cultuurkaart-demo" in out
    for role in RoleName.values:
        if role == RoleName.TEACHER:
            continue  # the demo teacher is also Docent+
        assert Role.objects.filter(role=role).exists(), role
    assert School.objects.filter(status="active").count() == 3
    assert School.objects.filter(status="pending").count() == 1
    student = User.objects.get(email="leerling@demo.cultuurkaart.example")
    assert student.check_password("cultuurkaart-demo")
    assert Membership.objects.filter(user=student, status="active").count() == 1
