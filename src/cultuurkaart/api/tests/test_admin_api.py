"""Contract tests for API.md "Admin: programmes, registry, users" and the bootstrap."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.models import User
from cultuurkaart.schools.models import Location, Programme

pytestmark = pytest.mark.django_db

PROGRAMME = {
    "code": "vo-2025",
    "kind": "vo",
    "name": "VO Cultuurkaart 2025",
    "rates": {
        "ocw": "5.50",
        "school": "11.00",
        "admin_fee": "2.75",
        "teacher_fee": "6.00",
        "teacher_free_count": 30,
        "voucher": "5.50",
    },
    "teacher_free_before": None,
    "order_from": "2024-09-01",
    "order_until": "2025-01-31",
    "roster_after": "2024-08-16",
    "spend_from": "2025-01-01",
    "spend_until": "2025-12-31",
    "ocw_total": "5000000.00",
    "max_orders": 1,
}


def test_create_programme(admin_api):
    response = admin_api.post("/admin/programmes", PROGRAMME)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "vo-2025"
    assert body["rates"]["ocw"] == "5.50"
    assert body["ocw_total"] == "5000000.00"
    assert (
        Programme.objects.get(code="vo-2025").rate_school
        == Programme.objects.get(code="vo-2024").rate_school
    )


def test_create_programme_validation_errors(admin_api):
    bad = {**PROGRAMME, "code": "vo-2024", "order_until": "2024-01-01"}
    response = admin_api.post("/admin/programmes", bad)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"code", "order_until"} <= fields
    missing = {k: v for k, v in PROGRAMME.items() if k != "spend_until"}
    response = admin_api.post("/admin/programmes", missing)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "spend_until"


def test_programme_list_is_public(api_as):
    response = api_as(None).get("/programmes")
    assert response.status_code == 200
    codes = {p["code"] for p in response.json()["results"]}
    assert {"vo-2024", "mbo-pilot"} <= codes
    mbo = next(p for p in response.json()["results"] if p["code"] == "mbo-pilot")
    assert mbo["rates"] == {
        "ocw": "10.50",
        "school": "10.50",
        "admin_fee": "2.50",
        "teacher_fee": "0.00",
        "teacher_free_count": 0,
        "voucher": "5.25",
        "dossier": "0.00",
    }
    assert mbo["spend_until"] == "2024-12-31"


def test_paging_limits(api_as):
    client = api_as(None)
    assert client.get("/programmes?page_size=1").json()["count"] >= 2
    assert len(client.get("/programmes?page_size=1").json()["results"]) == 1
    assert client.get("/programmes?page_size=501").status_code == 422


def test_admin_endpoints_need_a_token_and_the_admin_role(api_as, bh_api):
    assert api_as(None).post("/admin/programmes", PROGRAMME).status_code == 401
    response = bh_api.post("/admin/programmes", PROGRAMME)
    assert response.status_code == 403
    assert response.json()["type"] == "forbidden"


def test_upsert_location(admin_api):
    data = {
        "code": "09XY00",
        "kind": "vo",
        "name": "Nieuw College",
        "postcode": "1234 ab",
        "municipality": "Ergens",
        "province": "Utrecht",
        "students": 321,
    }
    response = admin_api.post("/admin/registry/locations", data)
    assert response.status_code == 201
    assert response.json()["postcode"] == "1234AB"
    response = admin_api.post("/admin/registry/locations", {**data, "students": 400})
    assert response.status_code == 200
    assert Location.objects.get(code="09XY00").students == 400
    assert (
        admin_api.post("/admin/registry/locations", {**data, "province": "Atlantis"}).status_code
        == 422
    )


def test_registry_import_endpoint(admin_api):
    content = (Path(settings.BASE_DIR) / "data" / "duo" / "vo_vestigingen_sample.csv").read_bytes()
    upload = SimpleUploadedFile("vo.csv", content, content_type="text/csv")
    response = admin_api.client.post(
        "/api/v1/admin/registry/import", {"file": upload, "kind": "vo"}, headers=admin_api.headers
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 8 and response.json()["updated"] == 0
    upload = SimpleUploadedFile("vo.csv", content, content_type="text/csv")
    response = admin_api.client.post(
        "/api/v1/admin/registry/import", {"file": upload}, headers=admin_api.headers
    )
    assert response.json()["updated"] == 8


def test_registry_import_broken_file_changes_nothing(admin_api):
    upload = SimpleUploadedFile("x.csv", b"FOO;BAR\n1;2\n", content_type="text/csv")
    response = admin_api.client.post(
        "/api/v1/admin/registry/import", {"file": upload, "kind": "vo"}, headers=admin_api.headers
    )
    assert response.status_code == 422
    assert response.json()["type"] == "invalid-registry-file"
    assert "Unknown columns" in response.json()["detail"]
    assert not Location.objects.exists()


def test_create_user_with_roles_and_token(admin_api, school):
    response = admin_api.post(
        "/admin/users",
        {
            "email": "New.Person@Example.org",
            "name": "New Person",
            "roles": [{"role": "budget_holder", "school": str(school.pk)}, {"role": "admin"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new.person@example.org"
    assert {r["role"] for r in body["roles"]} == {"budget_holder", "admin"}
    response = admin_api.post(f"/admin/users/{body['id']}/tokens")
    assert response.status_code == 201
    token = response.json()["token"]
    me = admin_api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "new.person@example.org"


def test_create_user_refuses_unknown_roles_and_scopes(admin_api):
    response = admin_api.post(
        "/admin/users", {"email": "a@example.org", "roles": [{"role": "king"}]}
    )
    assert response.status_code == 422
    response = admin_api.post(
        "/admin/users", {"email": "a@example.org", "roles": [{"role": "budget_holder"}]}
    )
    assert response.status_code == 422
    response = admin_api.post(
        "/admin/users",
        {"email": "a@example.org", "roles": [{"role": "teacher", "school": "999999"}]},
    )
    assert response.status_code == 422
    assert not User.objects.filter(email="a@example.org").exists()


def test_create_admin_command_writes_a_working_token(tmp_path, client):
    path = tmp_path / "token"
    call_command("create_admin", "--email", "ops@cjp.example", "--token-file", str(path))
    token = path.read_text()
    assert "\n" not in token
    user = User.objects.get(email="ops@cjp.example")
    assert user.is_platform_admin
    response = client.get("/api/v1/admin/schools", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    call_command(
        "create_admin", "--email", "ops@cjp.example", "--token-file", str(path)
    )  # finds it again
    assert User.objects.filter(email="ops@cjp.example").count() == 1
    assert user.roles.filter(role=RoleName.ADMIN).count() == 1
