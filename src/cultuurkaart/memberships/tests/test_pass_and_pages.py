import pytest
from django.urls import reverse

from cultuurkaart.memberships import codes, services
from cultuurkaart.memberships.models import Membership
from cultuurkaart.schools.constants import SchoolKind
from cultuurkaart.schools.tests.factories import SchoolFactory

from .factories import VALID_PASSWORD, PersonFactory, activated

pytestmark = pytest.mark.django_db


def test_me_pass_returns_the_contract_fields(api_as, school):
    membership = activated(PersonFactory(school=school))
    response = api_as(membership.user).get("/me/pass")
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "first_name",
            "last_name",
            "birth_date",
            "school",
            "programme_mark",
            "valid_until",
        )
    } == {
        "first_name": "Sanne",
        "last_name": "de Vries",
        "birth_date": "2006-05-04",
        "school": school.name,
        "programme_mark": "cultuurkaart",
        "valid_until": "2024-12-31",
    }


def test_me_pass_mbo_mark(api_as):
    membership = activated(PersonFactory(school=SchoolFactory(kind=SchoolKind.MBO)))
    assert api_as(membership.user).get("/me/pass").json()["programme_mark"] == "mbo-cultuurkaart"


def test_me_pass_without_membership_is_404(api_as, budget_holder):
    response = api_as(budget_holder).get("/me/pass")
    assert response.status_code == 404 and response.json()["type"] == "no-membership"


def test_me_pass_needs_authentication(api_as):
    assert api_as(None).get("/me/pass").status_code == 401


def test_pass_page_shows_the_pass_with_a_qr_code_and_print_css(client, school):
    membership = activated(PersonFactory(school=school))
    client.force_login(membership.user)
    page = client.get(reverse("portals:my_pass"))
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "Sanne de Vries",
        "4-5-2006",
        school.name,
        "Cultuurkaart",
        "CJP",
        "31 december 2024",
        "<svg",
        "ck/css/pass.css",  # the pass and its print rules (no inline style: CSP)
    ):
        assert text in html


def test_verification_shows_valid_or_expired_and_the_name_only(client, school):
    membership = activated(PersonFactory(school=school))
    url = services.pass_verification_url(membership)
    path = url.split("testserver", 1)[-1].replace("http://127.0.0.1:8000", "")
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Geldig" in html and "Sanne de Vries" in html
    assert "2006" not in html and school.name not in html and membership.user.email not in html
    services.end_membership(membership, actor=None)
    assert "Verlopen of niet geldig" in client.get(path).content.decode()


def test_verification_with_a_forged_token_is_unknown(client, school):
    membership = activated(PersonFactory(school=school))
    forged = membership.pass_key + ":AAAAAAAAAAAAAAAAAAAAAAAAAAA"
    page = client.get(reverse("portals:verify_pass", kwargs={"token": forged}))
    assert page.status_code == 404
    assert "Sanne" not in page.content.decode()


def _form(code, **overrides):
    data = {
        "code": code,
        "first_name": "Sem",
        "last_name": "Jansen",
        "birth_day": "7",
        "birth_month": "9",
        "birth_year": "2010",
        "email": "sem@example.org",
        "password": VALID_PASSWORD,
        "accept_terms": "on",
        "parents_informed": "on",
    }
    data.update(overrides)
    return data


def test_activation_page_with_the_typed_code_activates_logs_in_and_shows_the_pass(client, school):
    person = PersonFactory(school=school)
    code = services.issue_code(person)
    page = client.get(reverse("portals:activate"))
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()
    response = client.post(reverse("portals:activate"), _form(codes.display(code)))
    assert response.status_code == 302 and response["Location"] == reverse("portals:my_pass")
    assert "Sem Jansen" in client.get(response["Location"]).content.decode()


def test_activation_page_with_a_wrong_code_shows_the_code_field(client):
    page = client.post(reverse("portals:activate"), _form(codes.generate()))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="code"' in html and "bestaat niet" in html


def test_an_old_link_with_the_code_in_the_path_moves_it_to_the_fragment(client):
    code = codes.generate()
    response = client.get(f"/activeren/{code}/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portals:activate')}#code={code}"


def test_activation_page_under_16_without_parents_shows_the_error(client, school):
    code = services.issue_code(PersonFactory(school=school))
    page = client.post(reverse("portals:activate"), _form(code, parents_informed=""))
    assert page.status_code == 200
    assert "ouders of verzorgers" in page.context["form"].errors["parents_informed"][0]
    assert not Membership.objects.exists()


def test_activation_page_reports_field_errors_in_the_summary(client, school):
    code = services.issue_code(PersonFactory(school=school))
    page = client.post(reverse("portals:activate"), _form(code, birth_day="31", birth_month="2"))
    assert "birth_day" in page.context["form"].errors
    assert 'href="#id_birth_day"' in page.content.decode()


def test_activation_page_rate_limits_with_429(client):
    for _ in range(15):
        client.post(reverse("portals:activate"), _form(codes.generate()))
    page = client.post(reverse("portals:activate"), _form(codes.generate()))
    assert page.status_code == 429 and int(page["Retry-After"]) > 0


def test_code_request_page_for_mbo(client):
    school = SchoolFactory(kind=SchoolKind.MBO)
    page = client.post(
        reverse("portals:request_code"),
        {
            "school_number": school.school_number,
            "kind": "students",
            "first_name": "Noor",
            "last_name": "Bakker",
            "email": "noor@example.org",
        },
    )
    assert page.status_code == 200
    assert "Aanvraag ontvangen" in page.content.decode()


def test_code_request_worklist_confirms(client, django_capture_on_commit_callbacks):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cultuurkaart.accounts.constants import RoleName
    from cultuurkaart.accounts.tests.factories import UserFactory, with_role
    from cultuurkaart.memberships.models import CodeRequest
    from cultuurkaart.memberships.queries import current_codes

    school = SchoolFactory(kind=SchoolKind.MBO)
    person = PersonFactory(school=school, first_name="Noor", last_name="Bakker")
    req = CodeRequest.objects.create(
        school=school, kind="students", first_name="noor", last_name="bakker", email="n@x.example"
    )
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    client.force_login(bh)
    device = TOTPDevice.objects.create(user=bh, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    url = reverse("portals:school_code_requests", kwargs={"school_id": school.pk})
    page = client.get(url)
    assert page.context["rows"][0]["matches"] == [person]
    client.post(url, {"request_id": req.pk, "person_id": person.pk, "action": "confirm"})
    assert person.pk in current_codes([person.pk])


def test_delete_my_data_page(client, school):
    membership = activated(PersonFactory(school=school))
    client.force_login(membership.user)
    url = reverse("portals:delete_my_data")
    assert client.post(url, {}).status_code == 200  # confirmation required
    client.post(url, {"confirm": "on"})
    assert membership.user.deletion_requests.count() == 1
    assert "uiterlijk op" in client.get(url).content.decode()


def test_a_used_code_offers_to_log_in(client, school):
    person = PersonFactory(school=school)
    code = services.issue_code(person)
    services.activate(code, {**_service_data()}, client="x")
    page = client.post(reverse("portals:activate"), _form(code, email="other@example.org"))
    assert "al gebruikt" in page.content.decode()
    assert page.context["code_used"] is True


def _service_data():
    from .factories import activation_data

    return activation_data()
