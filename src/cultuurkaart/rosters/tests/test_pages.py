"""The school portal's roster pages: list, filters, paging, export, upload with a job."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from cultuurkaart.accounts.constants import RoleName
from cultuurkaart.accounts.tests.factories import UserFactory, totp_device, with_role
from cultuurkaart.rosters.constants import JobStatus, PersonStatus
from cultuurkaart.rosters.models import Person, RosterJob
from cultuurkaart.rosters.tests.factories import PersonFactory, student_row, xlsx
from cultuurkaart.schools.tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def verified_client(user) -> Client:
    client = Client()
    client.force_login(user)
    if user.requires_two_factor():
        device = totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def bh_client(budget_holder):
    return verified_client(budget_holder)


def url(school, page="", kind="studenten"):
    return f"/school/{school.pk}/{kind}/{page}"


def test_list_shows_people_and_filters_by_several_statuses(bh_client, school):
    PersonFactory(school=school, first_name="Anna", status=PersonStatus.NEW)
    PersonFactory(school=school, first_name="Bram", status=PersonStatus.ACTIVE)
    PersonFactory(school=school, first_name="Cas", status=PersonStatus.INVITED)
    PersonFactory(first_name="Vreemd")
    response = bh_client.get(url(school))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anna" in html and "Bram" in html and "Vreemd" not in html
    assert "Activatiecode" in html
    html = bh_client.get(url(school) + "?status=active&status=invited").content.decode()
    assert "Bram" in html and "Cas" in html and "Anna" not in html


def test_list_query_count_does_not_grow_with_rows(bh_client, school):
    def count(n):
        Person.objects.all().delete()
        for i in range(n):
            PersonFactory(school=school, first_name=f"P{i}")
        with CaptureQueriesContext(connection) as ctx:
            assert bh_client.get(url(school) + "?page_size=100").status_code == 200
        return len(ctx)

    assert count(3) == count(60)


def test_list_sorting_and_paging(bh_client, school):
    for name in ["Cor", "Ada", "Bob"]:
        PersonFactory(school=school, first_name=name, last_name=name)
    html = bh_client.get(url(school) + "?sort=-first_name").content.decode()
    assert html.index("Cor") < html.index("Bob") < html.index("Ada")
    assert 'aria-sort="descending"' in html
    html = bh_client.get(url(school) + "?sort=first_name&page_size=25&page=1").content.decode()
    assert html.index("Ada") < html.index("Bob")


def test_invite_button_posts_to_the_invitation_view_with_filters(bh_client, school):
    from django.urls import reverse

    PersonFactory(school=school)
    html = bh_client.get(url(school) + "?year=2&status=new").content.decode()
    invite = reverse("portals:school_invite", kwargs={"school_id": school.pk})
    assert f'formaction="{invite}"' in html
    assert 'name="all_matching" value="1"' in html
    assert '<input type="hidden" name="year" value="2">' in html
    assert '<input type="hidden" name="status" value="new">' in html
    assert 'name="person_ids"' in html


def test_docent_plus_reads_without_codes_or_upload(school):
    dp = with_role(UserFactory(), RoleName.DOCENT_PLUS, school=school)
    client = verified_client(dp)
    PersonFactory(school=school, first_name="Anna")
    html = client.get(url(school)).content.decode()
    assert "Anna" in html and "Activatiecode" not in html and "Validatietool" not in html
    assert client.get(url(school, "uploaden/")).status_code == 403
    assert client.get(url(school, kind="docenten")).status_code == 403


def test_other_school_gets_404_and_the_admin_403(bh_client, school):
    other = SchoolFactory()
    person = PersonFactory(school=other)
    assert bh_client.get(url(other)).status_code == 404
    assert bh_client.get(url(other, "export.xlsx")).status_code == 404
    assert bh_client.get(url(school, f"{person.pk}/")).status_code == 404
    # The back office knows the school but never sees its roster (SPEC §1), as in the API.
    admin = with_role(UserFactory(), RoleName.ADMIN)
    assert verified_client(admin).get(url(school)).status_code == 403


def test_export_from_the_page(bh_client, school):
    PersonFactory(school=school, first_name="=cmd|' /C calc'!A0", year=3)
    response = bh_client.get(url(school, "export.xlsx") + "?year=3")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws.cell(row=2, column=1).value == "=cmd|' /C calc'!A0"
    assert ws.cell(row=2, column=1).data_type == "s"


def test_upload_validate_then_import(bh_client, school, django_capture_on_commit_callbacks):
    """The job starts when the request's transaction commits (core.dispatch); in the tests
    it then runs in the same thread."""
    run_jobs = django_capture_on_commit_callbacks
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("l.xlsx", xlsx([student_row(1, mobile="0612345678")]))
    with run_jobs(execute=True):
        response = bh_client.post(url(school, "uploaden/"), {"file": bad, "action": "validate"})
    job = RosterJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/uploaden/{job.pk}/")
    html = bh_client.get(response["Location"]).content.decode()
    assert "1 fout gevonden" in html and "+316" in html and "Mobiel nummer" in html

    good = SimpleUploadedFile("l.xlsx", xlsx([student_row(1), student_row(2)]))
    with run_jobs(execute=True):
        response = bh_client.post(
            url(school, "uploaden/"),
            {"file": good, "action": "validate"},
            headers={"Accept": "application/json"},
        )
    body = response.json()
    html = bh_client.get(body["result_url"]).content.decode()
    assert "Het bestand is goedgekeurd" in html
    status = bh_client.get(body["status_url"]).json()
    assert status["finished"] is True and status["progress"] == 100

    job_id = body["job"]
    response = bh_client.post(url(school, f"uploaden/{job_id}/doorvoeren/"), {})
    assert Person.objects.count() == 0  # no confirmation, nothing happens
    with run_jobs(execute=True):
        response = bh_client.post(
            url(school, f"uploaden/{job_id}/doorvoeren/"), {"confirm_complete": "on"}
        )
    html = bh_client.get(response["Location"]).content.decode()
    assert "De lijst is vervangen" in html and "Toegevoegd: 2" in html
    assert Person.objects.filter(school=school).count() == 2
    assert RosterJob.objects.get(pk=job_id).data is None  # the file is not kept


def test_upload_import_requires_confirmation(bh_client, school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = SimpleUploadedFile("l.xlsx", xlsx([student_row(1)]))
    response = bh_client.post(url(school, "uploaden/"), {"file": good, "action": "import"})
    assert response.status_code == 200
    assert "Vink aan" in response.content.decode()
    assert not RosterJob.objects.exists()


def test_unreadable_file_shows_a_red_bar(bh_client, school, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = bh_client.post(
            url(school, "uploaden/"),
            {"file": SimpleUploadedFile("x.xlsx", b"garbage"), "action": "validate"},
        )
    html = bh_client.get(response["Location"]).content.decode()
    assert "kan niet worden gelezen" in html and "geen Excel-bestand" in html


def test_running_job_page_polls(bh_client, school):
    job = RosterJob.objects.create(
        school=school, kind="students", action="validate", status=JobStatus.RUNNING, progress=42
    )
    html = bh_client.get(url(school, f"uploaden/{job.pk}/")).content.decode()
    assert 'data-status-url="' in html and 'value="42"' in html
    assert bh_client.get(url(school, f"uploaden/{job.pk}/status/")).json()["progress"] == 42
    other = RosterJob.objects.create(school=SchoolFactory(), kind="students", action="validate")
    assert bh_client.get(url(school, f"uploaden/{other.pk}/status/")).status_code == 404


def test_add_edit_remove_by_hand(bh_client, school):
    response = bh_client.post(
        url(school, "toevoegen/"),
        {
            "first_name": "Eva",
            "last_name": "Smit",
            "email": "",
            "mobile": "0612345678",
            "location": "H",
            "year": "2",
            "group": "2A",
        },
    )
    assert response.status_code == 200 and "+316" in response.content.decode()
    response = bh_client.post(
        url(school, "toevoegen/"),
        {
            "first_name": "Eva",
            "last_name": "Smit",
            "email": "",
            "mobile": "+31612345678",
            "location": "H",
            "year": "2",
            "group": "2A",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get()
    response = bh_client.post(
        url(school, f"{person.pk}/"),
        {
            "first_name": "Eva",
            "last_name": "Smit-Bos",
            "email": "",
            "mobile": "",
            "location": "H",
            "year": "3",
            "group": "3A",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.last_name, person.year) == ("Smit-Bos", 3)
    assert bh_client.post(url(school, f"{person.pk}/verwijderen/")).status_code == 302
    assert not Person.objects.exists()


def test_remove_selected_and_all_matching(bh_client, school):
    keep = PersonFactory(school=school, year=1)
    a = PersonFactory(school=school, year=2)
    PersonFactory(school=school, year=2)
    response = bh_client.post(url(school, "verwijderen/"), {"person_ids": [a.pk]})
    assert response.status_code == 200 and Person.objects.count() == 3  # confirmation first
    bh_client.post(url(school, "verwijderen/"), {"person_ids": [a.pk], "confirmed": "1"})
    assert Person.objects.count() == 2
    bh_client.post(
        url(school, "verwijderen/"), {"all_matching": "1", "year": "2", "confirmed": "1"}
    )
    assert list(Person.objects.all()) == [keep]


def test_remove_selected_ignores_ids_that_are_not_ascii_digits(bh_client, school):
    person = PersonFactory(school=school)
    response = bh_client.post(
        url(school, "verwijderen/"), {"person_ids": ["²", "١", str(person.pk)], "confirmed": "1"}
    )
    assert response.status_code == 302
    assert not Person.objects.exists()


def test_teacher_pages(bh_client, school):
    response = bh_client.post(
        url(school, "toevoegen/", "docenten"),
        {
            "first_name": "Jan",
            "last_name": "Bos",
            "email": "jan@school.example",
            "teacher_type": "support",
        },
    )
    assert response.status_code == 302
    html = bh_client.get(url(school, kind="docenten")).content.decode()
    assert "Onderwijsondersteunend personeel" in html and "Beheer docenten" in html
    assert bh_client.get(url(school, "sjabloon.xlsx", "docenten"))["Content-Disposition"].endswith(
        'template_docenten.xlsx"'
    )
    assert bh_client.get(url(school, "uitleg/", "docenten")).status_code == 200


def test_menu_lists_the_roster_pages(bh_client, school):
    html = bh_client.get(f"/school/{school.pk}/").content.decode()
    assert url(school) in html and url(school, kind="docenten") in html
