"""Contract tests for API.md "Schools", including scoping (404 outside one's school)."""

import pytest

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.schools.models import School
from cultuurkaart.schools.tests.factories import LocationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "location_code": "00AA01",
        "programme": "vo-2024",
        "board": {"name": "Bestuur", "email": "bestuur@school.example"},
        "budget_holder": {"name": "Bea", "email": "bea@school.example"},
        "invoice_email": "facturen@school.example",
        "accept_terms": True,
    }
    data.update(overrides)
    return data


def test_register_approve_and_read(api_as, admin_api):
    LocationFactory(code="00AA01", students=640)
    response = api_as(None).post(
        "/schools",
        body(
            directie={"name": "Dir", "email": "dir@school.example"},
            refund_iban="NL91ABNA0417164300",
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    school_id = response.json()["id"]
    assert isinstance(school_id, str)

    response = admin_api.post(f"/admin/schools/{school_id}/approve")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    number = response.json()["school_number"]
    assert len(number) == 7

    holder = School.objects.get(pk=school_id).roles.get(role=RoleName.BUDGET_HOLDER).user
    response = api_as(holder).get(f"/schools/{school_id}")
    assert response.status_code == 200
    data = response.json()
    assert data["school_number"] == number
    assert data["location"]["code"] == "00AA01"
    assert data["programmes"] == ["vo-2024"]
    assert data["contacts"]["directie"]["email"] == "dir@school.example"
    assert data["duo_count"] == 640


def test_registration_with_unknown_location_is_422_unknown_location(api_as):
    response = api_as(None).post("/schools", body(location_code="99ZZ99"))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "unknown-location"


def test_registration_with_missing_data_gives_field_errors(api_as):
    LocationFactory(code="00AA01")
    response = api_as(None).post("/schools", {"location_code": "00AA01", "programme": "vo-2024"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"board", "budget_holder", "invoice_email", "accept_terms"} <= fields
    response = api_as(None).post("/schools", body(accept_terms=False))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "accept_terms"


def test_registration_is_also_accepted_with_a_token(api_as, admin):
    LocationFactory(code="00AA01")
    assert api_as(admin).post("/schools", body()).status_code == 201


def test_reject_with_reason(admin_api, api_as):
    LocationFactory(code="00AA01")
    school_id = api_as(None).post("/schools", body()).json()["id"]
    assert admin_api.post(f"/admin/schools/{school_id}/reject", {}).status_code == 422
    response = admin_api.post(f"/admin/schools/{school_id}/reject", {"reason": "Geen mandaat"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert admin_api.post(f"/admin/schools/{school_id}/approve").status_code == 409


def test_approve_needs_admin(bh_api, school):
    assert bh_api.post(f"/admin/schools/{school.pk}/approve").status_code == 403


def test_other_schools_data_is_404(api_as, budget_holder):
    other = SchoolFactory()
    response = api_as(budget_holder).get(f"/schools/{other.pk}")
    assert response.status_code == 404
    assert response.json()["type"] == "not-found"
    assert api_as(budget_holder).get("/schools/999999").status_code == 404
    assert api_as(budget_holder).get("/schools/abc").status_code == 404


def test_school_read_needs_authentication(api_as, school):
    response = api_as(None).get(f"/schools/{school.pk}")
    assert response.status_code == 401
    assert response.json()["type"] == "not-authenticated"


def test_teacher_may_read_but_not_edit_settings(api_as, school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    response = api_as(teacher).get(f"/schools/{school.pk}")
    assert response.status_code == 200
    assert response.json()["school_number"] == school.school_number
    assert "refund_iban" not in response.json() and "contacts" not in response.json()
    response = api_as(teacher).patch(
        f"/schools/{school.pk}",
        {
            "directie_name": "X",
            "directie_email": "x@school.example",
            "invoice_email": "y@school.example",
        },
    )
    assert response.status_code == 403


def test_budget_holder_edits_settings(bh_api, school):
    response = bh_api.patch(
        f"/schools/{school.pk}",
        {
            "directie_name": "Nieuw",
            "directie_email": "nieuw@school.example",
            "invoice_email": "f@school.example",
            "refund_iban": "NL91ABNA0417164300",
        },
    )
    assert response.status_code == 200
    assert response.json()["contacts"]["directie"]["name"] == "Nieuw"
    response = bh_api.patch(
        f"/schools/{school.pk}",
        {
            "directie_name": "Nieuw",
            "directie_email": "nieuw@school.example",
            "invoice_email": "f@school.example",
            "refund_iban": "NL00XXXX",
        },
    )
    assert response.status_code == 422


def test_admin_list_of_schools_by_status(admin_api, school):
    SchoolFactory(status="pending", school_number=None)
    response = admin_api.get("/admin/schools?status=pending")
    assert response.status_code == 200
    assert response.json()["count"] == 1
