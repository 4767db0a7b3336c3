import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from cultuurkaart.accounts import services
from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import Role
from cultuurkaart.accounts.tests.factories import (
    PASSWORD,
    UserFactory,
    current_code,
    totp_device,
    with_role,
)
from cultuurkaart.core.errors import DomainError
from cultuurkaart.schools.models import School
from cultuurkaart.schools.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_a_person_can_hold_several_roles_scoped_to_schools():
    a, b = SchoolFactory(), SchoolFactory()
    user = UserFactory()
    with_role(user, RoleName.TEACHER, school=a)
    with_role(user, RoleName.DOCENT_PLUS, school=a)
    with_role(user, RoleName.BUDGET_HOLDER, school=b)
    assert user.school_ids() == {a.pk, b.pk}
    assert user.school_ids(RoleName.BUDGET_HOLDER) == {b.pk}
    assert user.has_school_role(a.pk, RoleName.DOCENT_PLUS)
    assert not user.has_school_role(a.pk, RoleName.BUDGET_HOLDER)
    assert user.requires_two_factor()  # budget holder somewhere


def test_school_visibility_is_scoped():
    a, b = SchoolFactory(), SchoolFactory()
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=a)
    admin = with_role(UserFactory(), RoleName.ADMIN)
    assert list(School.objects.visible_to(teacher)) == [a]
    assert set(School.objects.visible_to(admin)) == {a, b}
    assert not School.objects.visible_to(UserFactory()).exists()


def test_school_roles_need_a_school_and_granting_is_idempotent():
    user = UserFactory()
    with pytest.raises(DomainError):
        services.grant_role(user, RoleName.BUDGET_HOLDER)
    with pytest.raises(DomainError):
        services.grant_role(user, RoleName.PROVIDER)
    school = SchoolFactory()
    services.grant_role(user, RoleName.TEACHER, school=school)
    services.grant_role(user, RoleName.TEACHER, school=school)
    services.grant_role(user, RoleName.ADMIN, school=school)  # a global role ignores the scope
    assert Role.objects.filter(user=user).count() == 2
    assert Role.objects.get(user=user, role=RoleName.ADMIN).school is None
    assert services.revoke_role(user, RoleName.TEACHER, school=school) == 1
    assert not user.has_school_role(school.pk)


def test_finance_roles_require_two_factor():
    school = SchoolFactory()
    assert not with_role(UserFactory(), RoleName.TEACHER, school=school).requires_two_factor()
    assert not with_role(UserFactory(), RoleName.BOARD, school=school).requires_two_factor()
    assert with_role(UserFactory(), RoleName.ADMIN).requires_two_factor()
    assert with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school).requires_two_factor()


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from django.conf import settings

    from cultuurkaart.conf import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_USER_MODEL == "accounts.User"


def login(client, email, password=PASSWORD, next_url=""):
    return client.post("/accounts/login/", {"email": email, "password": password, "next": next_url})


def test_budget_holder_sets_up_two_factor_then_reaches_the_school_page(budget_holder, school):
    client = Client()
    response = login(client, budget_holder.email, next_url=f"/school/{school.pk}/")
    assert response.status_code == 302 and "/accounts/tweestaps/" in response["Location"]
    # Without the second factor the portal redirects back to the two-factor page.
    response = client.get(f"/school/{school.pk}/")
    assert response.status_code == 302 and "/accounts/tweestaps/" in response["Location"]
    page = client.get("/accounts/tweestaps/")
    assert page.status_code == 200 and page.context["setup"]
    device = TOTPDevice.objects.get(user=budget_holder, confirmed=False)
    response = client.post(
        "/accounts/tweestaps/", {"code": "123456" if current_code(device) != "123456" else "654321"}
    )
    assert response.status_code == 200 and "klopt niet" in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(
        "/accounts/tweestaps/", {"code": current_code(device), "next": f"/school/{school.pk}/"}
    )
    assert response.status_code == 302
    page = client.get(f"/school/{school.pk}/")
    assert page.status_code == 200
    assert school.school_number in page.content.decode()


def test_second_login_asks_for_the_code_of_the_existing_device(budget_holder, school):
    device = totp_device(budget_holder)
    client = Client()
    login(client, budget_holder.email)
    page = client.get("/accounts/tweestaps/")
    assert not page.context["setup"]
    response = client.post("/accounts/tweestaps/", {"code": current_code(device)})
    assert response.status_code == 302
    assert client.get(f"/school/{school.pk}/").status_code == 200


def test_teacher_needs_no_second_factor(school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = Client()
    response = login(client, teacher.email, next_url=f"/school/{school.pk}/")
    assert response["Location"] == f"/school/{school.pk}/"
    assert client.get(f"/school/{school.pk}/").status_code == 200


def test_login_is_rate_limited(school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = Client()
    for _ in range(10):
        assert login(client, teacher.email, "wrong").status_code == 200
    response = login(client, teacher.email)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.content.decode()


def test_login_rejects_wrong_password_without_saying_which_part_is_wrong(school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    response = login(Client(), teacher.email, "wrong")
    assert "horen niet bij elkaar" in response.content.decode()


def test_login_ignores_foreign_next_urls(school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    response = login(Client(), teacher.email, next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_tokens_page_creates_and_revokes(school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    client = Client()
    client.force_login(teacher)
    response = client.post("/account/sleutels/", {"name": "SIS", "password": PASSWORD})
    token = response.context["new_token"]
    assert token.startswith("ck_")
    assert services.user_for_token(token) == teacher
    pk = teacher.api_tokens.get().pk
    client.post(f"/account/sleutels/{pk}/intrekken/")
    assert services.user_for_token(token) is None


def test_tokens_page_is_behind_two_factor_for_finance_roles(budget_holder):
    client = Client()
    client.force_login(budget_holder)
    response = client.get("/account/sleutels/")
    assert response.status_code == 302 and "/accounts/tweestaps/" in response["Location"]


def test_password_reset_mail_also_reaches_invited_people_without_a_password(
    school, django_capture_on_commit_callbacks
):
    invited = UserFactory()
    invited.set_unusable_password()
    invited.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/accounts/wachtwoord/vergeten/", {"email": invited.email.upper()})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/wachtwoord/nieuw/" in mail.outbox[0].body


def test_invitation_link_lets_a_new_user_choose_a_password(school):
    invited = UserFactory()
    invited.set_unusable_password()
    invited.save()
    link = services.password_set_link(invited)
    client = Client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "Een-lang-Wachtwoord-42", "new_password2": "Een-lang-Wachtwoord-42"},
    )
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password("Een-lang-Wachtwoord-42")
