"""Each role starts on its own page after signing in (issue 8 #25), and the provider
portal's home page shows the provider's own organisation and account."""

import pytest
from django.test import Client

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, current_code, totp_device, with_role
from cultuurkaart.memberships.tests.factories import PersonFactory, activated
from cultuurkaart.providers.models import ProviderStatus
from cultuurkaart.providers.tests.factories import ProviderFactory
from cultuurkaart.schools.tests.factories import SchoolFactory

from .test_pages import verified_client

pytestmark = pytest.mark.django_db


def sign_in(user) -> tuple[Client, str]:
    """Password, then (for finance roles) the TOTP code; returns the client and the final
    redirect target, followed as a browser would until a page answers 200."""
    client = Client()
    response = client.post(
        "/accounts/login/", {"email": user.email, "password": "a-Good-passw0rd!"}
    )
    assert response.status_code == 302
    if "/accounts/tweestaps/" in response["Location"]:
        device = totp_device(user)
        response = client.post(response["Location"], {"code": current_code(device)})
        assert response.status_code == 302
    target = response["Location"]
    while True:
        page = client.get(target)
        if page.status_code != 302:
            assert page.status_code == 200, (target, page.status_code)
            return client, target
        target = page["Location"]


def test_provider_lands_on_the_provider_portal_not_on_a_school_hint():
    provider = ProviderFactory(name="Theater Het Podium", status=ProviderStatus.PENDING)
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=provider)
    client, target = sign_in(user)
    assert target == "/aanbieder/"
    html = client.get(target).content.decode()
    assert "Theater Het Podium" in html
    assert "Aanvraag in behandeling" in html
    assert "CJP beoordeelt uw aanvraag" in html
    assert "rol bij een school" not in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (RoleName.ADMIN, "/backoffice/"),
        (RoleName.BUDGET_HOLDER, "/school/{school}/"),
        (RoleName.BOARD, "/school/{school}/"),
        (RoleName.DOCENT_PLUS, "/school/{school}/"),
    ],
)
def test_each_role_lands_on_its_own_start_page(role, expected):
    school = SchoolFactory()
    user = UserFactory()
    with_role(user, role, school=None if role == RoleName.ADMIN else school)
    _client, target = sign_in(user)
    assert target == expected.format(school=school.pk)


def test_member_lands_on_the_pass():
    membership = activated(PersonFactory())
    _client, target = sign_in_member(membership.user)
    assert target == "/mijn-pas/"


def sign_in_member(user):
    user.set_password("a-Good-passw0rd!")
    user.save()
    return sign_in(user)


def test_person_with_several_start_pages_chooses(school):
    provider = ProviderFactory(name="Museum Oost")
    user = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    with_role(user, RoleName.PROVIDER, provider=provider)
    client, target = sign_in(user)
    assert target == "/"
    html = client.get("/").content.decode()
    assert f'href="/school/{school.pk}/"' in html
    assert 'href="/aanbieder/"' in html


def test_person_without_any_role_gets_an_explanation_not_a_redirect():
    user = UserFactory()
    client, target = sign_in(user)
    assert target == "/"
    assert "nog geen rol" in client.get("/").content.decode()


def test_provider_page_shows_only_own_organisation_and_real_account_data():
    mine = ProviderFactory(name="Dansgroep Noord", status=ProviderStatus.ACCEPTED)
    ProviderFactory(name="Ander Orkest")
    user = with_role(UserFactory(), RoleName.PROVIDER, provider=mine)
    from cultuurkaart.accounts import services as accounts

    accounts.create_api_token(user, name="kassa")
    page = verified_client(user).get("/aanbieder/")
    html = page.content.decode()
    assert "Dansgroep Noord" in html and "Ander Orkest" not in html
    assert page.context["active_tokens"] == 1
    assert 'href="/account/sleutels/"' in html


def test_provider_page_refuses_school_roles_and_asks_providers_for_the_second_factor(
    budget_holder,
):
    assert verified_client(budget_holder).get("/aanbieder/").status_code == 403
    provider_user = with_role(UserFactory(), RoleName.PROVIDER, provider=ProviderFactory())
    client = Client()
    client.force_login(provider_user)
    response = client.get("/aanbieder/")
    assert response.status_code == 302 and "/accounts/tweestaps/" in response["Location"]
    anonymous = Client().get("/aanbieder/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_cmk_staff_lands_on_the_cmk_pages():
    """A person with only a CmK role starts at /cmk/ (not at "no role yet")."""
    from cultuurkaart.cmk.tests.factories import staff

    user = staff()
    _client, target = sign_in(user)
    assert target == "/cmk/"
