"""Contract tests for API.md "Rosters": status codes, fields, error types, who may."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, with_role
from cultuurkaart.rosters.constants import PersonStatus
from cultuurkaart.rosters.models import Person
from cultuurkaart.rosters.tests.factories import TEACHER_HEADER, PersonFactory, student_row, xlsx
from cultuurkaart.schools.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def upload(api, method, path, data: bytes, **fields):
    body = {"file": SimpleUploadedFile("leerlingen.xlsx", data), **fields}
    if method == "post":
        return api.post(path, body, content_type=MULTIPART_CONTENT)
    return api.put(path, encode_multipart(BOUNDARY, body), content_type=MULTIPART_CONTENT)


def base(school, kind="students"):
    return f"/schools/{school.pk}/roster/{kind}"


@pytest.mark.parametrize(
    "school_kind,labels", [("vo", ("Leerjaar", "Klas")), ("mbo", ("Studiejaar", "Opleiding"))]
)
def test_template_per_school_type(api_as, school_kind, labels):
    school = SchoolFactory(kind=school_kind)
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=school)
    response = api_as(bh).get(base(school) + "/template")
    assert response.status_code == 200
    assert "template_leerlingen.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[4]]
    assert header == [
        "Voornaam",
        "Achternaam",
        "E-mailadres",
        "Mobiel nummer",
        "Locatienaam",
        *labels,
    ]
    assert sheet.data_validations.dataValidation  # drop-downs and input hints
    year_dv = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert year_dv and '"1,2,3,4,5,6"' in year_dv[0].formula1
    assert any(dv.prompt for dv in sheet.data_validations.dataValidation)
    assert len(book.worksheets) == 2  # instructions sheet


def test_teacher_template(bh_api, school):
    response = bh_api.get(base(school, "teachers") + "/template")
    assert "template_docenten.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[4]] == TEACHER_HEADER


def test_the_downloaded_template_filled_in_validates(bh_api, school):
    content = bh_api.get(base(school) + "/template").content
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for col, value in enumerate(
        ["Jan", "Jansen", "jan@school.example", "+31612345678", "Hoofd", 1, "1A"], start=1
    ):
        sheet.cell(row=5, column=col, value=value)
    out = io.BytesIO()
    book.save(out)
    response = upload(bh_api, "post", base(school) + "/validate", out.getvalue())
    assert response.status_code == 200, response.content
    assert response.json() == {"valid": True, "rows": 1, "errors": [], "error_count": 0}


def test_validate_reports_errors(bh_api, school):
    response = upload(
        bh_api,
        "post",
        base(school) + "/validate",
        xlsx([student_row(1, mobile="0612345678"), student_row(2, year=0)]),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False and body["rows"] == 2
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (5, "mobile", "mobile-national"),
        (6, "year", "year-invalid"),
    ]
    assert all(set(e) >= {"row", "column", "code", "message"} for e in body["errors"])
    assert not Person.objects.exists()


def test_validate_unreadable_is_422(bh_api, school):
    response = upload(bh_api, "post", base(school) + "/validate", b"not a spreadsheet")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "unreadable-file"


def test_put_requires_confirmation(bh_api, school):
    response = upload(bh_api, "put", base(school), xlsx([student_row(1)]))
    assert response.status_code == 422 and response.json()["type"] == "confirmation-required"
    response = upload(bh_api, "put", base(school), xlsx([student_row(1)]), confirm_complete="false")
    assert response.json()["type"] == "confirmation-required"
    assert not Person.objects.exists()


def test_put_invalid_roster(bh_api, school):
    PersonFactory(school=school)
    response = upload(
        bh_api, "put", base(school), xlsx([student_row(1, email="x")]), confirm_complete="true"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "invalid-roster"
    assert body["errors"] == [
        {
            "row": 5,
            "column": "email",
            "code": "email-invalid",
            "message": body["errors"][0]["message"],
        }
    ]
    assert Person.objects.count() == 1


def test_put_replaces(bh_api, school):
    kept = PersonFactory(
        school=school, email="leerling1@school.example", status=PersonStatus.ACTIVE
    )
    removed = PersonFactory(
        school=school, email="weg@school.example", first_name="Weg", status=PersonStatus.ACTIVE
    )
    response = upload(
        bh_api, "put", base(school), xlsx([student_row(1), student_row(2)]), confirm_complete="true"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in ("added", "kept", "removed", "total")} == {
        "added": 1,
        "kept": 1,
        "removed": 1,
        "total": 2,
    }
    assert body["removed_with_active_membership"] == [str(removed.pk)]
    kept.refresh_from_db()
    assert kept.status == PersonStatus.ACTIVE


def test_put_unreadable(bh_api, school):
    response = upload(bh_api, "put", base(school), b"", confirm_complete="true")
    assert response.status_code == 422 and response.json()["type"] == "unreadable-file"


def test_add_one_person(bh_api, school):
    response = bh_api.post(
        base(school),
        {"first_name": "Eva", "last_name": "Smit", "location": "H", "year": 2, "group": "2A"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "new" and body["first_name"] == "Eva" and isinstance(body["id"], str)
    response = bh_api.post(
        base(school),
        {
            "first_name": "Eva",
            "last_name": "Smit",
            "mobile": "0612345678",
            "location": "H",
            "year": 2,
            "group": "2A",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mobile"


def test_add_teacher_requires_type(bh_api, school):
    response = bh_api.post(base(school, "teachers"), {"first_name": "Jan", "last_name": "Bos"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "type"
    response = bh_api.post(
        base(school, "teachers"), {"first_name": "Jan", "last_name": "Bos", "type": "Docent"}
    )
    assert response.status_code == 201 and response.json()["type"] == "teacher"


def test_edit_and_remove_person(bh_api, school):
    person = PersonFactory(school=school)
    response = bh_api.patch(f"{base(school)}/{person.pk}", {"group": "4C", "year": 4})
    assert response.status_code == 200 and response.json()["group"] == "4C"
    assert bh_api.delete(f"{base(school)}/{person.pk}").status_code == 204
    assert bh_api.delete(f"{base(school)}/{person.pk}").status_code == 404


def test_list_filters_and_shape(bh_api, school):
    a = PersonFactory(school=school, first_name="Anna", year=1, group="1A", status=PersonStatus.NEW)
    b = PersonFactory(
        school=school, first_name="Bram", year=2, group="2B", status=PersonStatus.ACTIVE
    )
    c = PersonFactory(
        school=school, first_name="Cas", year=2, group="2C", status=PersonStatus.INVITED
    )
    PersonFactory(school=school, kind="teachers", first_name="Docent")
    PersonFactory(first_name="Anders")  # other school
    body = bh_api.get(base(school)).json()
    assert body["count"] == 3
    assert set(body["results"][0]) == {
        "id",
        "first_name",
        "last_name",
        "email",
        "mobile",
        "location",
        "year",
        "group",
        "status",
    }

    def ids(query):
        return {r["id"] for r in bh_api.get(base(school) + query).json()["results"]}

    assert ids("?year=2") == {str(b.pk), str(c.pk)}
    assert ids("?status=active&status=invited") == {str(b.pk), str(c.pk)}
    assert ids("?status=new") == {str(a.pk)}
    assert ids("?group=2b") == {str(b.pk)}
    assert ids("?first_name=ANN") == {str(a.pk)}
    assert ids("?q=bram") == {str(b.pk)}
    assert ids(f"?email={c.email}") == {str(c.pk)}
    assert ids("?year=x") == set()
    first = bh_api.get(base(school) + "?sort=-first_name&page_size=1").json()
    assert first["count"] == 3 and first["results"][0]["first_name"] == "Cas"


def test_export_neutralises_formulas(bh_api, school):
    PersonFactory(
        school=school,
        first_name='=HYPERLINK("http://evil.example","klik")',
        last_name="+1",
        group="@x",
    )
    response = bh_api.get(base(school) + "/export.xlsx")
    assert response.status_code == 200
    import zipfile

    sheet_xml = (
        zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    )
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    row = list(ws[2])
    assert row[0].value == '=HYPERLINK("http://evil.example","klik")' and row[0].data_type == "s"
    assert row[0].quotePrefix
    assert [c.value for c in ws[1]][-1] == "Activatiecode"


@pytest.mark.parametrize("kind", ["students", "teachers"])
def test_other_school_is_404(api_as, kind):
    mine, other = SchoolFactory(), SchoolFactory()
    bh = with_role(UserFactory(), RoleName.BUDGET_HOLDER, school=mine)
    person = PersonFactory(school=other, kind=kind)
    api = api_as(bh)
    assert api.get(base(other, kind)).status_code == 404
    assert api.get(base(other, kind) + "/export.xlsx").status_code == 404
    assert api.get(base(other, kind) + "/template").status_code == 404
    assert (
        upload(api, "post", base(other, kind) + "/validate", xlsx([student_row(1)])).status_code
        == 404
    )
    assert (
        upload(
            api, "put", base(other, kind), xlsx([student_row(1)]), confirm_complete="true"
        ).status_code
        == 404
    )
    assert api.post(base(other, kind), {"first_name": "a", "last_name": "b"}).status_code == 404
    assert api.patch(f"{base(other, kind)}/{person.pk}", {"first_name": "x"}).status_code == 404
    assert api.delete(f"{base(other, kind)}/{person.pk}").status_code == 404
    # and a person of another school through my own school's path
    assert api.patch(f"{base(mine, kind)}/{person.pk}", {"first_name": "x"}).status_code == 404


def test_admin_never_sees_roster_data(admin_api, school):
    PersonFactory(school=school)
    assert admin_api.get(base(school)).status_code == 403
    assert admin_api.get(base(school) + "/export.xlsx").status_code == 403
    assert admin_api.get(base(school, "teachers")).status_code == 403


def test_docent_plus_reads_students_only(api_as, school):
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    api = api_as(dp)
    PersonFactory(school=school)
    assert api.get(base(school)).status_code == 200
    export = api.get(base(school) + "/export.xlsx")
    assert export.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert "Activatiecode" not in [c.value for c in ws[1]]
    assert api.get(base(school, "teachers")).status_code == 403
    assert (
        upload(
            api, "put", base(school), xlsx([student_row(1)]), confirm_complete="true"
        ).status_code
        == 403
    )
    assert api.post(base(school), {"first_name": "a", "last_name": "b"}).status_code == 403


def test_teacher_role_may_not_read(api_as, school):
    teacher = with_role(UserFactory(), RoleName.TEACHER, school=school)
    assert api_as(teacher).get(base(school)).status_code == 403


def test_unknown_kind_is_404(bh_api, school):
    assert bh_api.get(base(school, "parents")).status_code == 404


def test_anonymous_is_401(api_as, school):
    assert api_as(None).get(base(school)).status_code == 401


def test_xls_upload_is_accepted(bh_api, school):
    from cultuurkaart.rosters.tests.factories import xls

    response = upload(
        bh_api, "put", base(school), xls([student_row(1), student_row(2)]), confirm_complete="true"
    )
    assert response.status_code == 200, response.content
    assert response.json()["added"] == 2
